//! The request a RESTlet tool sends, as data: the transport (percent-encoding, JSON body, auth) belongs to the
//! NetSuite client. Script and deployment come only from the file, never from arguments.

use serde_json::Value as Json;

use super::spec::format_date;
use super::spec::{ArgValue, Method, Scalar};

/// Query parameter names a GET/DELETE RESTlet tool may not use: NetSuite reads them from the same query string
/// to pick the script, so an argument must never be able to set them.
pub const RESERVED_QUERY_PARAMS: &[&str] = &["script", "deploy", "compid", "h"];

/// One RESTlet call, ready for the NetSuite client.
#[derive(Debug, Clone, PartialEq)]
pub struct RestletCall {
    /// Script id from the file.
    pub script: String,
    /// Deployment id from the file.
    pub deploy: String,
    /// HTTP method from the file.
    pub method: Method,
    /// Query parameters (GET and DELETE), unencoded, in parameter order.
    pub query: Vec<(String, String)>,
    /// JSON object body (POST and PUT).
    pub body: Option<Json>,
}

/// Text of a value in a query string: strings as they are, integers and numbers in decimal, booleans `T`/`F`
/// (NetSuite's checkbox values, as SuiteScript compares them), dates `YYYY-MM-DD`, lists joined with `,` (so
/// list strings must not contain commas).
pub(crate) fn query_value(v: &ArgValue) -> Result<String, String> {
    match v {
        ArgValue::One(s) => Ok(query_text(s)),
        ArgValue::List(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for (i, s) in items.iter().enumerate() {
                let text = query_text(s);
                if text.contains(',') {
                    return Err(format!(
                        "element {}: a list sent in the query string cannot hold a comma",
                        i + 1
                    ));
                }
                parts.push(text);
            }
            Ok(parts.join(","))
        }
    }
}

fn query_text(s: &Scalar) -> String {
    match s {
        Scalar::Boolean(true) => "T".into(),
        Scalar::Boolean(false) => "F".into(),
        other => other.to_string(),
    }
}

/// JSON of a value in a body: dates become `YYYY-MM-DD` strings, lists arrays.
pub(crate) fn json_value(v: &ArgValue) -> Json {
    let one = |s: &Scalar| match s {
        Scalar::String(s) => Json::String(s.clone()),
        Scalar::Integer(i) => Json::from(*i),
        // Checked values are finite, so `from_f64` cannot fail; `Null` is unreachable.
        Scalar::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
        Scalar::Boolean(b) => Json::Bool(*b),
        Scalar::Date(d) => Json::String(format_date(*d)),
    };
    match v {
        ArgValue::One(s) => one(s),
        ArgValue::List(items) => Json::Array(items.iter().map(one).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom::value::parse_date;

    #[test]
    fn golden_query_values() {
        let one = |s: Scalar| query_value(&ArgValue::One(s)).unwrap();
        assert_eq!(one(Scalar::String("a b&c=d".into())), "a b&c=d");
        assert_eq!(one(Scalar::Integer(-3)), "-3");
        assert_eq!(one(Scalar::Number(2.5)), "2.5");
        assert_eq!(one(Scalar::Boolean(true)), "T");
        assert_eq!(one(Scalar::Boolean(false)), "F");
        assert_eq!(
            one(Scalar::Date(parse_date("2024-05-06").unwrap())),
            "2024-05-06"
        );
        let list = ArgValue::List(vec![Scalar::Integer(1), Scalar::Integer(2)]);
        assert_eq!(query_value(&list).unwrap(), "1,2");
        let bad = ArgValue::List(vec![Scalar::String("a,b".into())]);
        assert!(query_value(&bad).unwrap_err().contains("comma"));
    }

    #[test]
    fn golden_json_values() {
        let list = ArgValue::List(vec![
            Scalar::Date(parse_date("2024-05-06").unwrap()),
            Scalar::Date(parse_date("2024-05-07").unwrap()),
        ]);
        assert_eq!(
            json_value(&list),
            serde_json::json!(["2024-05-06", "2024-05-07"])
        );
        assert_eq!(
            json_value(&ArgValue::One(Scalar::Number(0.5))),
            serde_json::json!(0.5)
        );
        assert_eq!(
            json_value(&ArgValue::One(Scalar::Boolean(false))),
            serde_json::json!(false)
        );
        assert_eq!(
            json_value(&ArgValue::One(Scalar::Integer(7))),
            serde_json::json!(7)
        );
    }
}
