//! NetSuite's error bodies as the sandbox emits them: the REST error (netsuite-api.md §7) and the RESTlet error
//! the shell answers with (§6).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// One REST error as NetSuite returns it: an RFC 7807-like body with `o:errorDetails`.
#[derive(Debug, Clone, PartialEq)]
pub struct NsError {
    pub status: StatusCode,
    pub code: String,
    pub detail: String,
    /// `o:errorPath`: JSON path in the request body.
    pub error_path: Option<String>,
    /// `o:errorQueryParam`: the offending query parameter.
    pub query_param: Option<String>,
    /// `o:errorHeader`: the offending header.
    pub header: Option<String>,
}

impl NsError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            detail: detail.into(),
            error_path: None,
            query_param: None,
            header: None,
        }
    }

    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.error_path = Some(path.into());
        self
    }

    pub fn with_query_param(mut self, param: impl Into<String>) -> Self {
        self.query_param = Some(param.into());
        self
    }

    pub fn with_header(mut self, header: impl Into<String>) -> Self {
        self.header = Some(header.into());
        self
    }

    /// 404 `NONEXISTENT_ID`.
    pub fn nonexistent_id() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            "Record does not exist.",
        )
    }

    /// 400 `INVALID_PARAMETER` on a query parameter.
    pub fn invalid_parameter(param: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", detail).with_query_param(param)
    }

    /// 400 `INVALID_CONTENT` at a JSON path of the body.
    pub fn invalid_content(path: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_CONTENT", detail).with_path(path)
    }

    /// 400 `INVALID_REQUEST`.
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", detail)
    }

    /// 401 `INVALID_LOGIN`, worded as NetSuite words it.
    pub fn invalid_login() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_LOGIN",
            "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at \
             Setup > Users/Roles > User Management > View Login Audit Trail.",
        )
    }

    /// 429 `CONCURRENCY_LIMIT_EXCEEDED`, with NetSuite's odd "Bad Request" title and top-level
    /// `o:errorCode: USER_ERROR` (netsuite-api.md §7).
    pub fn concurrency_limit() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "CONCURRENCY_LIMIT_EXCEEDED",
            "Concurrent request limit exceeded. Request blocked.",
        )
    }

    /// 500 `UNEXPECTED_ERROR`.
    pub fn unexpected(error_id: &str) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNEXPECTED_ERROR",
            format!("An unexpected error occurred. Error ID: {error_id}"),
        )
    }

    /// The JSON body NetSuite sends for this error.
    pub fn body(&self) -> Value {
        let mut detail = Map::new();
        detail.insert("detail".into(), Value::String(self.detail.clone()));
        detail.insert("o:errorCode".into(), Value::String(self.code.clone()));
        if let Some(p) = &self.error_path {
            detail.insert("o:errorPath".into(), Value::String(p.clone()));
        }
        if let Some(q) = &self.query_param {
            detail.insert("o:errorQueryParam".into(), Value::String(q.clone()));
        }
        if let Some(h) = &self.header {
            detail.insert("o:errorHeader".into(), Value::String(h.clone()));
        }
        let is_429 = self.status == StatusCode::TOO_MANY_REQUESTS;
        let title = if is_429 {
            "Bad Request"
        } else {
            self.status.canonical_reason().unwrap_or("Error")
        };
        let mut body = json!({
            "type": type_url(self.status),
            "title": title,
            "status": self.status.as_u16(),
            "o:errorDetails": [Value::Object(detail)],
        });
        if is_429 {
            body["o:errorCode"] = Value::String("USER_ERROR".into());
        }
        body
    }
}

fn type_url(status: StatusCode) -> &'static str {
    // Live 2026 responses use RFC 9110 anchors (netsuite-api.md §7); clients must not key on it.
    match status.as_u16() {
        400 => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
        403 => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4",
        404 => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5",
        405 => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6",
        415 => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.16",
        429 => "https://www.rfc-editor.org/rfc/rfc6585.html#section-4",
        503 => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4",
        _ => "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1",
    }
}

impl IntoResponse for NsError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.oracle.resource+json; type=error"),
        );
        resp
    }
}

impl std::fmt::Display for NsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for NsError {}

/// Message of the RESTlet concurrency error. guess: NetSuite documents the code, not its wording.
pub(crate) const RESTLET_LIMIT_MESSAGE: &str =
    "Concurrent request limit exceeded. Request blocked.";

/// A RESTlet error body: `{"error":{"code":…,"message":…}}` (netsuite-api.md §6).
pub(crate) fn restlet_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}
