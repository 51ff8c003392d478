//! Saved searches and SuiteAnalytics datasets (netsuite-api.md §11.1–11.2).
//!
//! Saved searches come two ways: NetSuite's REST saved-search endpoints where the account has them, else our
//! SuiteScript 2.1 RESTlet (`suitescript/src/FileCabinet/SuiteScripts/netsuite-mcp/netsuite_mcp_search.js`), whose
//! request/response contract is ours and documented in docs/analytics.md. Which one serves is probed once per
//! process ([`NetSuiteClient::saved_search_route`]). Datasets have one route, REST.

use std::sync::atomic::Ordering;

use reqwest::Method;
use serde_json::Value;

use super::suiteql::{RawPage, fetch_window, shape_rows};
use super::{ApiError, ApiRequest, NetSuiteClient, NetSuiteError, SuiteQlWindow};

// ⚠ Unconfirmed paths (netsuite-api.md §11.1–11.2: one third-party client, not Oracle's page). This is the one
// place they are written; change them here when a live account says otherwise.
/// ⚠ List of saved searches; `…/{id}/result` runs one.
pub const SAVED_SEARCH_PATH: &str = "/services/rest/query/v1/savedsearch";
/// ⚠ List of datasets; `…/{id}/result` runs one (the `result` path itself is documented by Oracle).
pub const DATASET_PATH: &str = "/services/rest/query/v1/dataset";
/// Last segment of the run paths.
const RESULT_SEGMENT: &str = "result";

/// Smallest page `N/search`'s `runPaged` accepts; the RESTlet route never asks for fewer rows.
pub const RESTLET_MIN_PAGE: u32 = 5;
/// Most saved searches or datasets read for one listing (they are filtered here, not by NetSuite).
pub const MAX_LISTED: usize = 10_000;

/// Which way a saved search was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchRoute {
    /// NetSuite's REST saved-search endpoints.
    Rest,
    /// Our RESTlet (`NETSUITE_MCP_SEARCH_RESTLET`).
    Restlet,
}

impl SearchRoute {
    /// `rest` or `restlet`.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchRoute::Rest => "rest",
            SearchRoute::Restlet => "restlet",
        }
    }
}

/// The deployment of our saved-search RESTlet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRestlet {
    pub script: String,
    pub deploy: String,
}

impl SearchRestlet {
    /// Parses `<script>,<deploy>`, each a script id or a number.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (script, deploy) = raw
            .split_once(',')
            .map(|(s, d)| (s.trim(), d.trim()))
            .ok_or_else(|| {
                format!(
                    "{raw:?} is not <script>,<deploy>; e.g. customscript_netsuite_mcp_search,customdeploy_netsuite_mcp_search"
                )
            })?;
        for part in [script, deploy] {
            if !super::restlet::is_script_id(part) {
                return Err(format!(
                    "{part:?} is not a script or deployment id (letters, digits and _)"
                ));
            }
        }
        Ok(Self {
            script: script.to_owned(),
            deploy: deploy.to_owned(),
        })
    }
}

/// One saved search of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearchInfo {
    pub id: String,
    pub script_id: Option<String>,
    pub title: String,
    pub record_type: Option<String>,
}

/// One dataset of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInfo {
    pub id: String,
    pub name: String,
}

/// A window of a listing, after filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Entries matching the filter in all.
    pub total: usize,
    pub has_more: bool,
}

const ROUTE_UNKNOWN: u8 = 0;
const ROUTE_REST: u8 = 1;
const ROUTE_RESTLET: u8 = 2;

impl NetSuiteClient {
    /// Which route serves saved searches here: probed with one `GET` of the REST list the first time, then
    /// remembered for the life of the process (all clones share it). 400 or 404 on the list path means the
    /// account does not have the endpoints (netsuite-api.md §11.1); other failures are returned and not
    /// remembered.
    pub async fn saved_search_route(&self) -> Result<SearchRoute, NetSuiteError> {
        match self.search_route.load(Ordering::SeqCst) {
            ROUTE_REST => return Ok(SearchRoute::Rest),
            ROUTE_RESTLET => return Ok(SearchRoute::Restlet),
            _ => {}
        }
        let request = ApiRequest::get(self.endpoints().rest_url(SAVED_SEARCH_PATH, &[]))
            .query("limit", "1")
            .query("offset", "0");
        let route = match self.send(request).await {
            Ok(_) => SearchRoute::Rest,
            Err(NetSuiteError::Api(e)) if matches!(e.status, 400 | 404) => SearchRoute::Restlet,
            Err(e) => return Err(e),
        };
        let code = match route {
            SearchRoute::Rest => ROUTE_REST,
            SearchRoute::Restlet => ROUTE_RESTLET,
        };
        // Concurrent first calls may both probe; they agree, so the last store is as good as the first.
        self.search_route.store(code, Ordering::SeqCst);
        Ok(route)
    }

    /// Forgets the probed route (tests; a changed account).
    pub fn forget_saved_search_route(&self) {
        self.search_route.store(ROUTE_UNKNOWN, Ordering::SeqCst);
    }

    /// The configured saved-search RESTlet, if any.
    pub fn search_restlet(&self) -> Option<&SearchRestlet> {
        self.options.search_restlet.as_ref()
    }

    /// Saved searches whose title or script id contains `filter` (case-insensitive), window
    /// `[offset, offset + limit)`. `restlet` is `Some` for the RESTlet route.
    pub async fn list_saved_searches(
        &self,
        restlet: Option<&SearchRestlet>,
        filter: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Listing<SavedSearchInfo>, NetSuiteError> {
        let mut all = Vec::new();
        let mut page = 0u32;
        loop {
            let body = match restlet {
                None => {
                    let request =
                        ApiRequest::get(self.endpoints().rest_url(SAVED_SEARCH_PATH, &[]))
                            .query("limit", "1000")
                            .query("offset", (page * 1000).to_string());
                    self.send(request).await?.json::<Value>()?
                }
                Some(r) => {
                    self.search_restlet_call(
                        r,
                        &[
                            ("action", "list".into()),
                            ("pageSize", "1000".into()),
                            ("page", page.to_string()),
                        ],
                    )
                    .await?
                }
            };
            let key = if restlet.is_some() {
                "searches"
            } else {
                "items"
            };
            let items = body
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let count = items.len();
            all.extend(items.iter().map(saved_search_info));
            let more = body
                .get("hasMore")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            page += 1;
            if !more || count == 0 || all.len() >= MAX_LISTED {
                break;
            }
        }
        Ok(window_of(all, filter, offset, limit, |s| {
            format!("{} {}", s.title, s.script_id.as_deref().unwrap_or(""))
        }))
    }

    /// Rows `[offset, offset + limit)` of a saved search (`limit` 1..=1000), by either route. Columns are the
    /// search's labels; empty values are `null`.
    pub async fn run_saved_search(
        &self,
        restlet: Option<&SearchRestlet>,
        search_id: &str,
        offset: u32,
        limit: u32,
    ) -> Result<SuiteQlWindow, NetSuiteError> {
        let Some(restlet) = restlet else {
            let url = self
                .endpoints()
                .rest_url(SAVED_SEARCH_PATH, &[search_id, RESULT_SEGMENT]);
            return self.rest_result(&url, offset, limit).await;
        };
        // runPaged takes 5..=1000 rows a page: ask for at least 5 and keep `limit`.
        let asked = limit.clamp(RESTLET_MIN_PAGE, super::paging::MAX_PAGE);
        let columns = std::sync::Mutex::new(Vec::<String>::new());
        let (items, total_results, has_more) = fetch_window(offset, asked, |size, page_offset| {
            let columns = &columns;
            async move {
                let body = self
                    .search_restlet_call(
                        restlet,
                        &[
                            ("action", "run".into()),
                            ("searchId", search_id.to_owned()),
                            ("pageSize", size.to_string()),
                            ("page", (page_offset / size.max(1)).to_string()),
                        ],
                    )
                    .await?;
                if let Some(labels) = body.get("columns").and_then(Value::as_array) {
                    let labels = labels.iter().map(column_label).collect();
                    if let Ok(mut c) = columns.lock() {
                        *c = labels;
                    }
                }
                let mut page = body;
                if let Some(rows) = page.get_mut("rows").map(Value::take) {
                    page["items"] = rows;
                }
                RawPage::parse(page)
            }
        })
        .await?;
        let kept = items.len().min(limit as usize);
        let has_more = has_more || items.len() > kept;
        let rows: Vec<Vec<Value>> = items
            .into_iter()
            .take(kept)
            .map(|row| match row {
                Value::Array(cells) => cells.into_iter().map(empty_to_null).collect(),
                other => vec![empty_to_null(other)],
            })
            .collect();
        let columns = columns.into_inner().unwrap_or_default();
        Ok(SuiteQlWindow {
            columns,
            rows,
            total_results,
            has_more,
        })
    }

    /// Datasets whose name or id contains `filter` (case-insensitive), window `[offset, offset + limit)`.
    pub async fn list_datasets(
        &self,
        filter: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Listing<DatasetInfo>, NetSuiteError> {
        let mut all = Vec::new();
        let mut page = 0u32;
        loop {
            let request = ApiRequest::get(self.endpoints().rest_url(DATASET_PATH, &[]))
                .query("limit", "1000")
                .query("offset", (page * 1000).to_string());
            let raw = RawPage::parse(self.send(request).await?.json::<Value>()?)?;
            let count = raw.items.len();
            all.extend(raw.items.iter().map(|d| DatasetInfo {
                id: text(d, "id").unwrap_or_default(),
                name: text(d, "name").unwrap_or_default(),
            }));
            page += 1;
            if !raw.has_more || count == 0 || all.len() >= MAX_LISTED {
                break;
            }
        }
        Ok(window_of(all, filter, offset, limit, |d| {
            format!("{} {}", d.name, d.id)
        }))
    }

    /// Rows `[offset, offset + limit)` of a dataset.
    pub async fn run_dataset(
        &self,
        dataset_id: &str,
        offset: u32,
        limit: u32,
    ) -> Result<SuiteQlWindow, NetSuiteError> {
        let url = self
            .endpoints()
            .rest_url(DATASET_PATH, &[dataset_id, RESULT_SEGMENT]);
        self.rest_result(&url, offset, limit).await
    }

    /// A REST `…/result` collection at any offset, shaped like SuiteQL (empty strings become `null`).
    async fn rest_result(
        &self,
        url: &str,
        offset: u32,
        limit: u32,
    ) -> Result<SuiteQlWindow, NetSuiteError> {
        let (items, total_results, has_more) =
            fetch_window(offset, limit, |size, page_offset| async move {
                let request = ApiRequest::get(url.to_owned())
                    .query("limit", size.to_string())
                    .query("offset", page_offset.to_string());
                RawPage::parse(self.send(request).await?.json()?)
            })
            .await?;
        let (columns, rows) = shape_rows(items);
        let rows = rows
            .into_iter()
            .map(|r| r.into_iter().map(empty_to_null).collect())
            .collect();
        Ok(SuiteQlWindow {
            columns,
            rows,
            total_results,
            has_more,
        })
    }

    /// One GET of the saved-search RESTlet. The script reports failures as `{"error": {"code", "message"}}`
    /// with status 200 (a caught error), NetSuite as the same body with 400 (an uncaught one): both become
    /// [`NetSuiteError::Api`] with NetSuite's code.
    async fn search_restlet_call(
        &self,
        restlet: &SearchRestlet,
        params: &[(&str, String)],
    ) -> Result<Value, NetSuiteError> {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let response = self
            .call_restlet(&restlet.script, &restlet.deploy, Method::GET, &params, None)
            .await?;
        if response
            .body
            .get("error")
            .and_then(|e| e.get("code"))
            .is_some()
        {
            let raw = response.body.to_string();
            // A caught error arrives with 200; it is reported with the 400 NetSuite gives the same error uncaught,
            // so that it reads as the refusal it is ("HTTP 200" would puzzle) and is classed by its code.
            let status = if response.status < 300 {
                400
            } else {
                response.status
            };
            return Err(NetSuiteError::Api(ApiError::from_body(
                status,
                raw.as_bytes(),
            )));
        }
        if !response.body.is_object() {
            return Err(NetSuiteError::BadResponse {
                status: response.status,
                reason: "the saved-search RESTlet did not answer with a JSON object; is the deployment our \
                         script (netsuite_mcp_search.js from suitescript/)?"
                    .into(),
            });
        }
        Ok(response.body)
    }
}

/// Saved searches print empty cells as `""`; results say `null` like SuiteQL's omitted columns.
fn empty_to_null(v: Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        other => other,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A saved search entry of either route (REST: ⚠ `id`, `scriptId`, `title`, `recordType`, assumed; ours the same).
fn saved_search_info(v: &Value) -> SavedSearchInfo {
    SavedSearchInfo {
        id: text(v, "id").unwrap_or_default(),
        script_id: text(v, "scriptId").filter(|s| !s.is_empty()),
        title: text(v, "title").unwrap_or_default(),
        record_type: text(v, "recordType").filter(|s| !s.is_empty()),
    }
}

/// A RESTlet column: its label, or failing that its name.
fn column_label(c: &Value) -> String {
    match c {
        Value::String(s) => s.clone(),
        other => text(other, "label")
            .filter(|l| !l.is_empty())
            .or_else(|| text(other, "name"))
            .unwrap_or_default(),
    }
}

fn window_of<T>(
    all: Vec<T>,
    filter: Option<&str>,
    offset: usize,
    limit: usize,
    haystack: impl Fn(&T) -> String,
) -> Listing<T> {
    let needle = filter
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_lowercase);
    let matching: Vec<T> = all
        .into_iter()
        .filter(|item| {
            needle
                .as_ref()
                .is_none_or(|n| haystack(item).to_lowercase().contains(n))
        })
        .collect();
    let total = matching.len();
    let items: Vec<T> = matching.into_iter().skip(offset).take(limit).collect();
    let has_more = offset + items.len() < total;
    Listing {
        items,
        total,
        has_more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_restlet_setting_is_script_then_deploy() {
        let r = SearchRestlet::parse(" customscript_a , customdeploy_b ").unwrap();
        assert_eq!(
            (r.script.as_str(), r.deploy.as_str()),
            ("customscript_a", "customdeploy_b")
        );
        assert!(SearchRestlet::parse("customscript_a").is_err());
        assert!(SearchRestlet::parse("a&b=1,c").is_err());
    }

    #[test]
    fn listings_filter_case_insensitively_then_page() {
        let all: Vec<String> = ["Open Invoices", "Sales by Month", "open orders"]
            .map(String::from)
            .to_vec();
        let l = window_of(all.clone(), Some("OPEN"), 0, 1, Clone::clone);
        assert_eq!(
            (l.items, l.total, l.has_more),
            (vec!["Open Invoices".to_owned()], 2, true)
        );
        let l = window_of(all, None, 2, 10, Clone::clone);
        assert_eq!((l.items.len(), l.total, l.has_more), (1, 3, false));
    }

    #[test]
    fn columns_fall_back_to_names_and_empty_cells_are_null() {
        assert_eq!(
            column_label(&json!({"label": "", "name": "tranid"})),
            "tranid"
        );
        assert_eq!(
            column_label(&json!({"label": "Number", "name": "tranid"})),
            "Number"
        );
        assert_eq!(empty_to_null(json!("")), Value::Null);
        assert_eq!(empty_to_null(json!("0")), json!("0"));
    }
}
