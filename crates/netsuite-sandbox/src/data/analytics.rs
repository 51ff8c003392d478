//! Saved searches and datasets of the demo account (netsuite-api.md §11.1–11.2), over the demo data.
//!
//! Each demo search and dataset is a SuiteQL query over the store plus the labels of its columns. They are
//! served three ways:
//! - REST saved searches (⚠ paths unconfirmed): `GET /services/rest/query/v1/savedsearch` lists
//!   `items: [{id, scriptId, title, recordType}]`; `GET …/savedsearch/{id or scriptId}/result` pages rows as
//!   objects keyed by column label (guess: the row shape is undocumented), empty values as `""`. With
//!   [`Store::set_rest_saved_searches`]`(false)` both answer 404 like an account without the feature.
//! - Datasets: `GET /services/rest/query/v1/dataset` lists `items: [{id, name}]` (⚠); `GET …/dataset/{id}/result`
//!   pages rows as objects keyed by lower-case column id, null columns omitted like SuiteQL.
//! - The saved-search RESTlet (`customscript_netsuite_mcp_search` / `customdeploy_netsuite_mcp_search`, or
//!   `103` / `1`), with the contract of our script in `suitescript/` ([`restlet_answer`]).
//!
//! `customsearch_payroll_summary` exists but belongs to another role: it is not listed, and running it gives
//! 403 `INSUFFICIENT_PERMISSION` (REST) or `{"error":{"code":"INSUFFICIENT_PERMISSION"}}` (RESTlet).
//! A missing search is 404 `NONEXISTENT_ID` over REST (guess) and `INVALID_SEARCH` from the RESTlet (what
//! `search.load` throws).

use std::sync::atomic::Ordering;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::super::error::NsError;
use super::paging::{Page, envelope};
use super::{AppState, COLLECTION_TYPE, Store, blocking, json_response, query_get, query_pairs};

/// Path of the (⚠) REST saved-search collection.
pub const SAVED_SEARCH_PATH: &str = "/services/rest/query/v1/savedsearch";
/// Path of the dataset collection.
pub const DATASET_PATH: &str = "/services/rest/query/v1/dataset";

/// One demo saved search or dataset.
struct Demo {
    id: &'static str,
    script_id: &'static str,
    title: &'static str,
    record_type: &'static str,
    /// SuiteQL with a stable ORDER BY; select-list aliases are the keys of `columns`.
    query: &'static str,
    /// (alias, label, summary) in select order.
    columns: &'static [(&'static str, &'static str, &'static str)],
    /// Listed and runnable by the sandbox's role.
    permitted: bool,
}

const SEARCHES: &[Demo] = &[
    Demo {
        id: "101",
        script_id: "customsearch_open_invoices",
        title: "Open Invoices",
        record_type: "invoice",
        query: "SELECT BUILTIN.DF(t.entity) AS customer, t.tranid AS tranid, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, \
                TO_CHAR(t.duedate, 'YYYY-MM-DD') AS duedate, t.foreigntotal AS amount, t.memo AS memo \
                FROM transaction t WHERE t.type = 'CustInvc' AND t.status = 'CustInvc:A' \
                ORDER BY BUILTIN.DF(t.entity), t.id",
        columns: &[
            ("customer", "Customer", ""),
            ("tranid", "Document Number", ""),
            ("trandate", "Date", ""),
            ("duedate", "Due Date", ""),
            ("amount", "Amount", ""),
            ("memo", "Memo", ""),
        ],
        permitted: true,
    },
    Demo {
        id: "102",
        script_id: "customsearch_sales_by_month",
        title: "Sales by Month",
        record_type: "transaction",
        query: "SELECT TO_CHAR(t.trandate, 'YYYY-MM') AS month, COUNT(*) AS invoices, SUM(t.foreigntotal) AS amount \
                FROM transaction t WHERE t.type = 'CustInvc' \
                GROUP BY TO_CHAR(t.trandate, 'YYYY-MM') ORDER BY TO_CHAR(t.trandate, 'YYYY-MM')",
        columns: &[
            ("month", "Month", "group"),
            ("invoices", "Number of Invoices", "count"),
            ("amount", "Sum of Amount", "sum"),
        ],
        permitted: true,
    },
    Demo {
        id: "103",
        script_id: "customsearch_payroll_summary",
        title: "Payroll Summary (HR)",
        record_type: "employee",
        query: "SELECT e.entityid AS name FROM employee e ORDER BY e.id",
        columns: &[("name", "Name", "")],
        permitted: false,
    },
];

const DATASETS: &[Demo] = &[
    Demo {
        id: "custdataset_sales_by_customer",
        script_id: "custdataset_sales_by_customer",
        title: "Sales by Customer",
        record_type: "transaction",
        query: "SELECT BUILTIN.DF(t.entity) AS customer, COUNT(*) AS invoices, SUM(t.foreigntotal) AS total \
                FROM transaction t WHERE t.type = 'CustInvc' GROUP BY t.entity ORDER BY BUILTIN.DF(t.entity), t.entity",
        columns: &[],
        permitted: true,
    },
    Demo {
        id: "custdataset_customers",
        script_id: "custdataset_customers",
        title: "Customers",
        record_type: "customer",
        query: "SELECT c.id AS id, c.companyname AS companyname, c.email AS email, c.phone AS phone \
                FROM customer c ORDER BY c.id",
        columns: &[],
        permitted: true,
    },
];

fn find<'a>(list: &'a [Demo], id: &str) -> Option<&'a Demo> {
    list.iter()
        .find(|d| d.id.eq_ignore_ascii_case(id) || d.script_id.eq_ignore_ascii_case(id))
}

/// Rows of a saved search as `[label → value]` pairs in column order; empty values as `""` like NetSuite.
fn labelled(demo: &Demo, row: &Value) -> Vec<(String, Value)> {
    demo.columns
        .iter()
        .map(|(alias, label, _)| {
            let v = row.get(*alias).cloned().unwrap_or(Value::Null);
            let v = if v.is_null() { json!("") } else { v };
            ((*label).to_owned(), v)
        })
        .collect()
}

fn permission_error() -> NsError {
    NsError::new(
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSION",
        "Permission Violation: You need a higher level of the 'Perform Search' permission, or this saved search \
         is not shared with your role.",
    )
}

impl Store {
    /// Turns NetSuite's REST saved-search endpoints on (default) or off (an account without them).
    pub fn set_rest_saved_searches(&self, on: bool) {
        self.rest_saved_searches.store(on, Ordering::SeqCst);
    }

    fn demo_page(&self, demo: &Demo, page: Page) -> Result<(usize, Vec<Value>), NsError> {
        let result = self.suiteql_page(demo.query, &[], page)?;
        Ok((result.total, result.rows))
    }
}

fn not_found(what: &str, id: &str) -> NsError {
    // guess: NetSuite's wording for a missing saved search or dataset over REST.
    NsError::new(
        StatusCode::NOT_FOUND,
        "NONEXISTENT_ID",
        format!("The {what} '{id}' does not exist."),
    )
}

fn rest_off() -> NsError {
    // An account without the feature: third parties saw 400/404 on these paths (netsuite-api.md §11.1).
    NsError::new(
        StatusCode::NOT_FOUND,
        "NONEXISTENT_ID",
        "Record type 'savedsearch' does not exist.",
    )
}

fn collection(
    st: &AppState,
    path: &str,
    raw: Option<&str>,
    items: Vec<Value>,
) -> Result<Value, NsError> {
    let pairs = query_pairs(raw);
    let page = Page::parse(query_get(&pairs, "limit"), query_get(&pairs, "offset"))?;
    let total = items.len();
    let items = items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| page.contains(*i))
        .map(|(_, v)| v)
        .collect();
    Ok(envelope(
        &format!("{}{path}", st.base),
        &[],
        page,
        total,
        items,
    ))
}

fn respond(result: Result<Value, NsError>) -> Response {
    match result {
        Ok(v) => json_response(StatusCode::OK, COLLECTION_TYPE, &v),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn list_searches(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    if !st.store.rest_saved_searches.load(Ordering::SeqCst) {
        return rest_off().into_response();
    }
    let items = SEARCHES
        .iter()
        .filter(|d| d.permitted)
        .map(|d| json!({"id": d.id, "scriptId": d.script_id, "title": d.title, "recordType": d.record_type}))
        .collect();
    respond(collection(&st, SAVED_SEARCH_PATH, raw.as_deref(), items))
}

pub(super) async fn run_search(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !st.store.rest_saved_searches.load(Ordering::SeqCst) {
        return rest_off().into_response();
    }
    let Some(demo) = find(SEARCHES, &id) else {
        return not_found("saved search", &id).into_response();
    };
    if !demo.permitted {
        return permission_error().into_response();
    }
    let pairs = query_pairs(raw.as_deref());
    let page = match Page::parse(query_get(&pairs, "limit"), query_get(&pairs, "offset")) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let store = st.store.clone();
    let result = blocking(move || store.demo_page(demo, page))
        .await
        .map(|(total, rows)| {
            let items = rows
                .iter()
                .map(|r| Value::Object(labelled(demo, r).into_iter().collect::<Map<_, _>>()))
                .collect();
            let url = format!("{}{SAVED_SEARCH_PATH}/{}/result", st.base, demo.id);
            envelope(&url, &[], page, total, items)
        });
    respond(result)
}

pub(super) async fn list_datasets(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let items = DATASETS
        .iter()
        .map(|d| json!({"id": d.id, "name": d.title}))
        .collect();
    respond(collection(&st, DATASET_PATH, raw.as_deref(), items))
}

pub(super) async fn run_dataset(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(demo) = find(DATASETS, &id) else {
        return not_found("dataset", &id).into_response();
    };
    let pairs = query_pairs(raw.as_deref());
    let page = match Page::parse(query_get(&pairs, "limit"), query_get(&pairs, "offset")) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let store = st.store.clone();
    let result = blocking(move || store.demo_page(demo, page))
        .await
        .map(|(total, rows)| {
            let url = format!("{}{DATASET_PATH}/{}/result", st.base, demo.id);
            envelope(&url, &[], page, total, rows)
        });
    respond(result)
}

/// `{error: {code, message}}`, as our script returns a caught error (status 200).
fn script_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

/// Reads the RESTlet's `pageSize` (5..=1000, default 50) and `page` (≥ 0, default 0).
fn paging(pairs: &[(String, String)]) -> Result<(usize, usize), Value> {
    let size = match query_get(pairs, "pageSize").map(|s| s.trim().parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (5..=1000).contains(&n) => n,
        Some(_) => {
            return Err(script_error(
                "INVALID_PARAMETER",
                "pageSize must be an integer from 5 to 1000.",
            ));
        }
    };
    let page = match query_get(pairs, "page").map(|s| s.trim().parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return Err(script_error(
                "INVALID_PARAMETER",
                "page must be a non-negative integer.",
            ));
        }
    };
    Ok((size, page))
}

/// What our saved-search RESTlet answers to a GET with these query parameters (always status 200).
pub(super) fn restlet_answer(store: &Store, pairs: &[(String, String)]) -> Value {
    let (size, page) = match paging(pairs) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let envelope = |total: usize| {
        let page_count = total.div_ceil(size);
        json!({"page": page, "pageSize": size, "pageCount": page_count, "totalResults": total,
               "hasMore": page + 1 < page_count})
    };
    match query_get(pairs, "action") {
        Some("list") => {
            let listed: Vec<&Demo> = SEARCHES.iter().filter(|d| d.permitted).collect();
            let searches: Vec<Value> = listed
                .iter()
                .skip(page * size)
                .take(size)
                .map(|d| json!({"id": d.id, "scriptId": d.script_id, "title": d.title, "recordType": d.record_type}))
                .collect();
            let mut out = envelope(listed.len());
            out["searches"] = Value::Array(searches);
            out
        }
        Some("run") => {
            let id = query_get(pairs, "searchId").unwrap_or("");
            let Some(demo) = find(SEARCHES, id) else {
                return script_error(
                    "INVALID_SEARCH",
                    "That search or mass update does not exist.",
                );
            };
            if !demo.permitted {
                return script_error(
                    "INSUFFICIENT_PERMISSION",
                    "Permission Violation: this saved search is not shared with your role.",
                );
            }
            let columns: Vec<Value> = demo
                .columns
                .iter()
                .map(|(alias, label, summary)| {
                    json!({"label": label, "name": alias, "join": null,
                           "summary": if summary.is_empty() { Value::Null } else { json!(summary) }})
                })
                .collect();
            // Rows past the last page: none (the script checks the page index before fetching).
            let fetched = Page::new(size, page * size)
                .ok()
                .map(|p| store.demo_page(demo, p));
            let (total, rows) = match fetched {
                Some(Ok(r)) => r,
                Some(Err(e)) => return script_error(&e.code, &e.detail),
                None => match store.demo_page(
                    demo,
                    Page {
                        limit: 1000,
                        offset: 0,
                    },
                ) {
                    Ok((total, _)) => (total, Vec::new()),
                    Err(e) => return script_error(&e.code, &e.detail),
                },
            };
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| Value::Array(labelled(demo, r).into_iter().map(|(_, v)| v).collect()))
                .collect();
            let mut out = envelope(total);
            out["searchId"] = json!(demo.id);
            out["title"] = json!(demo.title);
            out["columns"] = Value::Array(columns);
            out["rows"] = Value::Array(rows);
            out
        }
        _ => script_error("INVALID_PARAMETER", "action must be list or run."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_demo_query_runs_and_has_rows() {
        let store = Store::demo().expect("demo");
        for demo in SEARCHES.iter().chain(DATASETS) {
            let (total, rows) = store
                .demo_page(demo, Page::new(1000, 0).expect("page"))
                .unwrap_or_else(|e| panic!("{}: {e}", demo.id));
            assert!(total > 0 && !rows.is_empty(), "{}", demo.id);
            for (alias, _, _) in demo.columns {
                assert!(
                    rows.iter().any(|r| r.get(*alias).is_some()),
                    "{} {alias}",
                    demo.id
                );
            }
        }
    }

    #[test]
    fn the_restlet_pages_with_labels_and_reports_the_end() {
        let store = Store::demo().expect("demo");
        let first = restlet_answer(
            &store,
            &pairs(&[
                ("action", "run"),
                ("searchId", "customsearch_open_invoices"),
                ("pageSize", "5"),
            ]),
        );
        assert_eq!(first["columns"][0]["label"], "Customer");
        assert_eq!(first["rows"].as_array().map(Vec::len), Some(5));
        let total = first["totalResults"].as_u64().expect("total") as usize;
        let last_page = (total - 1) / 5;
        let last = restlet_answer(
            &store,
            &pairs(&[
                ("action", "run"),
                ("searchId", "101"),
                ("pageSize", "5"),
                ("page", &last_page.to_string()),
            ]),
        );
        assert_eq!(last["hasMore"], false);
        let bad = restlet_answer(
            &store,
            &pairs(&[("action", "run"), ("searchId", "101"), ("pageSize", "4")]),
        );
        assert_eq!(bad["error"]["code"], "INVALID_PARAMETER");
        let missing = restlet_answer(
            &store,
            &pairs(&[("action", "run"), ("searchId", "customsearch_nope")]),
        );
        assert_eq!(missing["error"]["code"], "INVALID_SEARCH");
    }
}
