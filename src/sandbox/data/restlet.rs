//! RESTlets (placeholder until implemented).
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub(super) async fn handler() -> Response {
    StatusCode::NOT_IMPLEMENTED.into_response()
}
