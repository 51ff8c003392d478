//! Fault injection: tests queue failures that the next requests answer with instead of the real handler.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::{NsError, RESTLET_LIMIT_MESSAGE, restlet_error};

/// One injected failure: a status, an optional raw body, an optional `Retry-After`, an optional delay.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    status: StatusCode,
    body: Option<String>,
    content_type: Option<String>,
    retry_after: Option<u64>,
    delay: Duration,
}

impl Fault {
    /// A fault answering `status` with NetSuite's usual body for it. A number that is not an HTTP status
    /// (outside 100–999) becomes 500, so no input can panic.
    pub fn status(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: None,
            content_type: None,
            retry_after: None,
            delay: Duration::ZERO,
        }
    }

    /// Replaces the body with these exact bytes (e.g. truncated or malformed JSON), sent as `application/json`
    /// unless [`Fault::with_content_type`] says otherwise.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets the `Content-Type` of a raw body.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Adds `Retry-After: <secs>` (NetSuite does not document it; clients should honour it when present).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Waits this long before answering.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The HTTP status this fault answers with.
    pub fn status_code(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn delay(&self) -> Duration {
        self.delay
    }

    /// The response, with the default body shaped for where the request went. A 401 carries the same
    /// `WWW-Authenticate` challenge as a real rejection for that endpoint.
    pub(crate) fn into_response_for(self, target: FaultTarget, account_id: &str) -> Response {
        let mut resp = match self.body {
            Some(raw) => {
                let content_type = self
                    .content_type
                    .as_deref()
                    .and_then(|c| HeaderValue::from_str(c).ok())
                    .unwrap_or(HeaderValue::from_static("application/json"));
                let mut r = Response::new(Body::from(raw));
                *r.status_mut() = self.status;
                r.headers_mut().insert(header::CONTENT_TYPE, content_type);
                r
            }
            None => default_body(self.status, target),
        };
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = match target {
                FaultTarget::Token => super::oauth::basic_challenge(account_id),
                FaultTarget::Rest | FaultTarget::Restlet => {
                    super::oauth::bearer_challenge(account_id)
                }
            };
            if let Some(value) = challenge {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// Which kind of endpoint a fault replaces; it picks the default body's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultTarget {
    Token,
    Rest,
    Restlet,
}

fn default_body(status: StatusCode, target: FaultTarget) -> Response {
    match target {
        FaultTarget::Token => {
            // guess: RFC 6749 codes; NetSuite documents no 429/5xx body for the token endpoint.
            let error = match status.as_u16() {
                400 => "invalid_request",
                401 => "invalid_client",
                429 | 503 => "temporarily_unavailable",
                _ => "server_error",
            };
            (status, axum::Json(json!({ "error": error }))).into_response()
        }
        FaultTarget::Rest => {
            let err = match status.as_u16() {
                401 => NsError::invalid_login(),
                429 => NsError::concurrency_limit(),
                500 => NsError::unexpected(&uuid::Uuid::new_v4().to_string()),
                // guess: NetSuite documents no REST 503 body; use its error shape with a plausible code.
                503 => NsError::new(
                    status,
                    "SERVICE_UNAVAILABLE",
                    "The service is temporarily unavailable. Please try again later.",
                ),
                404 => NsError::nonexistent_id(),
                400 => NsError::invalid_request(
                    "The request could not be understood by the server due to malformed syntax.",
                ),
                _ => NsError::new(
                    status,
                    "UNEXPECTED_ERROR",
                    format!(
                        "An unexpected error occurred. Error ID: {}",
                        uuid::Uuid::new_v4()
                    ),
                ),
            };
            // NsError keeps the status it was built with; force the fault's status (e.g. 500 for unknown 5xx).
            let mut resp = err.into_response();
            *resp.status_mut() = status;
            resp
        }
        FaultTarget::Restlet => {
            let (code, message) = match status.as_u16() {
                401 => ("INVALID_LOGIN_ATTEMPT", "Invalid login attempt."),
                400 | 429 => ("SSS_REQUEST_LIMIT_EXCEEDED", RESTLET_LIMIT_MESSAGE),
                404 => (
                    "SSS_INVALID_SCRIPTLET_ID",
                    "That Suitelet is invalid, disabled, or no longer exists.",
                ),
                _ => (
                    "UNEXPECTED_ERROR",
                    "An unexpected SuiteScript error has occurred",
                ),
            };
            restlet_error(status, code, message)
        }
    }
}

/// Queues of pending faults, one for API requests and one for the token endpoint.
#[derive(Debug, Default)]
pub struct Faults {
    api: Mutex<VecDeque<Fault>>,
    token: Mutex<VecDeque<Fault>>,
}

impl Faults {
    /// The next `count` authorized API requests (REST and RESTlet) answer with `fault`, after anything
    /// already queued.
    pub fn api(&self, fault: Fault, count: usize) {
        push(&self.api, fault, count);
    }

    /// The next `count` token requests answer with `fault`, after anything already queued.
    pub fn token(&self, fault: Fault, count: usize) {
        push(&self.token, fault, count);
    }

    /// Drops every queued fault.
    pub fn clear(&self) {
        lock(&self.api).clear();
        lock(&self.token).clear();
    }

    /// API faults not yet consumed.
    pub fn pending_api(&self) -> usize {
        lock(&self.api).len()
    }

    /// Token faults not yet consumed.
    pub fn pending_token(&self) -> usize {
        lock(&self.token).len()
    }

    pub(crate) fn next_api(&self) -> Option<Fault> {
        lock(&self.api).pop_front()
    }

    pub(crate) fn next_token(&self) -> Option<Fault> {
        lock(&self.token).pop_front()
    }
}

fn push(queue: &Mutex<VecDeque<Fault>>, fault: Fault, count: usize) {
    let mut q = lock(queue);
    q.extend(std::iter::repeat_n(fault, count));
}

/// A poisoned queue only means a test panicked while holding it; the queue itself is still consistent.
fn lock(queue: &Mutex<VecDeque<Fault>>) -> std::sync::MutexGuard<'_, VecDeque<Fault>> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}
