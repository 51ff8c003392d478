//! Tool arguments: deserialization whose errors name the argument, and shared argument checks.

use rmcp::model::JsonObject;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ToolError;

/// Deserializes tool arguments; a failure names the offending argument.
pub fn parse_args<I: DeserializeOwned>(args: JsonObject) -> Result<I, ToolError> {
    let value = Value::Object(args);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let argument = if path.is_empty() || path == "." {
            // serde names the field in these messages: "missing field `query`", "unknown field `limt`, …".
            backticked(&message).unwrap_or_else(|| "arguments".to_owned())
        } else {
            path
        };
        let message = if message.starts_with("unknown field") {
            format!("{message}; this tool takes no such argument")
        } else {
            message
        };
        ToolError::Argument { argument, message }
    })
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

/// Checks `limit` against 1..=1000.
pub fn check_limit(limit: u32) -> Result<u32, ToolError> {
    if (1..=1000).contains(&limit) {
        Ok(limit)
    } else {
        Err(ToolError::argument(
            "limit",
            format!("must be between 1 and 1000 (got {limit}); page with offset for more rows"),
        ))
    }
}

/// Accepts a string or a number for an id-like argument (models often send `42` for `"42"`).
pub fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string such as \"42\" or \"customscript_x\", got {other}"
        ))),
    }
}

use serde::Deserialize as _;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct In {
        query: String,
        #[serde(default)]
        limit: u32,
    }

    fn err(v: Value) -> (String, String) {
        let Value::Object(o) = v else { unreachable!() };
        match parse_args::<In>(o).unwrap_err() {
            ToolError::Argument { argument, message } => (argument, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_argument() {
        assert_eq!(err(json!({})).0, "query");
        assert_eq!(err(json!({"query": "x", "limit": "ten"})).0, "limit");
        assert_eq!(err(json!({"query": 5})).0, "query");
        let (arg, msg) = err(json!({"query": "x", "limt": 5}));
        assert_eq!(arg, "limt");
        assert!(msg.contains("no such argument"), "{msg}");
    }
}
