//! `export_suiteql` through real MCP clients (rmcp's, over stdio and HTTP) against the sandbox: whole results as
//! CSV and JSON Lines files read back with `resources/read`, progress, `max_rows`, errors, cancellation, expiry
//! and who may read an export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::collections::BTreeMap;
use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use rmcp::model::{CallToolRequestParams, ReadResourceRequestParams, ResourceContents};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceError, ServiceExt};
use serde_json::{Value, json};

use mcp_support::{Mcp, eventually, sandbox_idle, spawn, text_of};

/// 96 transactions × 125 customers = 12 000 rows, in a stable order (12 NetSuite pages).
const QUERY: &str = "SELECT t.id AS tran, t.tranid, c.id AS cust, c.companyname, t.memo \
FROM transaction t CROSS JOIN customer c WHERE t.id <= 96 ORDER BY t.id, c.id";
const ROWS: usize = 12_000;

/// A row as column → text ("" for null/absent), the way a CSV reader sees it.
type Row = BTreeMap<String, String>;

/// Reads `uri` through `resources/read`: its MIME type and text.
async fn read(
    client: &RunningService<RoleClient, impl rmcp::ClientHandler>,
    uri: &str,
) -> Result<(String, String), ServiceError> {
    let result = client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await?;
    match result.contents.into_iter().next() {
        Some(ResourceContents::TextResourceContents {
            mime_type, text, ..
        }) => Ok((mime_type.unwrap_or_default(), text)),
        other => panic!("expected text contents, got {other:?}"),
    }
}

/// An RFC 4180 reader, independent of the server's writer: quoted fields, doubled quotes, CRLF records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "a bare CR outside quotes");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\n' => panic!("a bare LF outside quotes: records end with CRLF"),
            c => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the file ends with CRLF"
    );
    records
}

fn rows_of_csv(text: &str) -> Vec<Row> {
    let mut records = parse_csv(text).into_iter();
    let header = records.next().expect("a header row");
    records
        .map(|r| {
            assert_eq!(r.len(), header.len(), "every record has every column");
            header.iter().cloned().zip(r).collect()
        })
        .collect()
}

fn text_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The rows of `query`, paged by hand with run_suiteql (following `next_offset`).
async fn paged_by_hand(mcp: &Mcp, query: &str) -> (Vec<String>, Vec<Row>) {
    let mut rows = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut offset = 0u64;
    loop {
        let page = mcp
            .ok(
                "run_suiteql",
                json!({"query": query, "limit": 1000, "offset": offset}),
            )
            .await;
        let cols: Vec<String> = serde_json::from_value(page["columns"].clone()).unwrap();
        for c in &cols {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
        for r in page["rows"].as_array().unwrap() {
            let r = r.as_array().unwrap();
            rows.push(
                cols.iter()
                    .cloned()
                    .zip(r.iter().map(text_cell))
                    .collect::<Row>(),
            );
        }
        match page["next_offset"].as_u64() {
            Some(next) => offset = next,
            None => break,
        }
    }
    // Columns absent from a page are empty in the file.
    for row in &mut rows {
        for c in &columns {
            row.entry(c.clone()).or_default();
        }
    }
    (columns, rows)
}

async fn start() -> (common::TestAccount, Mcp) {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(
        &account,
        &[],
        &[
            ("NETSUITE_MCP_MAX_RESULT_CHARS", "1000000"),
            ("RUST_LOG", "info"),
        ],
    )
    .await;
    (account, mcp)
}

#[tokio::test]
async fn a_12000_row_csv_export_equals_the_query_paged_by_hand_and_reports_increasing_progress() {
    let (account, mcp) = start().await;
    mcp.take_progress();
    account.sandbox.reset_counters();
    // Slow enough that parallel pages overlap.
    account.sandbox.set_latency(Duration::from_millis(50));
    let result = mcp
        .try_call("export_suiteql", json!({"query": QUERY, "format": "csv"}))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
    let out = result.structured_content.clone().unwrap();
    assert_eq!(out["row_count"], json!(ROWS));
    assert_eq!(out["total_results"], json!(ROWS));
    assert_eq!(out["limit_reached"], json!(false));
    assert_eq!(out["mime_type"], json!("text/csv"));
    let uri = out["uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with("netsuite://exports/"), "{uri}");
    assert_eq!(
        account.sandbox.counters().max_in_flight,
        5,
        "pages are fetched 5 at a time, the server's concurrency limit"
    );

    // The result links to the file.
    let link = result
        .content
        .iter()
        .find_map(|c| c.as_resource_link())
        .expect("a resource_link content block");
    assert_eq!(link.uri, uri);
    assert_eq!(link.mime_type.as_deref(), Some("text/csv"));

    // Progress: one notification per page, strictly increasing, out of the known total.
    let progress = mcp.take_progress();
    assert!(
        progress.len() >= ROWS / 1000,
        "{} notifications",
        progress.len()
    );
    for pair in progress.windows(2) {
        assert!(pair[1].progress > pair[0].progress, "{progress:?}");
    }
    let last = progress.last().unwrap();
    assert_eq!(
        (last.progress, last.total),
        (ROWS as f64, Some(ROWS as f64))
    );
    assert!(last.message.as_deref().unwrap_or_default().contains("rows"));

    let (mime, text) = read(&mcp.client, &uri).await.unwrap();
    assert_eq!(mime, "text/csv");
    assert_eq!(text.len() as u64, out["bytes"].as_u64().unwrap());
    let header = parse_csv(&text).into_iter().next().unwrap();
    assert_eq!(json!(header), out["columns"]);
    let exported = rows_of_csv(&text);

    account.sandbox.set_latency(Duration::ZERO);
    let (columns, by_hand) = paged_by_hand(&mcp, QUERY).await;
    assert_eq!(by_hand.len(), ROWS);
    let mut sorted_header = header.clone();
    sorted_header.sort();
    let mut sorted_columns = columns;
    sorted_columns.sort();
    assert_eq!(sorted_header, sorted_columns);
    assert!(
        exported == by_hand,
        "the export differs from the query paged by hand"
    );
    mcp.close().await;
}

#[tokio::test]
async fn a_jsonl_export_stops_at_max_rows_and_says_the_limit_was_reached() {
    let (_account, mcp) = start().await;
    let out = mcp
        .ok(
            "export_suiteql",
            json!({"query": QUERY, "format": "jsonl", "max_rows": 2500}),
        )
        .await;
    assert_eq!(out["row_count"], json!(2500));
    assert_eq!(out["limit_reached"], json!(true));
    assert!(out["note"].as_str().unwrap().contains("max_rows"));
    let (mime, text) = read(&mcp.client, out["uri"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(mime, "application/jsonl");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2500);
    let columns: Vec<String> = serde_json::from_value(out["columns"].clone()).unwrap();
    for line in &lines {
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            columns.iter().collect::<Vec<_>>(),
            "every column, in order"
        );
        assert!(line.get("links").is_none());
    }
    // The rows are the query's first 2500, in order: 125 customers per transaction.
    let trans: Vec<u64> = lines
        .iter()
        .map(|l| l["tran"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(trans.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(trans.iter().filter(|t| **t == 1).count(), 125);
    mcp.close().await;
}

#[tokio::test]
async fn an_invalid_query_is_an_error_result_with_netsuites_error_and_keeps_no_file() {
    let (_account, mcp) = start().await;
    let text = mcp
        .err(
            "export_suiteql",
            json!({"query": "SELECT nosuchcolumn FROM customer"}),
        )
        .await;
    assert!(
        text.contains("NetSuite returned an error: HTTP 400"),
        "{text}"
    );
    assert!(text.contains("code: INVALID_PARAMETER"), "{text}");
    assert!(
        text.contains("nosuchcolumn") || text.contains("NOSUCHCOLUMN"),
        "{text}"
    );
    let text = mcp
        .err(
            "export_suiteql",
            json!({"query": QUERY, "max_rows": 100001}),
        )
        .await;
    assert!(text.contains("`max_rows`"), "{text}");
    mcp.close().await;
}

#[tokio::test]
async fn cancelling_an_export_midway_frees_every_netsuite_slot() {
    let (account, mcp) = start().await;
    // The token first, so that only page requests are slow.
    mcp.ok(
        "run_suiteql",
        json!({"query": "SELECT id FROM customer", "limit": 1}),
    )
    .await;
    mcp.take_progress();
    account.sandbox.set_latency(Duration::from_millis(300));
    {
        let call = mcp.try_call("export_suiteql", json!({"query": QUERY}));
        tokio::pin!(call);
        let first_page = async {
            while mcp.progress_count() == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::select! {
            done = &mut call => panic!("the export finished before it could be cancelled: {done:?}"),
            () = first_page => {}
        }
        // Every page requested from now on would hang for a minute.
        account.sandbox.set_latency(Duration::from_secs(60));
        assert!(
            eventually(Duration::from_secs(5), || account
                .sandbox
                .counters()
                .in_flight
                >= 3)
            .await,
            "pages are in flight when the call is cancelled"
        );
        // Dropping the client's call future (here, at the end of this block) sends notifications/cancelled.
    }
    assert!(
        sandbox_idle(&account).await,
        "NetSuite requests are still in flight after the cancellation: {:?}",
        account.sandbox.counters()
    );
    // The server's own concurrency slots are free too: a call needing them all goes through at once.
    account.sandbox.set_latency(Duration::ZERO);
    let again = tokio::time::timeout(
        Duration::from_secs(20),
        mcp.ok("export_suiteql", json!({"query": QUERY, "max_rows": 5000})),
    )
    .await
    .expect("a following export does not wait for the cancelled one's slots");
    assert_eq!(again["row_count"], json!(5000));
    mcp.close().await;
}

#[tokio::test]
async fn a_call_made_during_an_export_is_served_before_the_export_ends() {
    let (account, mcp) = start().await;
    mcp.ok(
        "run_suiteql",
        json!({"query": "SELECT id FROM customer", "limit": 1}),
    )
    .await;
    mcp.take_progress();
    // 12 pages: the first alone, then 11 five at a time (three rounds of 500 ms at least).
    account.sandbox.set_latency(Duration::from_millis(500));
    let done = {
        let export = mcp.try_call("export_suiteql", json!({"query": QUERY}));
        tokio::pin!(export);
        let first_page = async {
            while mcp.progress_count() == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::select! {
            done = &mut export => panic!("the export finished too soon: {done:?}"),
            () = first_page => {}
        }
        // Every slot is taken by the export now; this call gets the next free one.
        let other = mcp.try_call(
            "run_suiteql",
            json!({"query": "SELECT id FROM customer", "limit": 1}),
        );
        tokio::select! {
            done = &mut export => panic!("the export finished before the other call: {done:?}"),
            other = other => {
                let other = other.unwrap();
                assert_ne!(other.is_error, Some(true), "{}", text_of(&other));
            }
        }
        export.await.unwrap()
    };
    assert_eq!(done.structured_content.unwrap()["row_count"], json!(ROWS));
    account.sandbox.set_latency(Duration::ZERO);
    mcp.close().await;
}

#[tokio::test]
async fn an_expired_export_gives_a_clear_error() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[("NETSUITE_MCP_EXPORT_TTL", "1")]).await;
    let out = mcp
        .ok(
            "export_suiteql",
            json!({"query": "SELECT id FROM customer ORDER BY id", "max_rows": 10}),
        )
        .await;
    let uri = out["uri"].as_str().unwrap().to_owned();
    assert_eq!(read(&mcp.client, &uri).await.unwrap().1.lines().count(), 11);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = read(&mcp.client, &uri).await.unwrap_err().to_string();
    assert!(err.contains("expired"), "{err}");
    assert!(err.contains("export_suiteql again"), "{err}");
    // An id that never existed gets the same kind of answer.
    let err = read(
        &mcp.client,
        "netsuite://exports/00000000-0000-4000-8000-000000000000",
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("No export"), "{err}");
    mcp.close().await;
}

/// `serve --http` on loopback against the test account; returns the child and the MCP URL.
async fn serve_http(account: &common::TestAccount) -> (tokio::process::Child, String) {
    let serving =
        common::spawn_serving(common::serve_http_command("127.0.0.1:0").envs(account.env())).await;
    (serving.child, serving.url)
}

#[tokio::test]
async fn over_http_an_export_is_readable_only_by_the_session_that_made_it() {
    let account = common::start(Algorithm::ES256).await;
    let (_child, url) = serve_http(&account).await;
    let alice = ().serve(StreamableHttpClientTransport::from_uri(url.clone())).await.unwrap();
    let bob = ().serve(StreamableHttpClientTransport::from_uri(url.clone())).await.unwrap();
    let result = alice
        .call_tool(
            CallToolRequestParams::new("export_suiteql").with_arguments(
                json!({"query": "SELECT id, companyname FROM customer ORDER BY id", "max_rows": 50})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    let uri = result.structured_content.unwrap()["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, text) = read(&alice, &uri).await.unwrap();
    assert_eq!(rows_of_csv(&text).len(), 50);
    let err = read(&bob, &uri).await.unwrap_err().to_string();
    assert!(err.contains("No export"), "{err}");
    assert!(
        !err.contains("companyname"),
        "nothing of the file leaks: {err}"
    );
    // Exports are not listed, to anyone.
    let listed = alice.list_all_resources().await.unwrap();
    assert!(
        listed
            .iter()
            .all(|r| !r.uri.starts_with("netsuite://exports/"))
    );
}

#[tokio::test]
async fn exports_below_one_page_of_exactly_one_page_and_of_a_partial_last_page_equal_the_query_paged_by_hand()
 {
    let (account, mcp) = start().await;
    // 125 customers (some columns null on some rows), 8 × 125 = 1000 rows, 18 × 125 = 2250 rows.
    let cases = [
        (
            "SELECT id, companyname, email, phone FROM customer ORDER BY id",
            125,
        ),
        (
            "SELECT t.id AS tran, c.id AS cust FROM transaction t CROSS JOIN customer c WHERE t.id <= 8 ORDER BY t.id, c.id",
            1000,
        ),
        (
            "SELECT t.id AS tran, t.memo, c.id AS cust FROM transaction t CROSS JOIN customer c WHERE t.id <= 18 ORDER BY t.id, c.id",
            2250,
        ),
    ];
    for (query, rows) in cases {
        // The previous export's speculative pages past its end were dropped, but may still be reaching the
        // sandbox: let them land before counting this export's requests.
        assert!(sandbox_idle(&account).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
        account.sandbox.reset_counters();
        let out = mcp
            .ok("export_suiteql", json!({"query": query, "format": "csv"}))
            .await;
        assert_eq!(out["row_count"], json!(rows), "{query}");
        assert_eq!(out["limit_reached"], json!(false), "{query}");
        // The first pages are asked for together (5, the concurrency limit), before the count is known: at most
        // 4 past the end. (Fewer may reach the sandbox: those still being sent when the result turned out to be
        // complete are dropped unsent. That they are asked for together is checked with latency above.)
        let requests = account.sandbox.counters().api_requests;
        let pages = (rows as u64).div_ceil(1000);
        assert!(requests <= pages + 4, "{requests} requests for {rows} rows");
        let (_, text) = read(&mcp.client, out["uri"].as_str().unwrap())
            .await
            .unwrap();
        let (columns, by_hand) = paged_by_hand(&mcp, query).await;
        assert_eq!(by_hand.len(), rows, "{query}");
        assert_eq!(json!(columns), out["columns"], "{query}");
        assert!(
            rows_of_csv(&text) == by_hand,
            "the export of {query} differs from the query paged by hand"
        );
    }
    let out = mcp
        .ok(
            "export_suiteql",
            json!({"query": "SELECT id FROM customer WHERE id < 0", "format": "jsonl"}),
        )
        .await;
    assert_eq!(
        (out["row_count"].clone(), out["bytes"].clone()),
        (json!(0), json!(0))
    );
    mcp.close().await;
}

#[tokio::test]
async fn an_export_that_outgrows_the_byte_bound_stops_fetching_and_says_how_to_narrow_it() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[("NETSUITE_MCP_EXPORT_MAX_MB", "1")]).await;
    account.sandbox.reset_counters();
    // 82 500 rows, about 5 MiB as CSV: 83 pages if it were fetched to the end.
    let text = mcp
        .err(
            "export_suiteql",
            json!({"query": "SELECT t.id, t.tranid, t.trandate, t.entity, t.status, c.companyname FROM transaction t CROSS JOIN customer c"}),
        )
        .await;
    assert!(text.contains("NETSUITE_MCP_EXPORT_MAX_MB"), "{text}");
    assert!(text.contains("1.0 MiB"), "{text}");
    assert!(
        text.contains("WHERE") && text.contains("max_rows"),
        "{text}"
    );
    assert!(text.contains("of 82500 rows"), "{text}");
    let requests = account.sandbox.counters().api_requests;
    assert!(
        requests < 40,
        "the fetch stops once the file passes 1 MiB, not after all 83 pages ({requests} requests)"
    );
    // A smaller export still fits.
    let out = mcp
        .ok(
            "export_suiteql",
            json!({"query": "SELECT id FROM customer ORDER BY id"}),
        )
        .await;
    assert_eq!(out["row_count"], json!(125));
    mcp.close().await;
}

#[tokio::test]
async fn an_owner_over_its_export_cap_loses_its_oldest_export() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[("NETSUITE_MCP_EXPORT_MAX_PER_OWNER", "2")]).await;
    let mut uris = Vec::new();
    for max_rows in [1, 2, 3] {
        let out = mcp
            .ok(
                "export_suiteql",
                json!({"query": "SELECT id FROM customer ORDER BY id", "max_rows": max_rows}),
            )
            .await;
        uris.push(out["uri"].as_str().unwrap().to_owned());
    }
    let err = read(&mcp.client, &uris[0]).await.unwrap_err().to_string();
    assert!(err.contains("No export"), "{err}");
    for (uri, rows) in uris[1..].iter().zip([2, 3]) {
        let (_, text) = read(&mcp.client, uri).await.unwrap();
        assert_eq!(text.lines().count(), rows + 1, "header and {rows} rows");
    }
    mcp.close().await;
}
