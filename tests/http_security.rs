//! The streamable HTTP transport's defences, over real sockets on 127.0.0.1:0 with the test-only MCP server of
//! `http_support`: bearer auth, Host and Origin checks, the body limit, /healthz and unknown paths, hostile
//! requests, slow headers, and the no-token rule for non-loopback addresses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod http_support;

use std::sync::Arc;
use std::time::Duration;

use http_support::*;
use netsuite_mcp::transport::http::{HttpOptions, HttpServer};
use rmcp::{ClientLifecycleMode, ServiceExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

#[tokio::test]
async fn the_client_bearer_token_never_reaches_the_server() {
    let server = start("one", options()).await;
    let client = connect(&server.url(), ClientLifecycleMode::Initialize).await;
    assert_eq!(
        call_text(&client, "saw_authorization", serde_json::json!({})).await,
        "absent"
    );
    client.cancel().await.unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn missing_or_wrong_token_gets_401_with_a_bearer_challenge() {
    let server = start("one", options()).await;
    let cases: [(Option<&str>, bool); 6] = [
        (None, false),
        (Some("Bearer wrong-token-0000000000000000"), true),
        (Some(&format!("Bearer {TOKEN}x")), true),
        (Some(&format!("Basic {TOKEN}")), true),
        (Some("Bearer"), true),
        (Some(TOKEN), true),
    ];
    for (authorization, invalid) in cases {
        let mut request = post(&server.url()).body(INIT);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{authorization:?}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert_eq!(challenge.contains("invalid_token"), invalid, "{challenge}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains(TOKEN),
            "the token must not be echoed: {body}"
        );
    }
    // Two Authorization headers, one of them right, are refused too.
    let response = post(&server.url())
        .body(INIT)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("authorization", "Bearer other")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // The right token, with any case of the scheme, is accepted.
    let response = post(&server.url())
        .body(INIT)
        .header("authorization", format!("bEaReR {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // rmcp's client with a wrong token does not get a session.
    let refused = ().serve(transport(&server.url(), Some("wrong-token-000000000000"))).await;
    assert!(refused.is_err());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_foreign_host_gets_403_before_authentication() {
    let server = start("one", options()).await;
    for (host, token) in [
        ("evil.example.com", Some(TOKEN)),
        ("evil.example.com", None),
        ("localhost.evil.example.com:80", Some(TOKEN)),
        ("127.0.0.1.nip.io", Some(TOKEN)),
    ] {
        let mut request = post(&server.url()).header("host", host).body(INIT);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{host}");
    }
    // An absolute-form request target naming a foreign host is refused even with an allowed Host header.
    let head = format!(
        "POST http://evil.example.com/mcp HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{INIT}",
        server.addr,
        INIT.len()
    );
    let status = raw_status(server.addr, head.as_bytes()).await;
    assert!(status.contains(" 403 "), "{status}");
    // The loopback names are accepted, with any port.
    for host in [
        "localhost:1",
        "LOCALHOST",
        "[::1]:8080",
        &server.addr.to_string(),
    ] {
        let response = post(&server.url())
            .header("host", host)
            .bearer_auth(TOKEN)
            .body(INIT)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{host}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn names_added_to_the_allowed_hosts_are_accepted() {
    let mut o = options();
    o.allowed_hosts.push("mcp.example.com".into());
    o.allowed_hosts.push("pinned.example.com:8443".into());
    let server = start("one", o).await;
    for (host, status) in [
        ("mcp.example.com", 200),
        ("MCP.example.com:443", 200),
        ("pinned.example.com:8443", 200),
        ("pinned.example.com:8080", 403),
        ("other.example.com", 403),
    ] {
        let response = post(&server.url())
            .header("host", host)
            .bearer_auth(TOKEN)
            .body(INIT)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{host}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_foreign_origin_gets_403_and_allowed_origins_pass() {
    let mut o = options();
    o.allowed_origins.push("https://app.example.com".into());
    let server = start("one", o).await;
    for (origin, status) in [
        ("http://evil.example.com", 403),
        ("https://evil.example.com:443", 403),
        ("null", 403),
        ("not an origin", 403),
        ("https://app.example.com:8443", 403),
        ("http://app.example.com", 403),
        ("https://app.example.com", 200),
        ("http://localhost:6274", 200),
        ("http://127.0.0.1:9999", 200),
    ] {
        let response = post(&server.url())
            .header("origin", origin)
            .bearer_auth(TOKEN)
            .body(INIT)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{origin}");
    }
    // A forbidden origin is refused even without credentials (403 comes before 401).
    let response = post(&server.url())
        .header("origin", "http://evil.example.com")
        .body(INIT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_oversize_body_is_refused_with_413_whether_announced_or_chunked() {
    let mut o = options();
    o.max_body_bytes = 4096;
    let server = start("one", o).await;
    let padding = "x".repeat(8192);
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-06-18","capabilities":{{}},"clientInfo":{{"name":"{padding}","version":"1"}}}}}}"#
    );
    let response = post(&server.url())
        .bearer_auth(TOKEN)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr
    );
    let mut raw = head.into_bytes();
    for chunk in big.as_bytes().chunks(1000) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let status = raw_status(server.addr, &raw).await;
    assert!(status.contains(" 413 "), "{status}");
    // A body under the limit still works.
    let response = post(&server.url())
        .bearer_auth(TOKEN)
        .body(INIT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn healthz_answers_without_token_or_host_check_and_other_paths_are_404() {
    let server = start("one", options()).await;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{}/healthz", server.base()))
        .header("host", "10.0.0.7:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
    for path in [
        "/",
        "/mcp/",
        "/.well-known/oauth-protected-resource",
        "/oauth/token",
    ] {
        let response = client
            .get(format!("{}{path}", server.base()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn hostile_requests_get_4xx_and_the_server_keeps_serving() {
    let server = start("one", options()).await;
    let garbage: [&[u8]; 5] = [
        b"{not json",
        b"[]",
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}",
        b"\xff\xfe\x00",
        b"{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"initialize\"}",
    ];
    for body in garbage {
        let response = post(&server.url())
            .bearer_auth(TOKEN)
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{:?} -> {}",
            String::from_utf8_lossy(body),
            response.status()
        );
    }
    let status = raw_status(
        server.addr,
        b"POST /mcp HTTP/1.1\r\nHost: \xff\xfe\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert!(
        status.contains(" 400 ") || status.contains(" 403 "),
        "{status}"
    );
    let status = raw_status(
        server.addr,
        format!("POST /mcp HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \x01{TOKEN}\r\nContent-Length: 0\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert!(
        status.contains(" 400 ") || status.contains(" 401 "),
        "{status}"
    );
    let client = connect(&server.url(), ClientLifecycleMode::Initialize).await;
    assert_eq!(
        call_text(&client, "echo", serde_json::json!({"text": "still here"})).await,
        "still here"
    );
    client.cancel().await.unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_client_that_sends_headers_too_slowly_is_disconnected() {
    let mut o = options();
    o.header_read_timeout = Duration::from_millis(300);
    let server = start("one", o).await;
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 1024];
    let outcome = tokio::time::timeout(Duration::from_secs(10), slow.read(&mut buf))
        .await
        .expect("the server closes the connection instead of waiting forever");
    if let Ok(n) = outcome {
        let answer = String::from_utf8_lossy(&buf[..n]);
        assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    // Others are still served.
    let response = post(&server.url())
        .bearer_auth(TOKEN)
        .body(INIT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_token_loopback_serves_and_other_addresses_are_refused() {
    let server = start("one", HttpOptions::new("127.0.0.1:0".parse().unwrap())).await;
    let client =
        ().serve(transport(&server.url(), None))
            .await
            .expect("no token needed on loopback");
    assert_eq!(
        call_text(&client, "whoami", serde_json::json!({})).await,
        "one"
    );
    client.cancel().await.unwrap();
    server.shutdown().await.unwrap();

    let refused = HttpServer::bind(
        || Ok(TestServer::new("x", Arc::new(Notify::new()))),
        HttpOptions::new("0.0.0.0:0".parse().unwrap()),
    )
    .await;
    let err = refused.err().expect("refused").to_string();
    assert!(err.contains("NETSUITE_MCP_HTTP_TOKEN"), "{err}");
}
