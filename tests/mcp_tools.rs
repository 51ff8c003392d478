//! Every tool's happy path through the real binary against the sandbox's demo data: SuiteQL paging across
//! page boundaries at unaligned offsets, truncation and continuation, record reads and writes, metadata.
//!
//! REST record fields are camelCase (`companyName`); SuiteQL columns are lower case (`companyname`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use netsuite_mcp::auth::Algorithm;
use serde_json::{Value, json};

use mcp_support::{Mcp, spawn};

fn ids_of(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r[0].as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| r[0].to_string())
        })
        .collect()
}

async fn all_ids(mcp: &Mcp, query: &str) -> Vec<String> {
    let r = mcp
        .ok("run_suiteql", json!({"query": query, "limit": 1000}))
        .await;
    assert_eq!(r["has_more"], false, "the reference query fits in one page");
    ids_of(&r["rows"])
}

fn has_links(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("links") || m.values().any(has_links),
        Value::Array(a) => a.iter().any(has_links),
        _ => false,
    }
}

#[tokio::test]

async fn run_suiteql_pages_at_any_offset_and_continues_with_next_offset() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let query = "SELECT id, companyname, email FROM customer ORDER BY id";
    let all = all_ids(&mcp, query).await;
    assert!(all.len() >= 12, "demo data has customers: {}", all.len());

    let first = mcp
        .ok("run_suiteql", json!({"query": query, "limit": 5}))
        .await;
    assert_eq!(first["columns"][0], "id");
    assert_eq!(first["row_count"], 5);
    assert_eq!(first["total_results"], all.len());
    assert_eq!(
        (first["has_more"].clone(), first["next_offset"].clone()),
        (json!(true), json!(5))
    );
    assert!(!has_links(&first));

    for (offset, limit) in [(3usize, 7usize), (9, 4), (1, 10), (all.len() - 2, 5)] {
        let r = mcp
            .ok(
                "run_suiteql",
                json!({"query": query, "offset": offset, "limit": limit}),
            )
            .await;
        let end = (offset + limit).min(all.len());
        assert_eq!(
            ids_of(&r["rows"]),
            all[offset..end],
            "offset {offset} limit {limit}"
        );
        assert_eq!(r["has_more"], end < all.len());
    }

    // Following next_offset with an odd page size visits every row exactly once.
    let mut seen = Vec::new();
    let mut offset = Some(json!(0));
    while let Some(o) = offset.filter(|o| !o.is_null()) {
        let r = mcp
            .ok(
                "run_suiteql",
                json!({"query": query, "offset": o, "limit": 7}),
            )
            .await;
        seen.extend(ids_of(&r["rows"]));
        offset = Some(r["next_offset"].clone());
    }
    assert_eq!(seen, all);
    mcp.close().await;
}

#[tokio::test]

async fn a_truncated_result_continues_where_it_was_cut() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &["--max-result-chars", "1000"], &[]).await;
    let query = "SELECT id, companyname, email, phone FROM customer ORDER BY id";
    let all = all_ids(
        &spawn(&account, &[], &[]).await,
        "SELECT id FROM customer ORDER BY id",
    )
    .await;
    let mut seen = Vec::new();
    let mut offset = json!(0);
    let mut cuts = 0;
    while !offset.is_null() {
        let r = mcp
            .ok(
                "run_suiteql",
                json!({"query": query, "offset": offset, "limit": 1000}),
            )
            .await;
        assert!(r.to_string().chars().count() <= 1000);
        if r["truncated"] == true {
            cuts += 1;
            assert!(r["note"].as_str().unwrap().contains("offset="));
        }
        seen.extend(ids_of(&r["rows"]));
        offset = r["next_offset"].clone();
    }
    assert!(cuts > 0, "the budget cut at least once");
    assert_eq!(seen, all);
    mcp.close().await;
}

#[tokio::test]

async fn records_are_read_listed_and_paged() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let all = mcp
        .ok(
            "list_records",
            json!({"record_type": "customer", "limit": 1000}),
        )
        .await;
    let ids: Vec<String> = serde_json::from_value(all["ids"].clone()).unwrap();
    assert!(ids.len() >= 5);
    let window = mcp
        .ok(
            "list_records",
            json!({"record_type": "customer", "offset": 1, "limit": 3}),
        )
        .await;
    assert_eq!(window["ids"], json!(ids[1..4]));
    assert_eq!(window["next_offset"], 4);

    let record = mcp
        .ok(
            "get_record",
            json!({"record_type": "customer", "id": ids[0]}),
        )
        .await;
    assert_eq!(record["id"], json!(ids[0]));
    assert!(!has_links(&record), "links are dropped: {record}");
    let some = mcp
        .ok(
            "get_record",
            json!({"record_type": "customer", "id": ids[0], "fields": ["companyName", "email"]}),
        )
        .await;
    assert!(some.get("companyName").is_some());
    assert!(some.get("phone").is_none(), "{some}");
    mcp.close().await;
}

#[tokio::test]

async fn writes_return_ids_and_delete_needs_its_toolset() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(
        &account,
        &["--toolsets", "records,records_write,records_delete"],
        &[],
    )
    .await;
    let created = mcp
        .ok("create_record", json!({"record_type": "customer", "values": {"companyName": "Acme MCP Ltd", "email": "ap@acme.example"}}))
        .await;
    let id = created["id"].as_str().expect("id from Location").to_owned();
    assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
    assert_eq!(created["record_type"], "customer");
    let updated = mcp
        .ok(
            "update_record",
            json!({"record_type": "customer", "id": id, "values": {"phone": "555-0100"}}),
        )
        .await;
    assert_eq!(updated["id"], json!(id));
    let record = mcp
        .ok("get_record", json!({"record_type": "customer", "id": id}))
        .await;
    assert_eq!(record["companyName"], "Acme MCP Ltd");
    assert_eq!(record["phone"], "555-0100");

    let up = mcp
        .ok("upsert_record", json!({"record_type": "customer", "external_id": "MCP-1", "values": {"companyName": "Upserted"}}))
        .await;
    assert_eq!(up["external_id"], "MCP-1");
    let again = mcp
        .ok(
            "upsert_record",
            json!({"record_type": "customer", "external_id": "MCP-1", "values": {"phone": "1"}}),
        )
        .await;
    if let (Some(a), Some(b)) = (up.get("id"), again.get("id")) {
        assert_eq!(a, b, "the second upsert updates the same record");
    }
    let by_eid = mcp
        .ok(
            "get_record",
            json!({"record_type": "customer", "id": "eid:MCP-1"}),
        )
        .await;
    assert_eq!(by_eid["companyName"], "Upserted");

    let deleted = mcp
        .ok(
            "delete_record",
            json!({"record_type": "customer", "id": id}),
        )
        .await;
    assert_eq!(
        deleted,
        json!({"id": id, "record_type": "customer", "deleted": true})
    );
    let text = mcp
        .err("get_record", json!({"record_type": "customer", "id": id}))
        .await;
    assert!(
        text.contains("NONEXISTENT_ID") || text.contains("HTTP 404"),
        "{text}"
    );
    mcp.close().await;
}

#[tokio::test]

async fn metadata_lists_and_describes_record_types() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let all = mcp.ok("list_record_types", json!({})).await;
    let names: Vec<String> = serde_json::from_value(all["record_types"].clone()).unwrap();
    for t in ["customer", "salesorder", "invoice"] {
        assert!(names.iter().any(|n| n == t), "{t} in {names:?}");
    }
    let orders = mcp
        .ok("list_record_types", json!({"filter": "ORDER"}))
        .await;
    assert!(
        orders["record_types"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n.as_str().unwrap().contains("order"))
    );
    let d = mcp
        .ok("describe_record_type", json!({"record_type": "customer"}))
        .await;
    assert_eq!(d["record_type"], "customer");
    let fields = d["fields"].as_array().unwrap();
    let company = fields
        .iter()
        .find(|f| f["name"] == "companyName")
        .expect("companyName");
    assert_eq!(company["type"], "string");
    mcp.close().await;
}

#[tokio::test]
async fn a_refusal_naming_a_record_type_drops_only_that_types_cached_schema() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let describe = |t: &'static str| {
        let mcp = &mcp;
        async move {
            mcp.ok("describe_record_type", json!({"record_type": t}))
                .await;
        }
    };
    let sent = || account.sandbox.counters().api_requests;
    describe("customer").await;
    describe("vendor").await;
    let before = sent();
    describe("customer").await;
    describe("vendor").await;
    assert_eq!(sent(), before, "both schemas are cached");

    // NetSuite refuses a read of a customer that does not exist (NONEXISTENT_ID).
    mcp.err(
        "get_record",
        json!({"record_type": "customer", "id": "99999999"}),
    )
    .await;
    let before = sent();
    describe("vendor").await;
    assert_eq!(sent(), before, "vendor's schema is kept");
    describe("customer").await;
    assert!(sent() > before, "customer's schema is asked for again");

    // A SuiteQL refusal names no record type: everything is dropped.
    mcp.err(
        "run_suiteql",
        json!({"query": "SELECT nosuchcolumn FROM customer"}),
    )
    .await;
    let before = sent();
    describe("vendor").await;
    assert!(
        sent() > before,
        "after a SuiteQL refusal vendor is asked for again"
    );
    mcp.close().await;
}

#[tokio::test]
async fn call_restlet_reaches_the_deployed_script_with_params_and_body() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &["--toolsets", "restlets"], &[]).await;
    let echoed = mcp
        .ok(
            "call_restlet",
            json!({"script": "customscript_echo", "deploy": "customdeploy_echo", "method": "POST",
                   "params": {"mode": "test"}, "body": {"order": 42, "lines": ["a", "b"]}}),
        )
        .await;
    assert_eq!(echoed["status"], 200);
    let body = &echoed["body"];
    assert_eq!(body["method"], "POST", "{body}");
    assert_eq!(
        body["body"],
        json!({"order": 42, "lines": ["a", "b"]}),
        "{body}"
    );
    assert!(
        body.to_string().contains("\"mode\""),
        "query params reach the script: {body}"
    );

    let listed = mcp
        .ok(
            "call_restlet",
            json!({"script": "customscript_customer_list", "deploy": "customdeploy_customer_list"}),
        )
        .await;
    assert_eq!(listed["status"], 200);

    let missing = mcp
        .err(
            "call_restlet",
            json!({"script": "customscript_nope", "deploy": "1"}),
        )
        .await;
    assert!(missing.contains("SSS_INVALID_SCRIPTLET_ID"), "{missing}");
}

#[tokio::test]
async fn a_record_created_through_mcp_is_found_by_run_suiteql() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let created = mcp
        .ok("create_record", json!({"record_type": "customer", "values": {"companyName": "Visible To SuiteQL Inc", "email": "x@visible.example"}}))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let found = mcp
        .ok(
            "run_suiteql",
            json!({"query": format!("SELECT id, companyname FROM customer WHERE id = {id}")}),
        )
        .await;
    assert_eq!(found["rows"], json!([[id, "Visible To SuiteQL Inc"]]));
}
