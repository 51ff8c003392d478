//! Requests for a method this server answers whose params do not parse. rmcp hands them over as custom requests
//! (its typed parse failed), whose default answer is -32601 "method not found" with the bare method name; JSON-RPC
//! and MCP say -32602 "invalid params", and a client author needs to know which field is wrong.

use rmcp::ErrorData as McpError;
use rmcp::model::{
    CallToolRequestParams, CompleteRequestParams, CustomRequest, DiscoverRequestParams, ErrorCode,
    GetPromptRequestParams, InitializeRequestParams, PaginatedRequestParams,
    ReadResourceRequestParams, SubscriptionsListenRequestParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The error for `request`: invalid params naming the problem for a method this server answers, else method
/// not found naming the method.
pub(super) fn answer(request: &CustomRequest) -> McpError {
    let method = request.method.as_str();
    let params = request.params.clone().unwrap_or(Value::Null);
    let problem = match method {
        "tools/call" => problem::<CallToolRequestParams>(params),
        "prompts/get" => problem::<GetPromptRequestParams>(params),
        "resources/read" => problem::<ReadResourceRequestParams>(params),
        "completion/complete" => problem::<CompleteRequestParams>(params),
        "initialize" => problem::<InitializeRequestParams>(params),
        "tools/list" | "prompts/list" | "resources/list" | "resources/templates/list" => {
            problem::<Option<PaginatedRequestParams>>(params)
        }
        "subscriptions/listen" => problem::<SubscriptionsListenRequestParams>(params),
        "server/discover" => problem::<Option<DiscoverRequestParams>>(params),
        _ => {
            return McpError::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("this server has no method {method:?}"),
                None,
            );
        }
    };
    McpError::invalid_params(format!("invalid params for {method}: {problem}"), None)
}

/// Longest problem echoed back: serde may quote the bad value, which can be huge.
const MAX_PROBLEM_CHARS: usize = 300;

/// What is wrong with `params` as a `T`, in serde's words (e.g. "missing field `name`").
fn problem<T: DeserializeOwned>(params: Value) -> String {
    match serde_json::from_value::<T>(params) {
        Err(e) => {
            let text = e.to_string();
            match text.char_indices().nth(MAX_PROBLEM_CHARS) {
                Some((cut, _)) => format!("{}… (cut)", &text[..cut]),
                None => text,
            }
        }
        // rmcp refused them for a reason its params type alone does not show (e.g. the request's shape).
        Ok(_) => "they do not match the method's schema".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(method: &str, params: Value) -> CustomRequest {
        CustomRequest::new(method, Some(params))
    }

    #[test]
    fn bad_params_of_a_known_method_are_invalid_params_naming_the_field() {
        let e = answer(&request("tools/call", json!({"arguments": {}})));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        assert!(
            e.message.contains("tools/call") && e.message.contains("name"),
            "{}",
            e.message
        );
        let e = answer(&request("resources/read", json!({"uri": 5})));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        assert!(e.message.contains("resources/read"), "{}", e.message);
    }

    #[test]
    fn an_unknown_method_is_method_not_found_naming_it() {
        let e = answer(&request("tools/frobnicate", json!({})));
        assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
        assert!(e.message.contains("tools/frobnicate"), "{}", e.message);
    }
}
