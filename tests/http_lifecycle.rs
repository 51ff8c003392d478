//! The streamable HTTP transport's lifecycle, over real sockets on 127.0.0.1:0 with the test-only MCP server of
//! `http_support`: rmcp's client with both lifecycles, sessions ended by DELETE, stateless scale-out behind a
//! round-robin proxy, graceful and bounded shutdown, and the request deadline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod http_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_support::*;
use rmcp::ClientLifecycleMode;
use rmcp::model::CallToolRequestParams;

#[tokio::test]
async fn rmcp_client_lists_and_calls_tools_with_the_token_in_both_lifecycles() {
    for stateless in [false, true] {
        let mut o = options();
        o.stateless = stateless;
        let server = start("one", o).await;
        for lifecycle in [ClientLifecycleMode::Initialize, discover()] {
            let client = connect(&server.url(), lifecycle.clone()).await;
            let tools = client.list_all_tools().await.unwrap();
            let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
            names.sort();
            assert_eq!(
                names,
                ["echo", "saw_authorization", "slow", "whoami"],
                "stateless={stateless}"
            );
            let text = call_text(&client, "echo", serde_json::json!({"text": "héllo"})).await;
            assert_eq!(
                text, "héllo",
                "stateless={stateless} lifecycle={lifecycle:?}"
            );
            client.cancel().await.unwrap();
        }
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn delete_ends_the_session_with_204() {
    let server = start("one", options()).await;
    let response = post(&server.url())
        .bearer_auth(TOKEN)
        .body(INIT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let delete = |token: &str| {
        reqwest::Client::new()
            .delete(server.url())
            .bearer_auth(token)
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-06-18")
            .send()
    };
    assert_eq!(
        delete("wrong-token-0000000000000000")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(delete(TOKEN).await.unwrap().status(), 204);
    let after = post(&server.url())
        .bearer_auth(TOKEN)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .body(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 404, "the session is gone");
    server.shutdown().await.unwrap();
}

/// A round-robin reverse proxy: request n goes to backend n % 2.
async fn round_robin_proxy(backends: [String; 2]) -> (String, Arc<AtomicUsize>) {
    let counter = Arc::new(AtomicUsize::new(0));
    let next = counter.clone();
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let http = http.clone();
        let backend = backends[next.fetch_add(1, Ordering::SeqCst) % 2].clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut upstream = http.request(parts.method, format!("{backend}{}", parts.uri.path()));
            for (name, value) in &parts.headers {
                if name != "host" && name != "content-length" {
                    upstream = upstream.header(name, value);
                }
            }
            let response = upstream.body(body).send().await.unwrap();
            let mut builder = axum::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                if name != "content-length" && name != "transfer-encoding" {
                    builder = builder.header(name, value);
                }
            }
            builder
                .body(axum::body::Body::from(response.bytes().await.unwrap()))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/mcp"), counter)
}

#[tokio::test]
async fn stateless_instances_behind_a_round_robin_proxy_serve_one_client_alternately() {
    let mut o = options();
    o.stateless = true;
    let a = start("instance-a", o.clone()).await;
    let b = start("instance-b", o).await;
    let (url, forwarded) = round_robin_proxy([a.base(), b.base()]).await;
    for lifecycle in [ClientLifecycleMode::Initialize, discover()] {
        let client = connect(&url, lifecycle.clone()).await;
        let mut answered = Vec::new();
        for _ in 0..6 {
            answered.push(call_text(&client, "whoami", serde_json::json!({})).await);
        }
        assert!(
            answered.iter().any(|n| n == "instance-a"),
            "{lifecycle:?}: {answered:?}"
        );
        assert!(
            answered.iter().any(|n| n == "instance-b"),
            "{lifecycle:?}: {answered:?}"
        );
        assert_eq!(client.list_all_tools().await.unwrap().len(), 4);
        client.cancel().await.unwrap();
    }
    assert!(forwarded.load(Ordering::SeqCst) >= 12);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_lets_the_call_in_flight_finish_then_stops_accepting() {
    for stateless in [false, true] {
        let mut o = options();
        o.stateless = stateless;
        let server = start("one", o).await;
        let client = connect(&server.url(), ClientLifecycleMode::Initialize).await;
        let started = server.slow_started.clone();
        let started = started.notified();
        let call = tokio::spawn(async move {
            let result = call_text(&client, "slow", serde_json::json!({"millis": 1500})).await;
            let _ = client.cancel().await;
            result
        });
        started.await;
        let addr = server.addr;
        server.shutdown().await.expect("clean exit");
        assert_eq!(
            call.await.unwrap(),
            "done after 1500 ms",
            "stateless={stateless}"
        );
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "no longer accepting"
        );
    }
}

#[tokio::test]
async fn shutdown_is_bounded_when_a_call_outlives_the_grace_period() {
    let mut o = options();
    o.shutdown_grace = Duration::from_millis(300);
    let server = start("one", o).await;
    let client = connect(&server.url(), ClientLifecycleMode::Initialize).await;
    let started = server.slow_started.clone();
    let started = started.notified();
    let call = tokio::spawn(async move {
        let params = CallToolRequestParams::new("slow").with_arguments(
            serde_json::json!({"millis": 60_000})
                .as_object()
                .cloned()
                .unwrap(),
        );
        client.call_tool(params).await
    });
    started.await;
    server
        .shutdown()
        .await
        .expect("clean exit even with a call cut short");
    let outcome = tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("the client is not left hanging");
    assert!(outcome.unwrap().is_err());
}

#[tokio::test]
async fn a_request_past_its_deadline_fails_instead_of_hanging() {
    for stateless in [false, true] {
        let mut o = options();
        o.stateless = stateless;
        o.request_timeout = Duration::from_millis(500);
        let server = start("one", o).await;
        let client = connect(&server.url(), ClientLifecycleMode::Initialize).await;
        let params = CallToolRequestParams::new("slow").with_arguments(
            serde_json::json!({"millis": 60_000})
                .as_object()
                .cloned()
                .unwrap(),
        );
        let outcome = tokio::time::timeout(Duration::from_secs(30), client.call_tool(params))
            .await
            .expect("the deadline ends the call");
        assert!(outcome.is_err(), "stateless={stateless}: {outcome:?}");
        drop(client);
        server.shutdown().await.unwrap();
    }
}
