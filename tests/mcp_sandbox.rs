//! `serve --sandbox`: an MCP server against the embedded NetSuite with no account configured.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod mcp_support;

mod common;

use serde_json::json;

#[tokio::test]
async fn serve_sandbox_needs_no_account_and_keeps_tool_settings() {
    // No NETSUITE_* connection settings at all; a bogus key path from the environment is ignored.
    let env = vec![
        (
            "NETSUITE_PRIVATE_KEY_PATH".to_owned(),
            "/nonexistent.pem".to_owned(),
        ),
        ("NETSUITE_MCP_READ_ONLY".to_owned(), "true".to_owned()),
    ];
    let mcp = mcp_support::spawn_with_env(&["--sandbox"], &env).await;
    let names = mcp.tool_names().await;
    assert!(
        names.contains(&"run_suiteql".to_owned()) && !names.contains(&"create_record".to_owned()),
        "{names:?}"
    );
    // The call reaches the sandbox with a valid token: whatever it answers, it is not an auth failure.
    let r = mcp.try_call("list_record_types", json!({})).await.unwrap();
    let text = mcp_support::text_of(&r);
    assert!(
        !text.contains("authenticate") && !text.contains("HTTP 401"),
        "{text}"
    );
    mcp.close().await;
}

#[tokio::test]
async fn serve_sandbox_runs_the_open_invoices_saved_search_with_no_set_up() {
    let mcp = mcp_support::spawn_with_env(&["--sandbox"], &[]).await;
    let found = mcp
        .ok("list_saved_searches", json!({"filter": "open invoices"}))
        .await;
    let id = found["searches"][0]["id"].as_str().unwrap().to_owned();
    let r = mcp
        .ok("run_saved_search", json!({"search_id": id, "limit": 10}))
        .await;
    assert_eq!(r["columns"][0], "Customer");
    assert_eq!(r["row_count"], 10);
    assert!(r["total_results"].as_u64().unwrap() > 10);
    mcp.close().await;
}
