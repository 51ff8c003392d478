//! The one place that turns a tool failure into what the assistant reads: an `isError` result with NetSuite's
//! status, code and detail, and a hint naming what to do next with this server's tools and settings.

use rmcp::model::{CallToolResult, ContentBlock};

use crate::auth::AuthError;
use crate::catalog::ToolError;
use crate::config::Key;
use crate::netsuite::{ApiError, ErrorClass, NetSuiteError};

pub(super) fn text_error(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// The one mapping from a failure to what the assistant reads.
pub fn error_result(err: &ToolError) -> CallToolResult {
    text_error(describe_error(err))
}

/// The text of an error result.
pub fn describe_error(err: &ToolError) -> String {
    match err {
        ToolError::Argument { argument, message } => format!(
            "Invalid argument `{}`: {}",
            clip(argument, 100),
            clip(message, MAX_ECHO_CHARS)
        ),
        ToolError::Refused(message) => format!("Refused: {message}"),
        ToolError::NetSuite(NetSuiteError::Api(api)) => {
            let mut lines = vec![format!(
                "NetSuite returned an error: HTTP {}{}",
                api.status,
                api.title
                    .as_deref()
                    .map(|t| format!(" {t}"))
                    .unwrap_or_default()
            )];
            if let Some(code) = api.code() {
                lines.push(format!("code: {code}"));
            }
            for d in &api.details {
                if !d.detail.is_empty() {
                    lines.push(format!("detail: {}", clip(&d.detail, MAX_DETAIL_CHARS)));
                }
                if let Some(p) = &d.path {
                    lines.push(format!("path: {p}"));
                }
                if let Some(q) = &d.query_param {
                    lines.push(format!("parameter: {q}"));
                }
                if let Some(h) = &d.header {
                    lines.push(format!("header: {h}"));
                }
            }
            if api.attempts > 1 {
                lines.push(format!("attempts: {}", api.attempts));
            }
            lines.push(format!("hint: {}", tool_hint(api)));
            lines.join("\n")
        }
        ToolError::NetSuite(
            NetSuiteError::Auth(AuthError::Shared(e)) | NetSuiteError::Shared(e),
        ) => {
            // seal.rs says "does not open" when the key differs: Redis is fine, an instance is not.
            let hint = if e.contains("does not open") {
                KEY_MISMATCH_HINT
            } else {
                SHARED_STATE_HINT
            };
            format!("{e}\nhint: {hint}")
        }
        ToolError::NetSuite(NetSuiteError::Auth(e)) if e.needs_login() => format!(
            "Could not authenticate to NetSuite: {e}\nhint: the NetSuite sign-in this server uses has ended; \
             the person runs `netsuite-mcp login` on the machine running this server, then the call can be \
             made again. Nothing was sent to NetSuite."
        ),
        ToolError::NetSuite(NetSuiteError::Auth(e)) if auth_is_transient(e) => format!(
            "Could not authenticate to NetSuite: {e}\nhint: NetSuite's token endpoint is unreachable or \
             temporarily failing; nothing was sent to NetSuite. Try again shortly."
        ),
        ToolError::NetSuite(NetSuiteError::Auth(e)) => format!(
            "Could not authenticate to NetSuite: {e}\nhint: the server's NetSuite credentials need fixing; \
             `netsuite-mcp doctor` checks them. Retrying will not help."
        ),
        ToolError::NetSuite(e @ NetSuiteError::Transport { .. }) => {
            format!("{e}\nhint: NetSuite could not be reached; try again shortly.")
        }
        ToolError::NetSuite(e @ NetSuiteError::BadResponse { .. }) => e.to_string(),
    }
}

/// What to do when a value in the shared state was sealed with another key.
const KEY_MISMATCH_HINT: &str = "this is the server's shared state, not NetSuite; whoever runs the server gives \
every instance the same NETSUITE_MCP_STATE_KEY (one instance has another). Retrying will not help until then.";

/// What to do when the state the instances share (Redis) fails.
const SHARED_STATE_HINT: &str = "this is the server's shared state, not NetSuite; whoever runs the server fixes \
Redis (or sets NETSUITE_MCP_REDIS_FALLBACK_INSTANCES to keep serving without it). Try again shortly.";

/// NetSuite's hint plus what a model can do about it with this server's tools and settings.
fn tool_hint(api: &ApiError) -> String {
    let advice = match api.class() {
        ErrorClass::ConcurrencyLimit => {
            return format!(
                "{}; other integrations share the limit, {} caps this server's share",
                api.hint(),
                Key::MaxConcurrency.env()
            );
        }
        ErrorClass::NotFound => {
            "list_records or run_suiteql find ids, list_record_types names the record types, \
             list_saved_searches and list_datasets name the saved searches and datasets"
        }
        ErrorClass::ScriptletMissing => {
            return format!(
                "{}; for saved searches, {} must name the deployment of netsuite_mcp_search.js from suitescript/ \
                 (docs/analytics.md), released to this role",
                api.hint(),
                Key::SearchRestlet.env()
            );
        }
        ErrorClass::InvalidParameter
            if api
                .details
                .iter()
                .any(|d| matches!(d.query_param.as_deref(), Some("limit" | "offset"))) =>
        {
            return api.hint().to_owned();
        }
        ErrorClass::InvalidParameter | ErrorClass::InvalidContent => {
            "describe_record_type shows a record type's fields and their types"
        }
        _ => return api.hint().to_owned(),
    };
    format!("{}; {advice}", api.hint())
}

/// Longest argument error message: a huge argument is not echoed back whole into the model's context.
const MAX_ECHO_CHARS: usize = 500;

/// Longest NetSuite error detail passed on (NetSuite may quote a whole query back).
const MAX_DETAIL_CHARS: usize = 2000;

/// `text` cut to `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push_str("… (cut)");
    out
}

/// Added to a failed write whose fate NetSuite did not tell.
pub const UNKNOWN_WRITE_WARNING: &str = "warning: this call changes data, and NetSuite did not say whether it was \
applied (it was sent once and not retried). Check first (get_record, list_records or run_suiteql) before calling it again.";

/// Whether NetSuite may have run a request that failed: a server error, a broken or timed-out exchange, or a
/// success answer that could not be read. Refusals (4xx) and failures before sending (auth) mean it did not.
pub(super) fn outcome_unknown(err: &ToolError) -> bool {
    match err {
        ToolError::NetSuite(NetSuiteError::Api(api)) => api.status >= 500,
        ToolError::NetSuite(
            NetSuiteError::Transport { .. } | NetSuiteError::BadResponse { .. },
        ) => true,
        _ => false,
    }
}

/// A token request that failed for a reason that may pass: the endpoint was unreachable, timed out, was
/// overloaded or failed with a server error. Refusals (4xx) mean the configuration is wrong.
fn auth_is_transient(e: &AuthError) -> bool {
    match e {
        AuthError::Transport { .. } | AuthError::Shared(_) => true,
        AuthError::Refused { status, .. } | AuthError::BadResponse { status, .. } => {
            *status == 429 || *status >= 500
        }
        AuthError::Key(_)
        | AuthError::NotSignedIn { .. }
        | AuthError::LoginMismatch { .. }
        | AuthError::NoIdentity
        | AuthError::Store(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netsuite_errors_carry_status_code_detail_parameter_and_hint() {
        let body = br#"{"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Unknown identifier 'foo'.","o:errorQueryParam":"q","o:errorCode":"INVALID_PARAMETER"}]}"#;
        let text = describe_error(&ToolError::NetSuite(NetSuiteError::Api(
            ApiError::from_body(400, body),
        )));
        for part in [
            "HTTP 400",
            "code: INVALID_PARAMETER",
            "detail: Unknown identifier 'foo'.",
            "parameter: q",
            "describe_record_type",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        let r = error_result(&ToolError::argument("limit", "too big"));
        assert_eq!(r.is_error, Some(true));
        assert!(r.structured_content.is_none());
    }

    #[test]
    fn netsuite_hints_name_no_tool_and_the_server_adds_tool_advice() {
        let names = crate::catalog::builtin_tool_names();
        for (status, code) in [
            (429, "CONCURRENCY_LIMIT_EXCEEDED"),
            (401, "INVALID_LOGIN"),
            (403, "INSUFFICIENT_PERMISSION"),
            (400, "USER_ERROR"),
            (404, "NONEXISTENT_ID"),
            (400, "INVALID_PARAMETER"),
            (400, "INVALID_CONTENT"),
            (400, "SSS_INVALID_SCRIPTLET_ID"),
            (500, "UNEXPECTED_ERROR"),
            (400, "SOMETHING_ELSE"),
        ] {
            let body = format!(r#"{{"o:errorDetails":[{{"detail":"x","o:errorCode":"{code}"}}]}}"#);
            let api = ApiError::from_body(status, body.as_bytes());
            assert!(
                names.iter().all(|n| !api.hint().contains(n)),
                "{code}: {}",
                api.hint()
            );
            assert!(tool_hint(&api).starts_with(api.hint()), "{code}");
        }
        let not_found = ApiError::from_body(404, b"{}");
        assert!(tool_hint(&not_found).contains("list_records"));
    }
}
