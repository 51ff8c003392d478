//! The streamable HTTP transport's test harness, shared by `tests/http_security.rs` and
//! `tests/http_lifecycle.rs`: a small test-only MCP server served by [`HttpServer`] on 127.0.0.1:0, and the
//! client-side helpers (rmcp's client with the bearer token, raw reqwest posts, raw HTTP/1.1 bytes).
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::Arc;
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
    ClientLifecycleMode, ClientServiceExt, RoleClient, ServerHandler, schemars, tool, tool_handler,
    tool_router,
};
use secrecy::SecretString;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

pub const TOKEN: &str = "test-token-7f3a9c2e5b8d1f4a6c0e";
pub const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

// ---------------------------------------------------------------------------------------------------------
// A tiny MCP server for the transport tests.

#[derive(Clone)]
pub struct TestServer {
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
    pub fn new(name: &str, slow_started: Arc<Notify>) -> Self {
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

pub struct Running {
    pub addr: std::net::SocketAddr,
    pub slow_started: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), HttpError>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn shutdown(mut self) -> Result<(), HttpError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("shutdown is bounded")
            .unwrap()
    }
}

pub fn options() -> HttpOptions {
    let mut o = HttpOptions::new("127.0.0.1:0".parse().unwrap());
    o.bearer = Some(BearerToken::new(&SecretString::from(TOKEN.to_owned())));
    o
}

pub async fn start(name: &str, options: HttpOptions) -> Running {
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

pub fn transport(url: &str, token: Option<&str>) -> StreamableHttpClientTransport<reqwest::Client> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token);
    }
    StreamableHttpClientTransport::from_config(config)
}

pub async fn connect(url: &str, lifecycle: ClientLifecycleMode) -> RunningService<RoleClient, ()> {
    ().serve_with_lifecycle(transport(url, Some(TOKEN)), lifecycle)
        .await
        .expect("client connects")
}

pub fn discover() -> ClientLifecycleMode {
    ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    }
}

pub async fn call_text(
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

pub fn post(url: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
}

/// Sends raw HTTP/1.1 and returns the status line.
pub async fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> String {
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
