//! NetSuite's REST error body (netsuite-api.md §7) parsed into a typed error, with a hint for the user.

use serde::Deserialize;

use crate::auth::AuthError;

/// One entry of `o:errorDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub detail: String,
    #[serde(rename = "o:errorCode", default)]
    pub code: Option<String>,
    #[serde(
        rename = "o:errorPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub path: Option<String>,
    #[serde(
        rename = "o:errorQueryParam",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub query_param: Option<String>,
    #[serde(
        rename = "o:errorHeader",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub header: Option<String>,
    #[serde(
        rename = "o:errorUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<String>,
}

#[derive(Deserialize)]
struct RestErrorBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(rename = "o:errorDetails", default)]
    details: Vec<ErrorDetail>,
    #[serde(rename = "o:errorCode", default)]
    top_code: Option<String>,
}

/// RESTlet error body: `{"error":{"code":…,"message":…}}` (netsuite-api.md §6).
#[derive(Deserialize)]
struct RestletErrorBody {
    error: RestletError,
}

#[derive(Deserialize)]
struct RestletError {
    code: String,
    #[serde(default)]
    message: String,
}

/// An error NetSuite returned for an API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub title: Option<String>,
    pub details: Vec<ErrorDetail>,
    /// A top-level `o:errorCode` (NetSuite adds `USER_ERROR` to 429s).
    pub top_code: Option<String>,
    /// How many times the request was sent before giving up.
    pub attempts: u32,
    /// Whether the request was signed with TBA (a 401 then has other causes than a refused bearer token).
    pub tba: bool,
}

impl ApiError {
    /// Parses a REST or RESTlet error body. An unreadable body still yields an error with the status.
    pub fn from_body(status: u16, body: &[u8]) -> Self {
        let mut err = ApiError {
            status,
            title: None,
            details: Vec::new(),
            top_code: None,
            attempts: 1,
            tba: false,
        };
        // The RESTlet shape first: every field of the REST shape is optional, so it would match anything.
        if let Ok(b) = serde_json::from_slice::<RestletErrorBody>(body) {
            err.details.push(ErrorDetail {
                detail: b.error.message,
                code: Some(b.error.code),
                path: None,
                query_param: None,
                header: None,
                url: None,
            });
        } else if let Ok(b) = serde_json::from_slice::<RestErrorBody>(body) {
            err.title = b.title;
            err.details = b.details;
            err.top_code = b.top_code;
        }
        err
    }

    /// The first NetSuite error code, e.g. `INVALID_PARAMETER`.
    pub fn code(&self) -> Option<&str> {
        self.details
            .iter()
            .find_map(|d| d.code.as_deref())
            .or(self.top_code.as_deref())
    }

    /// What kind of failure this is, for whoever explains it (the CLI, or the MCP server with tool advice).
    pub fn class(&self) -> ErrorClass {
        match (self.status, self.code()) {
            (_, Some("CONCURRENCY_LIMIT_EXCEEDED" | "SSS_REQUEST_LIMIT_EXCEEDED")) | (429, _) => {
                ErrorClass::ConcurrencyLimit
            }
            (401, _) | (_, Some("INVALID_LOGIN" | "INVALID_LOGIN_ATTEMPT")) if self.tba => {
                ErrorClass::TbaLoginRefused
            }
            (401, _) | (_, Some("INVALID_LOGIN" | "INVALID_LOGIN_ATTEMPT")) => {
                ErrorClass::Unauthorized
            }
            (403, _) | (_, Some("INSUFFICIENT_PERMISSION")) => ErrorClass::Forbidden,
            (_, Some("USER_ERROR")) => ErrorClass::UserError,
            (_, Some("NONEXISTENT_ID" | "INVALID_SEARCH")) | (404, _) => ErrorClass::NotFound,
            (_, Some("INVALID_PARAMETER")) => ErrorClass::InvalidParameter,
            (_, Some("INVALID_CONTENT")) => ErrorClass::InvalidContent,
            (_, Some("SSS_INVALID_SCRIPTLET_ID")) => ErrorClass::ScriptletMissing,
            (500..=599, _) => ErrorClass::ServerError,
            _ => ErrorClass::Other,
        }
    }

    /// What the user should do about it, in NetSuite's terms (no tool or setting names: callers add their own).
    /// A rejected parameter gets advice for the parameter NetSuite names.
    pub fn hint(&self) -> &'static str {
        let class = self.class();
        if class != ErrorClass::InvalidParameter {
            return class.hint();
        }
        let param = self.details.iter().find_map(|d| d.query_param.as_deref());
        match param {
            // SuiteQL and the record list's filter both travel as `q`.
            Some("q") => class.hint(),
            Some("fields") => {
                "a field id was rejected: use the record type's field ids from its metadata"
            }
            Some("replace") => {
                "a sublist id was rejected: name sublists of this record type (see its metadata)"
            }
            Some("limit" | "offset") => {
                "a paging value was rejected: pages hold 1 to 1000 rows, offsets are multiples of the page size, \
                 and a query or list reaches at most 100000 rows"
            }
            _ => "a parameter was rejected; read the detail",
        }
    }
}

/// The usual causes of a refused TBA signature (NetSuite tells them apart only in its Login Audit Trail).
pub const TBA_LOGIN_HINT: &str = "NetSuite refused the TBA signature (INVALID_LOGIN). The usual causes: the realm \
    (the account id, including a sandbox suffix such as _SB1) is not this account's; this machine's clock is off \
    (the timestamp must be within minutes of NetSuite's); the access token was revoked or has expired; the token's \
    role lacks \"Log in using Access Tokens\" or \"REST Web Services\"; the consumer key and secret belong to \
    another integration record than the token. See Setup > Users/Roles > User Management > View Login Audit Trail";

/// The kinds of NetSuite API failure that call for different advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The account's concurrency limit, still exceeded after retries.
    ConcurrencyLimit,
    /// The access token was refused.
    Unauthorized,
    /// A TBA signature was refused (`INVALID_LOGIN`).
    TbaLoginRefused,
    /// The role lacks a permission.
    Forbidden,
    /// A user or business-rule error.
    UserError,
    /// No such record or record type.
    NotFound,
    /// A parameter (often SuiteQL) was rejected.
    InvalidParameter,
    /// A field name or value in the body was rejected.
    InvalidContent,
    /// No such RESTlet deployment for this role.
    ScriptletMissing,
    /// NetSuite failed internally.
    ServerError,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// Advice in NetSuite's terms.
    pub fn hint(self) -> &'static str {
        match self {
            ErrorClass::ConcurrencyLimit => {
                "NetSuite's account-wide concurrency limit was still exceeded after retries: try again shortly, \
                 lower this client's concurrency, or ask the administrator to allocate more concurrency to this integration"
            }
            ErrorClass::Unauthorized => {
                "NetSuite refused the access token even after a fresh one was fetched: check that the role of the \
                 certificate mapping has \"Log in using OAuth 2.0 Access Tokens\" and \"REST Web Services\", and see \
                 Setup > Users/Roles > User Management > View Login Audit Trail"
            }
            ErrorClass::TbaLoginRefused => TBA_LOGIN_HINT,
            ErrorClass::Forbidden => {
                "the role of the certificate mapping lacks a permission for this record or action: add it to the role in NetSuite"
            }
            ErrorClass::UserError => {
                "NetSuite rejected the request as a user or business-rule error (often a missing role permission); read the detail"
            }
            ErrorClass::NotFound => {
                "no record with that id (or no such record type): check the id and the record type"
            }
            ErrorClass::InvalidParameter => {
                "a query or filter was rejected; for SuiteQL check table and column names and use FETCH FIRST n ROWS \
                 ONLY rather than LIMIT; a record list filter is `field OPERATOR value`"
            }
            ErrorClass::InvalidContent => {
                "a field name or value in the request body was rejected; check field names and types in the record's metadata"
            }
            ErrorClass::ScriptletMissing => {
                "no RESTlet deployment with that script and deploy id, or it is not released to this role"
            }
            ErrorClass::ServerError => "NetSuite had an internal error; try again later",
            ErrorClass::Other => "read the detail from NetSuite",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NetSuite answered HTTP {}", self.status)?;
        if let Some(code) = self.code() {
            write!(f, " {code}")?;
        }
        for d in &self.details {
            if !d.detail.is_empty() {
                write!(f, ": {}", d.detail)?;
            }
            if let Some(p) = &d.path {
                write!(f, " (at {p})")?;
            }
            if let Some(q) = &d.query_param {
                write!(f, " (query parameter {q})")?;
            }
            if let Some(h) = &d.header {
                write!(f, " (header {h})")?;
            }
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        write!(f, ". Hint: {}", self.hint())
    }
}

/// Failure of a NetSuite API call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NetSuiteError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Api(ApiError),
    #[error("request to NetSuite {method} {path} failed: {reason}")]
    Transport {
        method: String,
        path: String,
        reason: String,
    },
    #[error("NetSuite answered HTTP {status} with a body that could not be read: {reason}")]
    BadResponse { status: u16, reason: String },
    /// The state shared by the instances (Redis) failed before anything was sent; the text names the fix.
    #[error("{0}")]
    Shared(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejected_parameter_gets_advice_for_the_parameter_named() {
        let with = |param: &str| {
            let body = format!(
                r#"{{"status":400,"o:errorDetails":[{{"detail":"x","o:errorQueryParam":"{param}","o:errorCode":"INVALID_PARAMETER"}}]}}"#
            );
            ApiError::from_body(400, body.as_bytes()).hint()
        };
        assert!(with("q").contains("FETCH FIRST"));
        assert!(with("fields").contains("field id"));
        assert!(with("replace").contains("sublist"));
        assert!(with("offset").contains("paging"));
        assert!(!with("expandSubResources").contains("SuiteQL"));
        let without = ApiError::from_body(
            400,
            br#"{"status":400,"o:errorDetails":[{"detail":"x","o:errorCode":"INVALID_PARAMETER"}]}"#,
        );
        assert!(without.hint().contains("read the detail"));
    }

    #[test]
    fn rest_error_body_is_parsed_with_all_detail_fields() {
        let body = br#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1","title":"Bad Request","status":400,
            "o:errorDetails":[{"detail":"Invalid search query.","o:errorQueryParam":"q","o:errorCode":"INVALID_PARAMETER"}]}"#;
        let e = ApiError::from_body(400, body);
        assert_eq!(e.code(), Some("INVALID_PARAMETER"));
        assert_eq!(e.details[0].query_param.as_deref(), Some("q"));
        let text = e.to_string();
        assert!(
            text.contains("INVALID_PARAMETER")
                && text.contains("query parameter q")
                && text.contains("FETCH FIRST"),
            "{text}"
        );
    }

    #[test]
    fn the_429_body_is_recognised_by_its_code_not_its_title() {
        let body = br#"{"type":"x","title":"Bad Request","status":429,"o:errorCode":"USER_ERROR",
            "o:errorDetails":[{"detail":"Concurrent request limit exceeded. Request blocked.","o:errorCode":"CONCURRENCY_LIMIT_EXCEEDED"}]}"#;
        let e = ApiError::from_body(429, body);
        assert_eq!(e.code(), Some("CONCURRENCY_LIMIT_EXCEEDED"));
        assert_eq!(e.top_code.as_deref(), Some("USER_ERROR"));
        assert!(e.hint().contains("concurrency"));
    }

    #[test]
    fn restlet_errors_and_garbage_bodies_still_give_an_error() {
        let e = ApiError::from_body(400, br#"{"error":{"code":"SSS_INVALID_SCRIPTLET_ID","message":"That Suitelet is invalid"}}"#);
        assert_eq!(e.code(), Some("SSS_INVALID_SCRIPTLET_ID"));
        let g = ApiError::from_body(502, b"<html>bad gateway</html>");
        assert_eq!(g.code(), None);
        assert!(g.to_string().starts_with("NetSuite answered HTTP 502"));
    }
}
