//! `netsuite-mcp serve --http … --sandbox`, the real binary: rmcp's client over HTTP with the bearer token,
//! governance fixed by the server's configuration, refusal to bind publicly without a token, SIGTERM.
#![cfg(feature = "sandbox")] // every test here serves `--sandbox`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceExt};
use tokio::process::{Child, Command};

const TOKEN: &str = "e2e-token-5d1c7a9e3b2f4068a1c3";

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netsuite-mcp"));
    cmd.arg("serve")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

struct Served {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

/// Starts `serve --http 127.0.0.1:0 …` and waits for the line announcing the URL.
async fn serve(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut all = vec!["--http", "127.0.0.1:0", "--sandbox"];
    all.extend_from_slice(args);
    let mut child = command(&all, env)
        .spawn()
        .expect("spawn netsuite-mcp serve --http");
    let (url, stderr) = common::announced_url(&mut child, Duration::from_secs(120)).await;
    Served { child, url, stderr }
}

fn transport(url: &str, token: Option<&str>) -> StreamableHttpClientTransport<reqwest::Client> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token);
    }
    StreamableHttpClientTransport::from_config(config)
}

async fn sigterm_and_wait(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().expect("running").to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap()
}

#[tokio::test]
async fn serve_http_sandbox_answers_rmcp_with_the_token_keeps_governance_and_exits_0_on_sigterm() {
    let served = serve(&["--read-only"], &[("NETSUITE_MCP_HTTP_TOKEN", TOKEN)]).await;
    assert!(served.url.ends_with("/mcp"), "{}", served.url);

    for lifecycle in [
        ClientLifecycleMode::Initialize,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
        },
    ] {
        let client =
            ().serve_with_lifecycle(transport(&served.url, Some(TOKEN)), lifecycle.clone())
                .await
                .unwrap();
        let names: Vec<String> = client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        assert!(names.contains(&"run_suiteql".to_owned()), "{names:?}");
        assert!(
            !names
                .iter()
                .any(|n| n.contains("create") || n.contains("update")),
            "read-only: {names:?}"
        );
        // A hidden tool cannot be called by name: the request cannot widen the server's governance.
        let hidden = client
            .call_tool(
                CallToolRequestParams::new("create_record").with_arguments(
                    serde_json::json!({"record_type": "customer", "values": {"companyname": "x"}})
                        .as_object()
                        .cloned()
                        .unwrap(),
                ),
            )
            .await;
        assert!(
            hidden.is_err() || hidden.as_ref().unwrap().is_error == Some(true),
            "{lifecycle:?}: {hidden:?}"
        );
        // A real call reaches the sandbox with the server's own NetSuite token.
        let rows = client
            .call_tool(
                CallToolRequestParams::new("run_suiteql").with_arguments(
                    serde_json::json!({"query": "SELECT id, companyname FROM customer", "limit": 2})
                        .as_object()
                        .cloned()
                        .unwrap(),
                ),
            )
            .await
            .unwrap();
        assert_ne!(rows.is_error, Some(true), "{rows:?}");
        let structured = rows.structured_content.expect("structured result");
        assert_eq!(structured["row_count"], 2, "{structured}");
        client.cancel().await.unwrap();
    }

    // No token, and a wrong one: 401, no session.
    assert!(().serve(transport(&served.url, None)).await.is_err());
    assert!(
        ().serve(transport(&served.url, Some("wrong-token-00000000000000")))
            .await
            .is_err()
    );
    let health = reqwest::get(served.url.replace("/mcp", "/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let status = sigterm_and_wait(served.child).await;
    assert_eq!(status.code(), Some(0), "{}", served.stderr.lock().unwrap());
    let log = served.stderr.lock().unwrap().clone();
    assert!(
        !log.contains(TOKEN),
        "the bearer token must never be logged:\n{log}"
    );
    assert!(
        !log.contains("Bearer "),
        "no Authorization header in the logs:\n{log}"
    );
}

#[tokio::test]
async fn serve_http_stateless_works_through_the_binary() {
    let served = serve(&["--stateless"], &[("NETSUITE_MCP_HTTP_TOKEN", TOKEN)]).await;
    let client = ().serve(transport(&served.url, Some(TOKEN))).await.unwrap();
    assert!(!client.list_all_tools().await.unwrap().is_empty());
    client.cancel().await.unwrap();
    assert_eq!(sigterm_and_wait(served.child).await.code(), Some(0));
}

#[tokio::test]
async fn a_public_address_without_a_token_is_refused_at_start_up_with_the_fix() {
    let out = command(&["--http", "0.0.0.0:0", "--sandbox"], &[])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("NETSUITE_MCP_HTTP_TOKEN")
            && stderr.contains("openssl rand")
            && stderr.contains("127.0.0.1"),
        "{stderr}"
    );
    assert!(!stderr.contains("serving MCP at"), "{stderr}");

    let short = command(
        &["--http", "0.0.0.0:0", "--sandbox"],
        &[("NETSUITE_MCP_HTTP_TOKEN", "short")],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(short.status.code(), Some(2));
    assert!(
        !String::from_utf8_lossy(&short.stderr).contains("short\""),
        "the token is not echoed"
    );

    let stateless_alone = command(&["--stateless"], &[]).output().await.unwrap();
    assert_eq!(
        stateless_alone.status.code(),
        Some(2),
        "--stateless needs --http"
    );
}
