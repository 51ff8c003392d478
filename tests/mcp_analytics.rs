//! Toolset `analytics` through the real binary against the sandbox: saved searches by NetSuite's REST route
//! and by our RESTlet (and the switch between them), datasets, paging to the end, and the failures a user
//! meets (missing id, no permission, RESTlet not deployed, no route at all).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use netsuite_mcp::auth::Algorithm;
use serde_json::{Value, json};

use mcp_support::{Mcp, spawn};

const RESTLET: &str = "customscript_netsuite_mcp_search,customdeploy_netsuite_mcp_search";
const RESTLET_ENV: (&str, &str) = ("NETSUITE_MCP_SEARCH_RESTLET", RESTLET);

/// Every row of a run tool, paged `limit` at a time from offset 0 by following `next_offset`.
async fn page_to_end(
    mcp: &Mcp,
    tool: &str,
    id_arg: &str,
    id: &str,
    limit: u32,
) -> (Value, Vec<Value>) {
    let mut rows = Vec::new();
    let mut offset = json!(0);
    let mut first = None;
    let mut calls = 0;
    loop {
        let r = mcp
            .ok(tool, json!({id_arg: id, "limit": limit, "offset": offset}))
            .await;
        calls += 1;
        assert!(calls < 200, "paging does not end");
        rows.extend(r["rows"].as_array().unwrap().iter().cloned());
        let next = r["next_offset"].clone();
        if first.is_none() {
            first = Some(r.clone());
        }
        if r["has_more"] == false {
            assert!(next.is_null());
            break;
        }
        assert_eq!(
            next,
            json!(offset.as_u64().unwrap() + r["row_count"].as_u64().unwrap())
        );
        offset = next;
    }
    (first.unwrap(), rows)
}

fn no_empty_strings(rows: &[Value]) -> bool {
    rows.iter()
        .flat_map(|r| r.as_array().unwrap())
        .all(|v| v.as_str() != Some(""))
}

#[tokio::test]
async fn saved_searches_come_from_the_rest_route_when_the_account_has_it() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let list = mcp.ok("list_saved_searches", json!({})).await;
    assert_eq!(list["route"], "rest");
    let titles: Vec<&str> = list["searches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Open Invoices") && titles.contains(&"Sales by Month"),
        "{titles:?}"
    );
    assert!(
        !titles.iter().any(|t| t.contains("Payroll")),
        "a search of another role is not listed"
    );

    let filtered = mcp
        .ok("list_saved_searches", json!({"filter": "INVOICE"}))
        .await;
    assert_eq!(filtered["total_results"], 1);
    assert_eq!(
        filtered["searches"][0]["script_id"],
        "customsearch_open_invoices"
    );
    assert_eq!(filtered["searches"][0]["record_type"], "invoice");

    let one = mcp.ok("list_saved_searches", json!({"limit": 1})).await;
    assert_eq!(
        (one["has_more"].clone(), one["next_offset"].clone()),
        (json!(true), json!(1))
    );
    let rest = mcp
        .ok("list_saved_searches", json!({"limit": 1, "offset": 1}))
        .await;
    assert_ne!(one["searches"][0]["id"], rest["searches"][0]["id"]);

    let (first, rows) = page_to_end(
        &mcp,
        "run_saved_search",
        "search_id",
        "customsearch_open_invoices",
        7,
    )
    .await;
    assert_eq!(first["route"], "rest");
    assert_eq!(
        first["columns"],
        json!([
            "Customer",
            "Document Number",
            "Date",
            "Due Date",
            "Amount",
            "Memo"
        ])
    );
    assert_eq!(rows.len() as u64, first["total_results"].as_u64().unwrap());
    assert!(
        rows.len() > 7,
        "the demo has more open invoices than one page"
    );
    assert!(no_empty_strings(&rows), "empty values are null");
    // The internal id serves the same search.
    let by_id = mcp
        .ok("run_saved_search", json!({"search_id": 101, "limit": 3}))
        .await;
    assert_eq!(by_id["rows"], json!(rows[..3]));
    mcp.close().await;
}

#[tokio::test]
async fn without_the_rest_route_saved_searches_come_from_the_restlet_with_the_same_rows() {
    let account = common::start(Algorithm::ES256).await;
    let rest = spawn(&account, &[], &[]).await;
    let (rest_first, rest_rows) = page_to_end(
        &rest,
        "run_saved_search",
        "search_id",
        "customsearch_sales_by_month",
        1000,
    )
    .await;
    rest.close().await;

    account.sandbox.store().set_rest_saved_searches(false);
    let mcp = spawn(&account, &[], &[RESTLET_ENV]).await;
    let list = mcp
        .ok("list_saved_searches", json!({"filter": "sales"}))
        .await;
    assert_eq!(list["route"], "restlet");
    assert_eq!(list["searches"][0]["title"], "Sales by Month");

    // limit 3 is below runPaged's smallest page (5): still exactly 3 rows a call.
    let (first, rows) = page_to_end(
        &mcp,
        "run_saved_search",
        "search_id",
        "customsearch_sales_by_month",
        3,
    )
    .await;
    assert_eq!(first["route"], "restlet");
    assert_eq!(first["row_count"], 3);
    assert_eq!(
        first["columns"],
        json!(["Month", "Number of Invoices", "Sum of Amount"])
    );
    assert_eq!(first["columns"], rest_first["columns"]);
    assert_eq!(rows, rest_rows, "both routes give the same table");
    mcp.close().await;
}

#[tokio::test]
async fn the_route_is_probed_once_and_remembered_for_the_process() {
    let account = common::start(Algorithm::ES256).await;
    account.sandbox.store().set_rest_saved_searches(false);
    let mcp = spawn(&account, &[], &[RESTLET_ENV]).await;
    let before = mcp
        .ok("run_saved_search", json!({"search_id": "101", "limit": 5}))
        .await;
    assert_eq!(before["route"], "restlet");
    account.sandbox.store().set_rest_saved_searches(true);
    let after = mcp
        .ok("run_saved_search", json!({"search_id": "101", "limit": 5}))
        .await;
    assert_eq!(
        after["route"], "restlet",
        "no second probe in the same process"
    );
    mcp.close().await;
    // A new process probes again and finds the REST route.
    let fresh = spawn(&account, &[], &[RESTLET_ENV]).await;
    let r = fresh
        .ok("run_saved_search", json!({"search_id": "101", "limit": 5}))
        .await;
    assert_eq!(r["route"], "rest");
    assert_eq!(r["rows"], before["rows"]);
    fresh.close().await;
}

#[tokio::test]
async fn missing_searches_and_searches_of_another_role_are_clear_errors_on_both_routes() {
    let account = common::start(Algorithm::ES256).await;
    let rest = spawn(&account, &[], &[]).await;
    let missing = rest
        .err(
            "run_saved_search",
            json!({"search_id": "customsearch_nope"}),
        )
        .await;
    assert!(
        missing.contains("code: NONEXISTENT_ID") && missing.contains("list_saved_searches"),
        "{missing}"
    );
    let denied = rest
        .err(
            "run_saved_search",
            json!({"search_id": "customsearch_payroll_summary"}),
        )
        .await;
    assert!(
        denied.contains("code: INSUFFICIENT_PERMISSION") && denied.contains("hint:"),
        "{denied}"
    );
    let bad = rest
        .err(
            "run_saved_search",
            json!({"search_id": "../record/v1/customer"}),
        )
        .await;
    assert!(bad.starts_with("Invalid argument `search_id`"), "{bad}");
    rest.close().await;

    account.sandbox.store().set_rest_saved_searches(false);
    let restlet = spawn(&account, &[], &[RESTLET_ENV]).await;
    let missing = restlet
        .err(
            "run_saved_search",
            json!({"search_id": "customsearch_nope"}),
        )
        .await;
    assert!(
        missing.contains("code: INVALID_SEARCH") && missing.contains("list_saved_searches"),
        "{missing}"
    );
    let denied = restlet
        .err(
            "run_saved_search",
            json!({"search_id": "customsearch_payroll_summary"}),
        )
        .await;
    assert!(denied.contains("code: INSUFFICIENT_PERMISSION"), "{denied}");
    restlet.close().await;
}

#[tokio::test]
async fn an_undeployed_restlet_and_a_missing_setting_say_what_to_configure() {
    let account = common::start(Algorithm::ES256).await;
    account.sandbox.store().set_rest_saved_searches(false);
    let unset = spawn(&account, &[], &[]).await;
    let e = unset.err("list_saved_searches", json!({})).await;
    assert!(
        e.contains("no REST saved-search endpoint") && e.contains("NETSUITE_MCP_SEARCH_RESTLET"),
        "{e}"
    );
    unset.close().await;

    let wrong = spawn(
        &account,
        &[],
        &[(
            "NETSUITE_MCP_SEARCH_RESTLET",
            "customscript_missing,customdeploy_missing",
        )],
    )
    .await;
    let e = wrong
        .err("run_saved_search", json!({"search_id": "101"}))
        .await;
    assert!(
        e.contains("code: SSS_INVALID_SCRIPTLET_ID") && e.contains("NETSUITE_MCP_SEARCH_RESTLET"),
        "{e}"
    );
    wrong.close().await;
}

#[tokio::test]
async fn datasets_list_filter_and_page_to_the_end() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let list = mcp.ok("list_datasets", json!({})).await;
    let ids: Vec<&str> = list["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"custdataset_customers"), "{ids:?}");
    let filtered = mcp.ok("list_datasets", json!({"filter": "sales"})).await;
    assert_eq!(
        filtered["datasets"],
        json!([{"id": "custdataset_sales_by_customer", "name": "Sales by Customer"}])
    );

    let (first, rows) = page_to_end(
        &mcp,
        "run_dataset",
        "dataset_id",
        "custdataset_customers",
        33,
    )
    .await;
    assert_eq!(first["columns"][0], "id");
    let customers = mcp
        .ok(
            "run_suiteql",
            json!({"query": "SELECT id FROM customer ORDER BY id", "limit": 1000}),
        )
        .await;
    assert_eq!(rows.len(), customers["rows"].as_array().unwrap().len());
    let ids: Vec<&Value> = rows.iter().map(|r| &r[0]).collect();
    let expected: Vec<&Value> = customers["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0])
        .collect();
    assert_eq!(ids, expected, "every row once, in the dataset's order");

    let e = mcp
        .err("run_dataset", json!({"dataset_id": "custdataset_nope"}))
        .await;
    assert!(
        e.contains("code: NONEXISTENT_ID") && e.contains("list_datasets"),
        "{e}"
    );
    mcp.close().await;
}

#[tokio::test]
async fn a_result_over_the_budget_is_cut_and_continues_from_next_offset() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &["--max-result-chars", "2000"], &[]).await;
    let r = mcp
        .ok(
            "run_saved_search",
            json!({"search_id": "customsearch_open_invoices", "limit": 200}),
        )
        .await;
    assert_eq!(r["truncated"], true);
    let kept = r["row_count"].as_u64().unwrap();
    assert!(kept > 0 && kept < 200);
    assert_eq!(r["next_offset"], json!(kept));
    assert!(serde_json::to_string(&r).unwrap().len() <= 2000);
    mcp.close().await;
}

/// `serve --sandbox` builds its settings with `start_with_generated_credentials`: they reach saved searches by
/// the REST route and, with it switched off, by the RESTlet they name, with the same rows.
#[cfg(feature = "sandbox")]
#[tokio::test]
async fn the_settings_of_serve_sandbox_reach_saved_searches_by_either_route() {
    use netsuite_mcp::netsuite::SearchRoute;
    let local = netsuite_mcp::sandbox::start_with_generated_credentials(0)
        .await
        .unwrap();
    let client = common::client_for(local.settings.clone());
    assert_eq!(
        client.saved_search_route().await.unwrap(),
        SearchRoute::Rest
    );
    let restlet = client
        .search_restlet()
        .cloned()
        .expect("serve --sandbox configures the search RESTlet");
    let via_rest = client
        .run_saved_search(None, "customsearch_open_invoices", 0, 1000)
        .await
        .unwrap();
    local.handle.store().set_rest_saved_searches(false);
    let fresh = common::client_for(local.settings.clone());
    assert_eq!(
        fresh.saved_search_route().await.unwrap(),
        SearchRoute::Restlet
    );
    let via_restlet = fresh
        .run_saved_search(Some(&restlet), "customsearch_open_invoices", 0, 1000)
        .await
        .unwrap();
    assert!(via_rest.rows.len() > 10);
    assert_eq!(via_rest, via_restlet);
}
