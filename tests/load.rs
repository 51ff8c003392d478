//! Load over streamable HTTP: 1 000 tool calls from 50 concurrent MCP clients against one `serve --http`, with
//! the sandbox enforcing an account limit of 5 and adding latency. Zero errors, zero lost, exactly one upstream
//! request per call, and the account limit never exceeded upstream (no 429 at all).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::sync::Arc;
use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

const HTTP_TOKEN: &str = "load-test-token-3c9e71a0b5d24f68";
const CLIENTS: usize = 50;
const CALLS_PER_CLIENT: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_calls_from_fifty_http_clients_all_succeed_within_the_account_limit() {
    let account = common::start(Algorithm::ES256).await;
    account.sandbox.set_concurrency_limit(5);
    let common::Serving {
        mut child,
        url,
        stderr,
    } = common::spawn_serving(
        common::serve_http_command("127.0.0.1:0")
            .envs(account.env())
            .env("RUST_LOG", "trace")
            .env("NETSUITE_MCP_HTTP_TOKEN", HTTP_TOKEN),
    )
    .await;

    let connect = |url: String| async move {
        let config = StreamableHttpClientTransportConfig::with_uri(url).auth_header(HTTP_TOKEN);
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("MCP session over HTTP")
    };
    // Ids to read, from the demo data.
    let probe = connect(url.clone()).await;
    let ids: Vec<String> = call(
        &probe,
        "run_suiteql",
        json!({"query": "SELECT id FROM customer ORDER BY id", "limit": 50}),
    )
    .await
    .expect("ids")["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 50);
    let _ = probe.cancel().await;

    account.sandbox.set_latency(Duration::from_millis(5));
    account.sandbox.reset_counters();
    let ids = Arc::new(ids);
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let url = url.clone();
        let ids = Arc::clone(&ids);
        clients.spawn(async move {
            let client = connect(url).await;
            let mut outcomes = Vec::new();
            for i in 0..CALLS_PER_CLIENT {
                let n = c * CALLS_PER_CLIENT + i;
                let (tool, args) = match n % 3 {
                    0 => ("run_suiteql", json!({"query": "SELECT id, companyname FROM customer ORDER BY id", "limit": 5, "offset": n % 100})),
                    1 => ("get_record", json!({"record_type": "customer", "id": ids[n % ids.len()]})),
                    _ => ("list_records", json!({"record_type": "customer", "limit": 5, "offset": n % 100})),
                };
                outcomes.push((n, tool, call(&client, tool, args).await));
            }
            let _ = client.cancel().await;
            outcomes
        });
    }
    let mut done = 0;
    let mut errors = Vec::new();
    while let Some(joined) = clients.join_next().await {
        for (n, tool, outcome) in joined.expect("a client task panicked") {
            done += 1;
            if let Err(e) = outcome {
                errors.push(format!("call {n} ({tool}): {e}"));
            }
        }
    }
    let counters = account.sandbox.counters();
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert_eq!(done, CLIENTS * CALLS_PER_CLIENT, "calls lost");
    assert_eq!(counters.rejected_concurrency, 0, "429s upstream");
    assert!(
        counters.max_in_flight <= 5,
        "account limit exceeded: {}",
        counters.max_in_flight
    );
    assert_eq!(counters.rejected_unauthorized, 0);
    assert_eq!(
        counters.authorized_api_requests,
        (CLIENTS * CALLS_PER_CLIENT) as u64,
        "exactly one NetSuite request per call (none lost, none repeated)"
    );
    assert_eq!(
        counters.token_requests, 0,
        "the cached token served every call"
    );

    let _ = child.start_kill();
    let _ = child.wait().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stderr = stderr.lock().unwrap().clone();
    assert!(!stderr.contains("panicked"));
    mcp_support::assert_no_secrets(&stderr, &[account.key_pem.clone(), HTTP_TOKEN.to_owned()]);
}

/// A tool call that must succeed; returns its structured content or a description of the failure.
async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    args: Value,
) -> Result<Value, String> {
    let Value::Object(args) = args else {
        return Err("arguments must be an object".into());
    };
    let r = client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args))
        .await
        .map_err(|e| format!("protocol error: {e}"))?;
    if r.is_error == Some(true) {
        return Err(mcp_support::text_of(&r));
    }
    r.structured_content
        .ok_or_else(|| "no structured content".to_owned())
}
