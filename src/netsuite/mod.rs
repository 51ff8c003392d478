//! The NetSuite REST client: requests, errors, and typed calls. Knows nothing about MCP.

pub mod analytics;
pub mod client;
pub mod error;
pub mod export;
pub mod metadata;
pub mod metadata_cache;
pub mod paging;
pub mod records;
pub mod restlet;
pub mod suiteql;

pub use analytics::{DatasetInfo, Listing, SavedSearchInfo, SearchRestlet, SearchRoute};
pub use client::{ApiRequest, ApiResponse, ClientOptions, NetSuiteClient, RetryPolicy};
pub use error::{ApiError, ErrorClass, ErrorDetail, NetSuiteError};
pub use export::{MAX_QUERY_ROWS, PagingSummary, SuiteQlRows};
pub use metadata::FieldInfo;
pub use metadata_cache::{MetadataCache, MetadataCacheOptions};
pub use records::{ListWindow, RecordId, RecordType};
pub use restlet::RestletResponse;
pub use suiteql::SuiteQlWindow;

use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

/// Path of the SuiteQL endpoint.
pub const SUITEQL_PATH: &str = "/services/rest/query/v1/suiteql";
/// Path of the record service.
pub const RECORD_PATH: &str = "/services/rest/record/v1";
/// Path of the metadata catalog.
pub const METADATA_PATH: &str = "/services/rest/record/v1/metadata-catalog";

impl NetSuiteClient {
    /// Runs one page of a SuiteQL query (`limit` 1..=1000, `offset` a multiple of `limit`) and returns
    /// NetSuite's raw page JSON.
    pub async fn suiteql_page(
        &self,
        query: &str,
        limit: u32,
        offset: u32,
    ) -> Result<serde_json::Value, NetSuiteError> {
        let request = ApiRequest::new(Method::POST, self.endpoints().rest_url(SUITEQL_PATH, &[]))
            .query("limit", limit.to_string())
            .query("offset", offset.to_string())
            .header(
                HeaderName::from_static("prefer"),
                HeaderValue::from_static("transient"),
            )
            .json(&serde_json::json!({ "q": query }))
            .read_only();
        self.send(request).await?.json()
    }

    /// The metadata catalog, restricted to `select` (comma-separated record types, no spaces).
    pub async fn metadata_catalog(&self, select: &str) -> Result<serde_json::Value, NetSuiteError> {
        let request =
            ApiRequest::get(self.endpoints().rest_url(METADATA_PATH, &[])).query("select", select);
        self.send(request).await?.json()
    }
}

/// Removes every `links` member, at any depth: NetSuite's HATEOAS links only cost an assistant context.
pub fn strip_links(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "links")
                .map(|(k, v)| (k, strip_links(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_links).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn links_are_dropped_at_every_depth_and_nothing_else_changes() {
        let v = json!({"links": [1], "id": "7", "currency": {"links": [], "id": "1", "refName": "USD"},
                       "items": [{"links": [], "x": "1"}], "amount": "12.50"});
        assert_eq!(
            super::strip_links(v),
            json!({"id": "7", "currency": {"id": "1", "refName": "USD"}, "items": [{"x": "1"}], "amount": "12.50"})
        );
    }
}
