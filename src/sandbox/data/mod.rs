//! Demo data store and the data endpoints of the sandbox (record service, SuiteQL, metadata, RESTlets).
//! Placeholder: replaced by the sandbox-data work.

use std::sync::Arc;

use axum::Router;

use super::error::NsError;

/// The sandbox's single data store.
pub struct Store;

impl Store {
    /// Deterministic demo data.
    pub fn demo() -> Result<Self, NsError> {
        Ok(Store)
    }
}

/// Routes for the data endpoints. `public_base_url` is e.g. `http://127.0.0.1:PORT` (no trailing slash).
pub fn router(_store: Arc<Store>, _public_base_url: String) -> Router {
    Router::new()
}
