//! Demo data store and the data endpoints of the sandbox: record service, SuiteQL, metadata catalog, RESTlets.
//!
//! One in-memory SQLite database holds the demo account. The record service writes it and SuiteQL reads it
//! (and the reverse), so a record created over REST is visible to SuiteQL at once.
//!
//! # What differs from a real account
//! Choices made where `netsuite-api.md` is silent or where a real account can't be matched exactly:
//! - Transaction `status` is stored and returned by SuiteQL in the `Type:Letter` form (`CustInvc:A`); real SuiteQL
//!   exposes status codes differently. `BUILTIN.DF(status)` gives `Invoice : Open`.
//! - The account's date format is `M/D/YYYY`: raw date and timestamp columns in SuiteQL come back as `1/31/2024`
//!   (timestamps without their time); `q` date values use the same format. Expressions over dates (e.g.
//!   `MAX(trandate)`) come back as `YYYY-MM-DD`.
//! - Unnamed SuiteQL expressions are named `expr1`, `expr2`, ... in select-list order; with duplicate column
//!   names the first wins.
//! - `ROWNUM <= n` / `< n` / `= 1` joined with `AND` becomes a `LIMIT` applied *after* `ORDER BY` of the same
//!   query level (Oracle filters before sorting); other `ROWNUM` uses become a row number. `TOP n`,
//!   `OFFSET n ROWS`, `FETCH FIRST|NEXT n ROWS ONLY` are supported; `LIMIT` is refused as in Oracle.
//! - Date arithmetic (`SYSDATE - 30`, `date - date`) is recognised for `SYSDATE`, `CURRENT_DATE`, `TO_DATE`,
//!   `ADD_MONTHS`, `LAST_DAY`, `TRUNC(date)` and the known date columns. Comparing a date with a bare string
//!   literal compares text (Oracle would convert it with the session format).
//! - `BUILTIN.DF` on a non-reference field returns the value unchanged; `BUILTIN.CONSOLIDATE` returns its first
//!   argument (one currency view). Division is exact and division by zero gives null (Oracle raises an error).
//! - SuiteQL `LIKE` is case-sensitive (as Oracle); `q` string operators are case-insensitive.
//! - A missing `Prefer: transient` header on SuiteQL gives 400 `INVALID_HEADER` with `o:errorHeader: Prefer`
//!   (invented; the real behaviour is undocumented). A query running over 5 s is stopped with 400.
//! - Bad `limit`/`offset` give 400 `INVALID_PARAMETER` naming the parameter; an offset past the end gives an
//!   empty page; offsets of 100 000 and more are refused.
//! - Unknown record types give 404 `NONEXISTENT_ID` "Record type 'x' does not exist."; an id that is neither
//!   digits nor `eid:...` gives 404 `NONEXISTENT_ID`.
//! - `X-NetSuite-PropertyNameValidation` defaults to `warning` (documented): unknown body fields are ignored
//!   and reported in an `X-NetSuite-Warning` response header (header name invented); send `error` to get 400
//!   `INVALID_CONTENT` with `o:errorPath`. Value errors (wrong JSON type, bad date) are always 400
//!   `INVALID_CONTENT`. Read-only fields in a body are ignored.
//! - Invalid references give 400 `USER_ERROR` "You have entered an Invalid Field Value ..."; missing mandatory
//!   fields give 400 `USER_ERROR` "Please enter value(s) for: ..."; deleting a record that transactions (or
//!   other records) use gives 400 `USER_ERROR`.
//! - `PUT` on an internal id gives 400 `INVALID_REQUEST` (upsert needs `eid:`); an upsert updates with PATCH
//!   semantics and answers 204 with `Location`.
//! - Non-inventory items are the `noninventorysaleitem` record type (NetSuite's REST name; there is no
//!   `noninventoryitem`). `subsidiary` and `currency` are served too so reference links resolve.
//! - RESTlets: unknown script/deployment gives 400 `SSS_INVALID_SCRIPTLET_ID`; an unsupported method on a
//!   script gives 405 `INVALID_REQUEST`; a bad Content-Type gives 415 and GET with a body 400, both with code
//!   `INVALID_REQUEST`; a JSON body that doesn't parse gives 400 `SYNTAX_ERROR`.
//! - Saved searches and datasets: see [`analytics`] (demo searches, the REST switch, the search RESTlet).
//! - The metadata catalog's JSON Schema is served for `/metadata-catalog/{type}` unless `Accept` asks for
//!   `application/swagger+json`.

// The shared error type `NsError` (owned by the sandbox shell) is large; the `Store::demo` contract returns it
// unboxed, so every layer here does the same.
#![allow(clippy::result_large_err)]

mod analytics;
mod filter;
mod metadata;
mod paging;
mod records;
mod restlet;
mod schema;
mod seed;
mod sqlfn;
mod store;
mod suiteql;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::Value;

use super::error::NsError;
pub use paging::{MAX_LIMIT, MAX_RESULTS, Page};
pub use records::{IdRef, NameValidation};
pub use schema::{RECORD_TYPES, RecordType};
pub use store::Store;
use store::internal;
pub use suiteql::{SuiteqlPage, translate as translate_suiteql};

const SUITEQL_PATH: &str = "/services/rest/query/v1/suiteql";
const RECORD_PATH: &str = "/services/rest/record/v1";

/// Shared state of the data routes.
#[derive(Clone)]
struct AppState {
    store: Arc<Store>,
    base: Arc<str>,
}

/// Runs blocking store work off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, NsError> + Send + 'static,
) -> Result<T, NsError> {
    tokio::task::spawn_blocking(f).await.map_err(internal)?
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn json_response(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

const COLLECTION_TYPE: &str = "application/vnd.oracle.resource+json; type=collection";

async fn suiteql_handler(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match suiteql_inner(st, raw, headers, body).await {
        Ok(v) => json_response(StatusCode::OK, COLLECTION_TYPE, &v),
        Err(e) => e.into_response(),
    }
}

async fn suiteql_inner(
    st: AppState,
    raw: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Value, NsError> {
    let transient = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("transient"));
    if !transient {
        // Invented: NetSuite documents the header as required but not the error (netsuite-api.md §4).
        return Err(NsError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_HEADER",
            "The request must include the header 'Prefer: transient'.",
        )
        .with_header("Prefer"));
    }
    let pairs = query_pairs(raw.as_deref());
    let page = Page::parse(query_get(&pairs, "limit"), query_get(&pairs, "offset"))?;
    let parsed: Value = serde_json::from_slice(&body).map_err(|e| {
        NsError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CONTENT",
            format!("The request body is not valid JSON: {e}."),
        )
    })?;
    let q = match parsed.get("q") {
        Some(Value::String(q)) => q.clone(),
        Some(_) => {
            return Err(NsError::invalid_content(
                "q",
                "The value of 'q' must be a string.",
            ));
        }
        None => {
            return Err(NsError::invalid_content(
                "q",
                "The request body must contain the query in 'q'.",
            ));
        }
    };
    let params = match parsed.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return Err(NsError::invalid_content(
                "params",
                "'params' must be an array.",
            ));
        }
    };
    let base = st.base.clone();
    let store = st.store.clone();
    blocking(move || store.suiteql_with_base(&q, &params, page, &base)).await
}

/// Routes for the data endpoints. `public_base_url` is e.g. `http://127.0.0.1:PORT` (no trailing slash); it
/// prefixes `Location` headers and paging links.
pub fn router(store: Arc<Store>, public_base_url: String) -> Router {
    let state = AppState {
        store,
        base: Arc::from(public_base_url.trim_end_matches('/')),
    };
    Router::new()
        .route(SUITEQL_PATH, post(suiteql_handler))
        .route(
            "/services/rest/record/v1/metadata-catalog",
            get(metadata::catalog_handler),
        )
        .route(
            "/services/rest/record/v1/metadata-catalog/{rtype}",
            get(metadata::describe_handler),
        )
        .route(
            "/services/rest/record/v1/{rtype}",
            get(records::list_handler).post(records::create_handler),
        )
        .route(
            "/services/rest/record/v1/{rtype}/{id}",
            get(records::get_handler)
                .patch(records::patch_handler)
                .put(records::put_handler)
                .delete(records::delete_handler),
        )
        .route(
            "/services/rest/record/v1/{rtype}/{id}/{sublist}",
            get(records::sublist_handler),
        )
        .route(analytics::SAVED_SEARCH_PATH, get(analytics::list_searches))
        .route(
            "/services/rest/query/v1/savedsearch/{id}/result",
            get(analytics::run_search),
        )
        .route(analytics::DATASET_PATH, get(analytics::list_datasets))
        .route(
            "/services/rest/query/v1/dataset/{id}/result",
            get(analytics::run_dataset),
        )
        .route("/app/site/hosting/restlet.nl", any(restlet::handler))
        .with_state(state)
}
