//! Metadata catalog (placeholder until implemented).
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub(super) async fn catalog_handler() -> Response {
    StatusCode::NOT_IMPLEMENTED.into_response()
}

pub(super) async fn describe_handler() -> Response {
    StatusCode::NOT_IMPLEMENTED.into_response()
}
