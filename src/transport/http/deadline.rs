//! The body limit and per-request deadline of a POST to `/mcp`, and the errors sent when a request is ended
//! early. Clients get a JSON-RPC error carrying their request's id instead of a dropped connection, so their
//! call fails cleanly rather than hanging or retrying blindly.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::{TaskTracker, task_tracker::TaskTrackerToken};

use super::plain;
use crate::config::Key;
use crate::server::HttpCall;

/// The limits of one POST.
pub(super) struct Limits {
    /// Largest request body accepted (413 beyond).
    pub(super) max_body_bytes: usize,
    /// Deadline from the request's arrival to the end of its response.
    pub(super) request_timeout: Duration,
    /// Stateless mode: no stream on which the server could send the client a request during a call.
    pub(super) stateless: bool,
}

/// Runs a POST through the rest of the stack within `limits`. The request counts as in flight in `requests` until
/// its response is complete; when `abort` is cancelled (shutdown stopped waiting) it is answered with an error.
pub(super) async fn serve_post(
    request: Request,
    next: Next,
    limits: &Limits,
    requests: &TaskTracker,
    abort: &CancellationToken,
) -> Response {
    let max = limits.max_body_bytes;
    if let Some(length) = content_length(request.headers())
        && length > max as u64
    {
        return too_large(max);
    }
    let in_flight = requests.token();
    let limit = limits.request_timeout;
    let deadline = tokio::time::Instant::now() + limit;
    // Read the (bounded) body first: it tells which JSON-RPC request a deadline or a forced shutdown must answer.
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout_at(deadline, axum::body::to_bytes(body, max)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return too_large(max),
        Err(_) => return plain(StatusCode::REQUEST_TIMEOUT, "Request Timeout"),
    };
    let request_id = jsonrpc_request_id(&bytes);
    let mut parts = parts;
    parts.extensions.insert(HttpCall {
        deadline: deadline.into_std(),
        stateless: limits.stateless,
    });
    let request = Request::from_parts(parts, Body::from(bytes));
    let ending = tokio::select! {
        response = next.run(request) => {
            let sse = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            return response.map(|body| {
                Body::new(DeadlineBody {
                    inner: body,
                    deadline: Box::pin(tokio::time::sleep_until(deadline)),
                    abort: Box::pin(abort.clone().cancelled_owned()),
                    limit,
                    request_id: if sse { request_id } else { None },
                    done: false,
                    _in_flight: in_flight,
                })
            });
        }
        () = tokio::time::sleep_until(deadline) => Ending::Deadline(limit),
        () = abort.cancelled() => Ending::Shutdown,
    };
    ending.log();
    match request_id {
        Some(id) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            ending.jsonrpc_error(&id),
        )
            .into_response(),
        None => plain(ending.status(), ending.message()),
    }
}

fn too_large(max: usize) -> Response {
    plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Payload Too Large: the limit is {max} bytes"),
    )
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Why a request was ended before its response was complete.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Deadline(Duration),
    Shutdown,
}

impl Ending {
    fn message(self) -> String {
        match self {
            Ending::Deadline(limit) => format!(
                "the request took longer than {} s ({}) and was abandoned",
                limit.as_secs(),
                Key::HttpRequestTimeout.env()
            ),
            Ending::Shutdown => {
                "the server is shutting down and could not finish the request; retry it".to_owned()
            }
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Ending::Deadline(_) => StatusCode::GATEWAY_TIMEOUT,
            Ending::Shutdown => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn log(self) {
        match self {
            Ending::Deadline(limit) => tracing::warn!(
                timeout_secs = limit.as_secs(),
                "MCP request exceeded its deadline"
            ),
            Ending::Shutdown => tracing::warn!("MCP request cut short by shutdown"),
        }
    }

    /// A JSON-RPC error response for request `id` (-32603, internal error).
    fn jsonrpc_error(self, id: &serde_json::Value) -> String {
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": -32603, "message": self.message()},
        })
        .to_string()
    }
}

/// The id of a single JSON-RPC request (not of a notification or a response).
fn jsonrpc_request_id(body: &[u8]) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    object.get("method")?.as_str()?;
    match object.get("id")? {
        id @ (serde_json::Value::String(_) | serde_json::Value::Number(_)) => Some(id.clone()),
        _ => None,
    }
}

/// A response body that is ended when the request's deadline passes or when shutdown gives up waiting. An SSE
/// stream then gets a last event with a JSON-RPC error for its request (so the client's call fails cleanly
/// instead of trying to resume); anything else is cut with an error. Dropping it marks the request finished.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    abort: Pin<Box<WaitForCancellationFutureOwned>>,
    limit: Duration,
    /// The id of the JSON-RPC request this SSE stream answers.
    request_id: Option<serde_json::Value>,
    done: bool,
    _in_flight: TaskTrackerToken,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        let ending = if this.deadline.as_mut().poll(cx).is_ready() {
            Ending::Deadline(this.limit)
        } else if this.abort.as_mut().poll(cx).is_ready() {
            Ending::Shutdown
        } else {
            return Poll::Pending;
        };
        this.done = true;
        ending.log();
        Poll::Ready(Some(match &this.request_id {
            Some(id) => Ok(Frame::data(Bytes::from(format!(
                "event: message\ndata: {}\n\n",
                ending.jsonrpc_error(id)
            )))),
            None => Err(axum::Error::new(ending.message())),
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        if self.request_id.is_some() {
            // An error event may be appended: the length is not known in advance.
            SizeHint::default()
        } else {
            self.inner.size_hint()
        }
    }
}
