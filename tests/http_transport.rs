//! The streamable HTTP transport over real sockets on 127.0.0.1:0, with a small test-only MCP server: rmcp's
//! client with both lifecycles, bearer auth, Host/Origin checks, body limit, deadline, /healthz, stateless
//! scale-out behind a round-robin proxy, and graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::request::Parts;
use netsuite_mcp::transport::http::{BearerToken, HttpError, HttpOptions, HttpServer};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{
    ClientLifecycleMode, ClientServiceExt, RoleClient, ServerHandler, ServiceExt, schemars, tool,
    tool_handler, tool_router,
};
use secrecy::SecretString;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

const TOKEN: &str = "test-token-7f3a9c2e5b8d1f4a6c0e";
const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

// ---------------------------------------------------------------------------------------------------------
// A tiny MCP server for the transport tests.

#[derive(Clone)]
struct TestServer {
    name: String,
    slow_started: Arc<Notify>,
    tool_router: ToolRouter<Self>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    /// Text to send back.
    text: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct SlowArgs {
    /// How long to wait before answering.
    millis: u64,
}

#[tool_router]
impl TestServer {
    fn new(name: &str, slow_started: Arc<Notify>) -> Self {
        Self {
            name: name.to_owned(),
            slow_started,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Send the text back")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }

    #[tool(description = "Name of the server instance that answered")]
    fn whoami(&self) -> String {
        self.name.clone()
    }

    #[tool(description = "Wait, then answer")]
    async fn slow(&self, Parameters(SlowArgs { millis }): Parameters<SlowArgs>) -> String {
        self.slow_started.notify_one();
        tokio::time::sleep(Duration::from_millis(millis)).await;
        format!("done after {millis} ms")
    }

    #[tool(
        description = "Whether the HTTP request that reached the server carried an Authorization header"
    )]
    fn saw_authorization(&self, Extension(parts): Extension<Parts>) -> String {
        if parts.headers.contains_key("authorization") {
            "present"
        } else {
            "absent"
        }
        .to_owned()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for TestServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

struct Running {
    addr: std::net::SocketAddr,
    slow_started: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), HttpError>>,
}

impl Running {
    fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn shutdown(mut self) -> Result<(), HttpError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("shutdown is bounded")
            .unwrap()
    }
}

fn options() -> HttpOptions {
    let mut o = HttpOptions::new("127.0.0.1:0".parse().unwrap());
    o.bearer = Some(BearerToken::new(&SecretString::from(TOKEN.to_owned())));
    o
}

async fn start(name: &str, options: HttpOptions) -> Running {
    let slow_started = Arc::new(Notify::new());
    let server = TestServer::new(name, slow_started.clone());
    let http = HttpServer::bind(move || Ok(server.clone()), options)
        .await
        .unwrap();
    let addr = http.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(http.run(async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        slow_started,
        stop: Some(stop),
        task,
    }
}

fn transport(url: &str, token: Option<&str>) -> StreamableHttpClientTransport<reqwest::Client> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token);
    }
    StreamableHttpClientTransport::from_config(config)
}

async fn connect(url: &str, lifecycle: ClientLifecycleMode) -> RunningService<RoleClient, ()> {
    ().serve_with_lifecycle(transport(url, Some(TOKEN)), lifecycle)
        .await
        .expect("client connects")
}

fn discover() -> ClientLifecycleMode {
    ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    }
}

async fn call_text(
    client: &RunningService<RoleClient, ()>,
    name: &str,
    args: serde_json::Value,
) -> String {
    let params = CallToolRequestParams::new(name.to_owned())
        .with_arguments(args.as_object().cloned().unwrap_or_default());
    let result = client.call_tool(params).await.expect("tool call succeeds");
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result.content[0]
        .as_text()
        .expect("text content")
        .text
        .clone()
}

fn post(url: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
}

// ---------------------------------------------------------------------------------------------------------
// Tests.

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

/// Sends raw HTTP/1.1 and returns the status line.
async fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
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
