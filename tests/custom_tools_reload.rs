//! Hot reload of the tools directory: adding, changing and removing a file updates the tool list without a
//! restart and sends `notifications/tools/list_changed` — over stdio (the real binary), to every live HTTP session
//! (legacy lifecycle), and on a 2026-07-28 `subscriptions/listen` stream. A broken file is skipped with a warning.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::server::NetSuiteServer;
use netsuite_mcp::transport::http::{HttpOptions, HttpServer};
use rmcp::model::{CallToolRequestParams, ProtocolVersion, ServerNotification, SubscriptionFilter};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientLifecycleMode, ClientServiceExt, RoleClient, ServiceExt};
use serde_json::json;

use mcp_support::{Recorder, eventually, spawn};

/// Generous bound for a change to be seen with a 100 ms poll interval (two polls plus a load).
const WITHIN: Duration = Duration::from_secs(15);
const POLL_MS: &str = "100";

fn tool_file(name: &str, description: &str) -> String {
    format!(
        "# test tool\nname = \"{name}\"\ndescription = \"{description}\"\nkind = \"suiteql\"\n\
         query = \"SELECT id, companyname FROM customer WHERE id >= {{{{min_id}}}} ORDER BY id\"\nlimit = 3\n\n\
         [params.min_id]\ntype = \"integer\"\ndescription = \"Smallest id.\"\ndefault = 1\n"
    )
}

fn write(dir: &Path, file: &str, text: &str) {
    // Write then rename, as editors do, so a poll never sees half a file.
    let tmp = dir.join(format!(".{file}.tmp"));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dir.join(file)).unwrap();
}

#[tokio::test]
async fn adding_changing_and_removing_a_file_updates_the_list_and_notifies_over_stdio() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "alpha.toml",
        &tool_file("alpha", "First test tool, lists customers."),
    );
    let mcp = spawn(
        &account,
        &[],
        &[
            ("NETSUITE_MCP_TOOLS_DIR", dir.path().to_str().unwrap()),
            ("NETSUITE_MCP_TOOLS_POLL_MS", POLL_MS),
        ],
    )
    .await;
    let caps = mcp.client.peer_info().unwrap().capabilities.clone();
    assert_eq!(
        caps.tools.and_then(|t| t.list_changed),
        Some(true),
        "tools.listChanged is declared"
    );
    assert!(mcp.tool_names().await.contains(&"alpha".to_owned()));
    assert_eq!(mcp.tool_list_changes(), 0);

    // Add.
    write(
        dir.path(),
        "beta.toml",
        &tool_file("beta", "Second test tool, added while running."),
    );
    assert!(
        eventually(WITHIN, || mcp.tool_list_changes() >= 1).await,
        "no list_changed after adding"
    );
    let tools = mcp.tools().await;
    assert!(tools.iter().any(|t| t.name == "beta"), "beta not listed");
    let rows = mcp.ok("beta", json!({"min_id": 1})).await;
    assert_eq!(rows["row_count"], 3, "{rows}");

    // Change: the new description is listed, and the new query runs.
    write(
        dir.path(),
        "beta.toml",
        &tool_file("beta", "Second test tool, now with a longer description.")
            .replace("limit = 3", "limit = 2"),
    );
    assert!(
        eventually(WITHIN, || mcp.tool_list_changes() >= 2).await,
        "no list_changed after changing"
    );
    let tools = mcp.tools().await;
    let beta = tools.iter().find(|t| t.name == "beta").unwrap();
    assert_eq!(
        beta.description.as_deref(),
        Some("Second test tool, now with a longer description.")
    );
    assert_eq!(mcp.ok("beta", json!({})).await["row_count"], 2);

    // Remove.
    std::fs::remove_file(dir.path().join("beta.toml")).unwrap();
    assert!(
        eventually(WITHIN, || mcp.tool_list_changes() >= 3).await,
        "no list_changed after removing"
    );
    let names = mcp.tool_names().await;
    assert!(
        !names.contains(&"beta".to_owned()) && names.contains(&"alpha".to_owned()),
        "{names:?}"
    );
    assert!(
        mcp.try_call("beta", json!({})).await.is_err(),
        "a removed tool is unknown"
    );

    // A broken file: a warning naming file and line; the others keep working; the list did not change.
    write(
        dir.path(),
        "broken.toml",
        "name = \"broken\"\nkind = \"suiteql\"\nquery = 42\n",
    );
    assert!(
        eventually(WITHIN, || mcp.stderr().contains("broken.toml:")).await,
        "no warning for the broken file:\n{}",
        mcp.stderr()
    );
    let names = mcp.tool_names().await;
    assert!(names.contains(&"alpha".to_owned()) && !names.contains(&"broken".to_owned()));
    assert_eq!(mcp.ok("alpha", json!({})).await["row_count"], 3);
    assert_eq!(mcp.tool_list_changes(), 3, "a skipped file changes nothing");
    let stderr = mcp.close().await;
    assert!(stderr.contains("WARN"), "{stderr}");
}

#[tokio::test]
async fn with_polling_off_nothing_is_reloaded() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let mcp = spawn(
        &account,
        &[],
        &[
            ("NETSUITE_MCP_TOOLS_DIR", dir.path().to_str().unwrap()),
            ("NETSUITE_MCP_TOOLS_POLL_MS", "0"),
        ],
    )
    .await;
    write(
        dir.path(),
        "gamma.toml",
        &tool_file("gamma", "A tool that must not appear."),
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!mcp.tool_names().await.contains(&"gamma".to_owned()));
    assert_eq!(mcp.tool_list_changes(), 0);
    mcp.close().await;
}

type Client = RunningService<RoleClient, Recorder>;

async fn http_server(
    account: &common::TestAccount,
    dir: &Path,
) -> (String, NetSuiteServer, tokio::task::JoinHandle<()>) {
    http_server_with(account, dir, false).await
}

async fn http_server_with(
    account: &common::TestAccount,
    dir: &Path,
    stateless: bool,
) -> (String, NetSuiteServer, tokio::task::JoinHandle<()>) {
    let mut settings = account.settings();
    settings.tools_dir = Some(dir.to_owned());
    settings.tools_poll_ms = Some(100);
    let server = netsuite_mcp::commands::serve::build(&settings).unwrap();
    let factory = server.clone();
    let mut options = HttpOptions::new("127.0.0.1:0".parse().unwrap());
    options.stateless = stateless;
    let http = HttpServer::bind(move || Ok(factory.clone()), options)
        .await
        .unwrap();
    let url = format!("http://{}/mcp", http.local_addr());
    let task = tokio::spawn(async move {
        let _ = http.run(std::future::pending()).await;
    });
    (url, server, task)
}

async fn legacy_client(url: &str) -> (Client, Recorder) {
    let recorder = Recorder::default();
    let client = recorder
        .clone()
        .serve(StreamableHttpClientTransport::from_uri(url.to_owned()))
        .await
        .unwrap();
    (client, recorder)
}

#[tokio::test]
async fn every_live_http_session_is_told_and_closed_sessions_are_dropped() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let (url, server, task) = http_server(&account, dir.path()).await;
    let _watch = server.watch_tools_dir().expect("watching");
    let (one, one_seen) = legacy_client(&url).await;
    let (two, two_seen) = legacy_client(&url).await;
    assert!(eventually(WITHIN, || server.listeners().len() == 2).await);

    write(
        dir.path(),
        "delta.toml",
        &tool_file("delta", "A tool both sessions should hear about."),
    );
    let both = eventually(WITHIN, || {
        one_seen.tool_list_changed.load(Ordering::SeqCst) == 1
            && two_seen.tool_list_changed.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(both, "both sessions are notified");
    let tools = two.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "delta"));
    let r = two
        .call_tool(CallToolRequestParams::new("delta"))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{r:?}");

    one.cancel().await.unwrap();
    std::fs::remove_file(dir.path().join("delta.toml")).unwrap();
    assert!(
        eventually(WITHIN, || two_seen.tool_list_changed.load(Ordering::SeqCst)
            == 2)
        .await,
        "the remaining session is notified"
    );
    assert!(
        eventually(WITHIN, || server.listeners().len() == 1).await,
        "the closed session is dropped, {} left",
        server.listeners().len()
    );
    two.cancel().await.unwrap();
    task.abort();
}

#[tokio::test]
async fn a_2026_client_hears_about_changes_on_its_subscription() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let (url, server, task) = http_server(&account, dir.path()).await;
    let client = ()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(url.clone()),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    let mut subscription = client
        .peer()
        .listen(SubscriptionFilter::builder().tools_list_changed().build())
        .await
        .unwrap();
    assert_eq!(subscription.acknowledged().tools_list_changed, Some(true));
    assert!(eventually(WITHIN, || server.listeners().len() == 1).await);
    write(
        dir.path(),
        "epsilon.toml",
        &tool_file("epsilon", "A tool announced on the subscription."),
    );
    assert!(server.reload_tools().await, "the definitions changed");
    let got = tokio::time::timeout(WITHIN, subscription.next())
        .await
        .expect("a notification in time")
        .unwrap();
    assert!(
        matches!(
            got,
            Some(ServerNotification::ToolListChangedNotification(_))
        ),
        "{got:?}"
    );
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "epsilon"));
    drop(subscription);
    assert!(
        eventually(WITHIN, || server.listeners().is_empty()).await,
        "an ended subscription is dropped"
    );
    client.cancel().await.unwrap();
    task.abort();
}

#[tokio::test]
async fn stateless_http_clients_see_changes_when_they_list_again_and_leave_no_listeners_behind() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let (url, server, task) = http_server_with(&account, dir.path(), true).await;
    let _watch = server.watch_tools_dir().expect("watching");
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (client, _) = legacy_client(&url).await;
        assert!(
            !client
                .list_all_tools()
                .await
                .unwrap()
                .iter()
                .any(|t| t.name == "zeta")
        );
        clients.push(client);
    }
    write(
        dir.path(),
        "zeta.toml",
        &tool_file("zeta", "A tool stateless clients find by listing."),
    );
    let client = &clients[0];
    let mut listed = false;
    for _ in 0..150 {
        // A fresh client: no cached list.
        let (fresh, _) = legacy_client(&url).await;
        listed = fresh
            .list_all_tools()
            .await
            .unwrap()
            .iter()
            .any(|t| t.name == "zeta");
        fresh.cancel().await.unwrap();
        if listed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(listed, "the new tool is listed");
    let r = client
        .call_tool(CallToolRequestParams::new("zeta"))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{r:?}");
    assert!(
        server.listeners().len() <= 1,
        "one-shot stateless exchanges are not kept: {}",
        server.listeners().len()
    );
    for c in clients {
        c.cancel().await.unwrap();
    }
    task.abort();
}

#[tokio::test]
async fn a_poll_interval_out_of_range_is_a_configuration_error() {
    let account = common::start(Algorithm::ES256).await;
    for bad in ["10", "86400001", "soon"] {
        let mut env = account.env();
        env.push(("NETSUITE_MCP_TOOLS_POLL_MS".into(), bad.into()));
        let out = common::run_bin(&["serve"], &env).await;
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = common::text(&out.stderr);
        assert!(
            stderr.contains("NETSUITE_MCP_TOOLS_POLL_MS"),
            "{bad}: {stderr}"
        );
    }
}
