//! MCP over streamable HTTP (design.md §1.1, §2): rmcp's `StreamableHttpService` at [`MCP_PATH`] in axum, plus
//! an unauthenticated [`HEALTH_PATH`] for load balancers.
//!
//! Every request to `/mcp` passes, in this order: the Host allow-list (DNS rebinding), the Origin allow-list
//! (when an `Origin` header is present), the bearer token (constant-time), then a body-size limit and a
//! per-request deadline. Violations get 403, 401 (`WWW-Authenticate: Bearer`), 413 and 504. The inbound
//! `Authorization` header is removed before the request reaches the MCP server, so no tool can see or forward
//! it; the NetSuite access token lives in the server's own token cache and never crosses this transport.
//!
//! The transport is generic over the [`ServerHandler`]: governance (read-only, toolsets, allow-lists) is fixed
//! when the server value is built from the configuration, and every session or stateless request gets a clone
//! of it from the factory; nothing in a request can widen it.

use std::fmt;
use std::future::Future;
use std::net::{Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body::{Frame, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::config::{HttpConfig, Key, SettingError};

/// Path of the MCP endpoint.
pub const MCP_PATH: &str = "/mcp";
/// Path of the health check: no authentication, no NetSuite call.
pub const HEALTH_PATH: &str = "/healthz";
/// Largest request body accepted by default. Tool arguments are small; 1 MiB leaves room for big record values.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default deadline of one HTTP request, from its arrival to the end of its response.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Default time calls in flight get to finish after SIGINT/SIGTERM.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// After the grace period and the cancellation of sessions: how long connections get to close.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// Default time a client gets to send the headers of a request.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a failed `accept` (e.g. no file descriptors left).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Host names always accepted: the loopback ones.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// Realm announced in `WWW-Authenticate`.
const REALM: &str = "netsuite-mcp";

/// The bearer token clients must present. Only its SHA-256 digest is kept, and it is compared in constant time
/// against the digest of what the client sent (so neither the content nor the length of the token leaks through
/// timing). `Debug` shows nothing.
#[derive(Clone)]
pub struct BearerToken {
    digest: [u8; 32],
}

impl BearerToken {
    pub fn new(token: &SecretString) -> Self {
        Self {
            digest: sha256(token.expose_secret().as_bytes()),
        }
    }

    /// True when `presented` is the token.
    pub fn matches(&self, presented: &[u8]) -> bool {
        verify_slices_are_equal(&self.digest, &sha256(presented)).is_ok()
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, bytes).as_ref());
    out
}

/// How the HTTP transport runs.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Token clients must send as `Authorization: Bearer …`; `None` = no authentication (loopback only).
    pub bearer: Option<BearerToken>,
    /// Accepted `Host` values: `name` (any port) or `name:port`. The loopback names are always accepted.
    pub allowed_hosts: Vec<String>,
    /// Accepted browser origins besides those of the allowed hosts: `scheme://host[:port|:*]`, or `null`.
    pub allowed_origins: Vec<String>,
    /// No sessions, JSON responses: any instance behind a load balancer can answer any request.
    pub stateless: bool,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Deadline of one request (504, or the response stream is cut, beyond).
    pub request_timeout: Duration,
    /// Time calls in flight get to finish at shutdown.
    pub shutdown_grace: Duration,
    /// Time a client gets to send a request's headers; slower connections are closed (slow-loris).
    pub header_read_timeout: Duration,
}

impl HttpOptions {
    /// Defaults for `bind`: no token, loopback hosts (plus the bind address itself when it is a specific IP),
    /// stateful, the default limits.
    pub fn new(bind: SocketAddr) -> Self {
        let mut allowed_hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
        let ip = bind.ip();
        if !ip.is_unspecified() && !ip.is_loopback() {
            allowed_hosts.push(ip.to_string());
        }
        Self {
            bind,
            bearer: None,
            allowed_hosts,
            allowed_origins: Vec::new(),
            stateless: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }

    /// Options from the configuration, validated: host and origin entries that do not parse, and a
    /// non-loopback address without a token, are refused for their setting with the fix.
    pub fn from_config(
        bind: SocketAddr,
        stateless: bool,
        config: &HttpConfig,
    ) -> Result<Self, SettingError> {
        let mut options = Self::new(bind);
        options.stateless = stateless;
        options.bearer = config.bearer.as_ref().map(BearerToken::new);
        for host in &config.allowed_hosts {
            parse_allowed_host(host).map_err(|reason| SettingError {
                key: Key::AllowedHosts,
                reason,
            })?;
            if !options.allowed_hosts.contains(host) {
                options.allowed_hosts.push(host.clone());
            }
        }
        for origin in &config.allowed_origins {
            parse_allowed_origin(origin).map_err(|reason| SettingError {
                key: Key::AllowedOrigins,
                reason,
            })?;
            options.allowed_origins.push(origin.clone());
        }
        if let Some(timeout) = config.request_timeout {
            options.request_timeout = timeout;
        }
        if let Some(bytes) = config.max_body_bytes {
            options.max_body_bytes = bytes;
        }
        options.validate().map_err(|e| SettingError {
            key: Key::HttpToken,
            reason: e.to_string(),
        })?;
        Ok(options)
    }

    /// Refuses what would be unsafe or cannot work: a non-loopback address without a token, zero limits,
    /// malformed host or origin entries.
    pub fn validate(&self) -> Result<(), HttpError> {
        if self.bearer.is_none() && !self.bind.ip().is_loopback() {
            return Err(HttpError::TokenRequired { bind: self.bind });
        }
        if self.max_body_bytes == 0 {
            return Err(HttpError::Invalid(
                "the request body limit must be at least 1 byte".into(),
            ));
        }
        if self.request_timeout.is_zero() || self.header_read_timeout.is_zero() {
            return Err(HttpError::Invalid(
                "the request and header timeouts must be positive".into(),
            ));
        }
        for host in &self.allowed_hosts {
            parse_allowed_host(host).map_err(HttpError::Invalid)?;
        }
        for origin in &self.allowed_origins {
            parse_allowed_origin(origin).map_err(HttpError::Invalid)?;
        }
        Ok(())
    }
}

/// Failure of the HTTP transport.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(
        "refusing to serve MCP on {bind} without a bearer token: anyone who can reach that address could read and \
         write NetSuite. Set NETSUITE_MCP_HTTP_TOKEN (e.g. `export NETSUITE_MCP_HTTP_TOKEN=$(openssl rand -hex 32)`) \
         or NETSUITE_MCP_HTTP_TOKEN_FILE, and give the same token to your MCP clients; or bind to 127.0.0.1"
    )]
    TokenRequired { bind: SocketAddr },
    #[error("{0}")]
    Invalid(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// Binds, then serves until `shutdown` resolves; then drains (see [`HttpServer::run`]).
pub async fn serve_http<S, F>(
    factory: F,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpError>
where
    F: Fn() -> Result<S, std::io::Error> + Send + Sync + 'static,
    S: ServerHandler + Send + 'static,
{
    HttpServer::bind(factory, options)
        .await?
        .run(shutdown)
        .await
}

/// A bound, not yet running, HTTP transport (so callers can learn the port of `127.0.0.1:0`).
pub struct HttpServer {
    listener: TcpListener,
    addr: SocketAddr,
    app: Router,
    stages: Stages,
    grace: Duration,
    header_read_timeout: Duration,
}

/// The stages of a shutdown, shared by the server loop, the guard and `/healthz`.
#[derive(Clone, Default)]
struct Stages {
    /// Cancelled when shutdown starts: no new connections, `/healthz` answers 503.
    draining: CancellationToken,
    /// Cancelled when the grace period is over: requests still running are answered with an error.
    abort: CancellationToken,
    /// Cancelled last: ends MCP sessions and open SSE streams.
    sessions: CancellationToken,
    /// POST requests whose response is not yet complete.
    inflight: InFlight,
}

impl HttpServer {
    /// Validates `options`, builds the routes and binds the listener.
    pub async fn bind<S, F>(factory: F, options: HttpOptions) -> Result<Self, HttpError>
    where
        F: Fn() -> Result<S, std::io::Error> + Send + Sync + 'static,
        S: ServerHandler + Send + 'static,
    {
        options.validate()?;
        let stages = Stages::default();
        let app = router(factory, &options, stages.clone())?;
        let listener = TcpListener::bind(options.bind)
            .await
            .map_err(|source| HttpError::Bind {
                addr: options.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| HttpError::Bind {
            addr: options.bind,
            source,
        })?;
        Ok(Self {
            listener,
            addr,
            app,
            stages,
            grace: options.shutdown_grace,
            header_read_timeout: options.header_read_timeout,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` resolves, then: stops accepting connections, lets requests in flight finish for
    /// up to the grace period, cancels what is left (sessions, SSE streams) and returns `Ok`.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), HttpError> {
        let HttpServer {
            listener,
            addr,
            app,
            stages,
            grace,
            header_read_timeout,
        } = self;
        tracing::info!(%addr, path = MCP_PATH, "serving MCP over HTTP");
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            while connections.try_join_next().is_some() {}
            let stream = tokio::select! {
                biased;
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                },
            };
            connections.spawn(serve_connection(
                stream,
                app.clone(),
                header_read_timeout,
                stages.draining.clone(),
            ));
        }
        drop(listener);
        let inflight = &stages.inflight;
        tracing::info!(
            in_flight = inflight.count(),
            "shutting down: no new connections, waiting for requests in flight"
        );
        stages.draining.cancel();
        if tokio::time::timeout(grace, inflight.idle()).await.is_err() {
            tracing::warn!(
                in_flight = inflight.count(),
                grace_secs = grace.as_secs(),
                "grace period over; answering the requests still running with an error"
            );
            stages.abort.cancel();
            // Let the error answers reach their clients before the sessions go.
            let _ = tokio::time::timeout(CLOSE_GRACE, inflight.idle()).await;
        }
        stages.sessions.cancel();
        let closed = tokio::time::timeout(CLOSE_GRACE, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if closed.is_err() {
            tracing::warn!(
                connections = connections.len(),
                "connections still open; closing them"
            );
            connections.shutdown().await;
        }
        tracing::info!("HTTP server stopped");
        Ok(())
    }
}

/// Serves one connection (HTTP/1.1) until it closes; when shutdown starts, finishes the request in progress
/// and closes. Headers must arrive within `header_read_timeout` (slow-loris clients are dropped).
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    header_read_timeout: Duration,
    draining: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let service = TowerToHyperService::new(app);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = draining.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// The axum app: `/mcp` behind the guard, `/healthz` open.
fn router<S, F>(factory: F, options: &HttpOptions, stages: Stages) -> Result<Router, HttpError>
where
    F: Fn() -> Result<S, std::io::Error> + Send + Sync + 'static,
    S: ServerHandler + Send + 'static,
{
    let hosts = options
        .allowed_hosts
        .iter()
        .map(|h| parse_allowed_host(h))
        .collect::<Result<Vec<_>, _>>()
        .map_err(HttpError::Invalid)?;
    let mut origins: Vec<AllowedOrigin> = hosts.iter().flat_map(AllowedOrigin::for_host).collect();
    for origin in &options.allowed_origins {
        let origin = parse_allowed_origin(origin).map_err(HttpError::Invalid)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    // rmcp checks Host and Origin again with the same lists (defence in depth); our guard runs first so that a
    // forbidden Host or Origin is answered 403 before authentication is even considered.
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts.iter().map(AllowedHost::to_rmcp))
        .with_allowed_origins(origins.iter().map(AllowedOrigin::to_rmcp))
        .enforce_origin_validation()
        .with_max_request_body_bytes(options.max_body_bytes)
        .with_cancellation_token(stages.sessions.child_token());
    if options.stateless {
        config = config
            .with_legacy_session_mode(false)
            .with_json_response(true);
    }
    let mcp = StreamableHttpService::new(factory, Arc::new(LocalSessionManager::default()), config);
    let guard = Arc::new(Guard {
        bearer: options.bearer.clone(),
        hosts,
        origins,
        max_body_bytes: options.max_body_bytes,
        request_timeout: options.request_timeout,
        inflight: stages.inflight,
        abort: stages.abort,
    });
    let draining = stages.draining;
    let health = get(move || {
        let draining = draining.clone();
        async move { health(&draining) }
    });
    Ok(Router::new()
        .route_service(MCP_PATH, mcp)
        .route_layer(middleware::from_fn_with_state(guard, guard_mcp))
        .route(HEALTH_PATH, health))
}

fn health(draining: &CancellationToken) -> Response {
    let (status, body) = if draining.is_cancelled() {
        (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"draining"}"#)
    } else {
        (StatusCode::OK, r#"{"status":"ok"}"#)
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

struct Guard {
    bearer: Option<BearerToken>,
    hosts: Vec<AllowedHost>,
    origins: Vec<AllowedOrigin>,
    max_body_bytes: usize,
    request_timeout: Duration,
    inflight: InFlight,
    /// Cancelled when shutdown stops waiting: requests still running are answered with an error.
    abort: CancellationToken,
}

async fn guard_mcp(State(guard): State<Arc<Guard>>, mut request: Request, next: Next) -> Response {
    if let Err(refusal) = guard.check_host(request.uri(), request.headers()) {
        return refusal.into_response();
    }
    if let Err(refusal) = guard.check_origin(request.headers()) {
        return refusal.into_response();
    }
    if let Err(refusal) = guard.check_bearer(request.headers()) {
        return refusal.into_response();
    }
    // No token passthrough: the server (and every tool) never sees the client's credentials.
    request.headers_mut().remove(header::AUTHORIZATION);
    if request.method() != Method::POST {
        // GET opens the long-lived SSE stream of a session; DELETE ends a session. No deadline for those.
        let delete = request.method() == Method::DELETE;
        let mut response = next.run(request).await;
        if delete && response.status() == StatusCode::ACCEPTED {
            // rmcp has closed the session by now. Say so: the MCP Python SDK takes anything but 200/204 for a
            // failed termination.
            *response.status_mut() = StatusCode::NO_CONTENT;
        }
        return response;
    }
    if let Some(length) = content_length(request.headers())
        && length > guard.max_body_bytes as u64
    {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Payload Too Large: the limit is {} bytes",
                guard.max_body_bytes
            ),
        );
    }
    let in_flight = guard.inflight.enter();
    let limit = guard.request_timeout;
    let deadline = tokio::time::Instant::now() + limit;
    // Read the (bounded) body first: it tells which JSON-RPC request a deadline or a forced shutdown must answer.
    let (parts, body) = request.into_parts();
    let bytes =
        match tokio::time::timeout_at(deadline, axum::body::to_bytes(body, guard.max_body_bytes))
            .await
        {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => {
                return plain(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "Payload Too Large: the limit is {} bytes",
                        guard.max_body_bytes
                    ),
                );
            }
            Err(_) => return plain(StatusCode::REQUEST_TIMEOUT, "Request Timeout"),
        };
    let request_id = jsonrpc_request_id(&bytes);
    let request = Request::from_parts(parts, Body::from(bytes));
    let ending = tokio::select! {
        response = next.run(request) => {
            let sse = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            return response.map(|body| {
                Body::new(DeadlineBody {
                    inner: body,
                    deadline: Box::pin(tokio::time::sleep_until(deadline)),
                    abort: Box::pin(guard.abort.clone().cancelled_owned()),
                    limit,
                    request_id: if sse { request_id } else { None },
                    done: false,
                    _in_flight: in_flight,
                })
            });
        }
        () = tokio::time::sleep_until(deadline) => Ending::Deadline(limit),
        () = guard.abort.cancelled() => Ending::Shutdown,
    };
    ending.log();
    match request_id {
        Some(id) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            ending.jsonrpc_error(&id),
        )
            .into_response(),
        None => plain(ending.status(), ending.message()),
    }
}

/// Why a request was ended before its response was complete.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Deadline(Duration),
    Shutdown,
}

impl Ending {
    fn message(self) -> String {
        match self {
            Ending::Deadline(limit) => format!(
                "the request took longer than {} s (NETSUITE_MCP_HTTP_REQUEST_TIMEOUT) and was abandoned",
                limit.as_secs()
            ),
            Ending::Shutdown => {
                "the server is shutting down and could not finish the request; retry it".to_owned()
            }
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Ending::Deadline(_) => StatusCode::GATEWAY_TIMEOUT,
            Ending::Shutdown => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn log(self) {
        match self {
            Ending::Deadline(limit) => tracing::warn!(
                timeout_secs = limit.as_secs(),
                "MCP request exceeded its deadline"
            ),
            Ending::Shutdown => tracing::warn!("MCP request cut short by shutdown"),
        }
    }

    /// A JSON-RPC error response for request `id` (-32603, internal error).
    fn jsonrpc_error(self, id: &serde_json::Value) -> String {
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": -32603, "message": self.message()},
        })
        .to_string()
    }
}

/// The id of a single JSON-RPC request (not of a notification or a response).
fn jsonrpc_request_id(body: &[u8]) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    object.get("method")?.as_str()?;
    match object.get("id")? {
        id @ (serde_json::Value::String(_) | serde_json::Value::Number(_)) => Some(id.clone()),
        _ => None,
    }
}

impl Guard {
    fn check_host(&self, uri: &Uri, headers: &HeaderMap) -> Result<(), Refusal> {
        let mut values = headers.get_all(header::HOST).iter();
        let authority = match (values.next(), values.next()) {
            (Some(value), None) => value.to_str().ok().map(str::to_owned),
            (None, _) => uri.authority().map(|a| a.as_str().to_owned()),
            (Some(_), Some(_)) => None,
        };
        let is_allowed = |value: &str| {
            parse_request_host(value)
                .is_some_and(|host| self.hosts.iter().any(|a| a.matches(&host)))
        };
        // An absolute-form request target (`POST http://name/mcp`) names a host too: both must be allowed.
        let target_allowed = uri.authority().is_none_or(|a| is_allowed(a.as_str()));
        let allowed = target_allowed && authority.as_deref().is_some_and(is_allowed);
        if allowed {
            return Ok(());
        }
        tracing::warn!(
            host = ?authority,
            "rejected an MCP request whose Host is not allowed (possible DNS rebinding); \
             add the name to NETSUITE_MCP_ALLOWED_HOSTS if it is yours"
        );
        Err(Refusal::Host)
    }

    fn check_origin(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let mut values = headers.get_all(header::ORIGIN).iter();
        let origin = match (values.next(), values.next()) {
            (None, _) => return Ok(()),
            (Some(value), None) => value.to_str().ok(),
            (Some(_), Some(_)) => None,
        };
        let allowed = origin
            .and_then(parse_request_origin)
            .is_some_and(|o| self.origins.iter().any(|a| a.matches(&o)));
        if allowed {
            return Ok(());
        }
        tracing::warn!(
            ?origin,
            "rejected an MCP request from a browser origin that is not allowed; \
             add it to NETSUITE_MCP_ALLOWED_ORIGINS if it is yours"
        );
        Err(Refusal::Origin)
    }

    fn check_bearer(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Some(expected) = &self.bearer else {
            return Ok(());
        };
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let presented = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(value), None) => Some(bearer_credentials(value)),
            (Some(_), Some(_)) => Some(None),
        };
        match presented {
            Some(Some(token)) if expected.matches(token) => Ok(()),
            None => {
                tracing::info!("rejected an MCP request without credentials");
                Err(Refusal::NoCredentials)
            }
            Some(_) => {
                tracing::warn!("rejected an MCP request with a wrong bearer token");
                Err(Refusal::InvalidToken)
            }
        }
    }
}

/// The token of `Bearer <token>` (scheme case-insensitive), as bytes; `None` for anything else.
fn bearer_credentials(value: &HeaderValue) -> Option<&[u8]> {
    let bytes = value.as_bytes();
    let space = bytes.iter().position(|b| *b == b' ')?;
    let (scheme, rest) = bytes.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// Why the guard refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Host,
    Origin,
    NoCredentials,
    InvalidToken,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Host => plain(
                StatusCode::FORBIDDEN,
                "Forbidden: Host header is not allowed",
            ),
            Refusal::Origin => plain(
                StatusCode::FORBIDDEN,
                "Forbidden: Origin header is not allowed",
            ),
            Refusal::NoCredentials => unauthorized(None),
            Refusal::InvalidToken => unauthorized(Some("invalid_token")),
        }
    }
}

fn unauthorized(error: Option<&str>) -> Response {
    let challenge = match error {
        Some(error) => format!("Bearer realm=\"{REALM}\", error=\"{error}\""),
        None => format!("Bearer realm=\"{REALM}\""),
    };
    let mut response = plain(
        StatusCode::UNAUTHORIZED,
        "Unauthorized: send the server's token as `Authorization: Bearer <token>`",
    );
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn plain(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into(),
    )
        .into_response()
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A request's host: lower case, without brackets, with its port if it had one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RequestHost {
    host: String,
    port: Option<u16>,
}

fn parse_request_host(value: &str) -> Option<RequestHost> {
    if value.contains('@') {
        return None;
    }
    let authority: axum::http::uri::Authority = value.trim().parse().ok()?;
    Some(RequestHost {
        host: normalize_host(authority.host()),
        port: authority.port_u16(),
    })
}

fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// An allowed `Host`: a name, optionally with the one port it is accepted on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    fn matches(&self, request: &RequestHost) -> bool {
        self.host == request.host && self.port.is_none_or(|p| request.port == Some(p))
    }

    /// The form rmcp's `allowed_hosts` understands.
    fn to_rmcp(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", bracket(&self.host)),
            None => self.host.clone(),
        }
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

fn parse_allowed_host(entry: &str) -> Result<AllowedHost, String> {
    let entry = entry.trim();
    let bad = || {
        format!(
            "{entry:?} is not a host name or host:port (write e.g. mcp.example.com or mcp.example.com:8443, \
             without scheme or path)"
        )
    };
    if let Ok(ip) = entry.parse::<Ipv6Addr>() {
        return Ok(AllowedHost {
            host: ip.to_string(),
            port: None,
        });
    }
    if entry.is_empty() || entry.contains('@') || entry.contains('/') || entry.contains('*') {
        return Err(bad());
    }
    let request = parse_request_host(entry).ok_or_else(bad)?;
    if request.host.is_empty() {
        return Err(bad());
    }
    Ok(AllowedHost {
        host: request.host,
        port: request.port,
    })
}

/// A request's `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RequestOrigin {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: u16,
    },
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn parse_request_origin(value: &str) -> Option<RequestOrigin> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("null") {
        return Some(RequestOrigin::Null);
    }
    let uri: Uri = value.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?;
    if authority.as_str().contains('@') || !matches!(uri.path(), "" | "/") || uri.query().is_some()
    {
        return None;
    }
    let port = authority.port_u16().or_else(|| default_port(&scheme))?;
    Some(RequestOrigin::Tuple {
        scheme,
        host: normalize_host(authority.host()),
        port,
    })
}

/// An allowed origin: `null`, or scheme + host + one port or any port.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AllowedOrigin {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
}

impl AllowedOrigin {
    /// The origins of a page served from an allowed host: http and https, on that host's port (any port when the
    /// host entry has none).
    fn for_host(host: &AllowedHost) -> Vec<AllowedOrigin> {
        ["http", "https"]
            .into_iter()
            .map(|scheme| AllowedOrigin::Tuple {
                scheme: scheme.to_owned(),
                host: host.host.clone(),
                port: host.port,
            })
            .collect()
    }

    fn matches(&self, origin: &RequestOrigin) -> bool {
        match (self, origin) {
            (AllowedOrigin::Null, RequestOrigin::Null) => true,
            (
                AllowedOrigin::Tuple { scheme, host, port },
                RequestOrigin::Tuple {
                    scheme: o_scheme,
                    host: o_host,
                    port: o_port,
                },
            ) => scheme == o_scheme && host == o_host && port.is_none_or(|p| p == *o_port),
            _ => false,
        }
    }

    /// The form rmcp's `allowed_origins` understands (explicit port or `:*`).
    fn to_rmcp(&self) -> String {
        match self {
            AllowedOrigin::Null => "null".to_owned(),
            AllowedOrigin::Tuple { scheme, host, port } => match port {
                Some(port) => format!("{scheme}://{}:{port}", bracket(host)),
                None => format!("{scheme}://{}:*", bracket(host)),
            },
        }
    }
}

fn parse_allowed_origin(entry: &str) -> Result<AllowedOrigin, String> {
    let entry = entry.trim();
    let bad = || {
        format!(
            "{entry:?} is not an origin (write e.g. https://app.example.com, https://app.example.com:8443 or \
             http://localhost:*)"
        )
    };
    if entry.eq_ignore_ascii_case("null") {
        return Ok(AllowedOrigin::Null);
    }
    let (base, any_port) = match entry.strip_suffix(":*") {
        Some(base) => (base, true),
        None => (entry, false),
    };
    let uri: Uri = base.parse().map_err(|_| bad())?;
    let scheme = uri.scheme_str().ok_or_else(bad)?.to_ascii_lowercase();
    let authority = uri.authority().ok_or_else(bad)?;
    if authority.as_str().contains('@') || !matches!(uri.path(), "" | "/") || uri.query().is_some()
    {
        return Err(bad());
    }
    let port = match (any_port, authority.port_u16()) {
        (true, Some(_)) => return Err(bad()),
        (true, None) => None,
        (false, Some(port)) => Some(port),
        (false, None) => Some(default_port(&scheme).ok_or_else(bad)?),
    };
    Ok(AllowedOrigin::Tuple {
        scheme,
        host: normalize_host(authority.host()),
        port,
    })
}

/// Counts POST requests whose response has not been fully sent.
#[derive(Clone, Default)]
struct InFlight(Arc<InFlightState>);

#[derive(Default)]
struct InFlightState {
    count: AtomicUsize,
    idle: Notify,
}

impl InFlight {
    fn enter(&self) -> InFlightGuard {
        self.0.count.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(self.0.clone())
    }

    fn count(&self) -> usize {
        self.0.count.load(Ordering::SeqCst)
    }

    /// Resolves once no request is in flight.
    async fn idle(&self) {
        loop {
            let notified = self.0.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

struct InFlightGuard(Arc<InFlightState>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// A response body that is ended when the request's deadline passes or when shutdown gives up waiting. An SSE
/// stream then gets a last event with a JSON-RPC error for its request (so the client's call fails cleanly
/// instead of trying to resume); anything else is cut with an error. Dropping it marks the request finished.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    abort: Pin<Box<WaitForCancellationFutureOwned>>,
    limit: Duration,
    /// The id of the JSON-RPC request this SSE stream answers.
    request_id: Option<serde_json::Value>,
    done: bool,
    _in_flight: InFlightGuard,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        let ending = if this.deadline.as_mut().poll(cx).is_ready() {
            Ending::Deadline(this.limit)
        } else if this.abort.as_mut().poll(cx).is_ready() {
            Ending::Shutdown
        } else {
            return Poll::Pending;
        };
        this.done = true;
        ending.log();
        Poll::Ready(Some(match &this.request_id {
            Some(id) => Ok(Frame::data(Bytes::from(format!(
                "event: message\ndata: {}\n\n",
                ending.jsonrpc_error(id)
            )))),
            None => Err(axum::Error::new(ending.message())),
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        if self.request_id.is_some() {
            // An error event may be appended: the length is not known in advance.
            SizeHint::default()
        } else {
            self.inner.size_hint()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(entry: &str) -> AllowedHost {
        parse_allowed_host(entry).unwrap()
    }

    fn req_host(value: &str) -> RequestHost {
        parse_request_host(value).unwrap()
    }

    #[test]
    fn host_entries_without_port_accept_any_port_and_with_port_only_that_one() {
        assert!(host("Example.COM").matches(&req_host("example.com:8080")));
        assert!(host("example.com").matches(&req_host("EXAMPLE.com")));
        assert!(host("example.com:8443").matches(&req_host("example.com:8443")));
        assert!(!host("example.com:8443").matches(&req_host("example.com:8080")));
        assert!(!host("example.com:8443").matches(&req_host("example.com")));
        assert!(!host("example.com").matches(&req_host("example.com.evil.net")));
        assert!(host("::1").matches(&req_host("[::1]:9000")));
        assert!(host("[::1]:9000").matches(&req_host("[::1]:9000")));
    }

    #[test]
    fn malformed_host_entries_and_headers_are_refused() {
        for entry in [
            "https://example.com",
            "example.com/mcp",
            "",
            "a b",
            "*",
            "u@example.com",
        ] {
            assert!(parse_allowed_host(entry).is_err(), "{entry:?}");
        }
        assert!(parse_request_host("user@localhost").is_none());
        assert!(parse_request_host("local host").is_none());
    }

    #[test]
    fn origins_match_scheme_host_and_port() {
        let any = parse_allowed_origin("http://localhost:*").unwrap();
        let exact = parse_allowed_origin("https://app.example.com").unwrap();
        let origin = |v: &str| parse_request_origin(v).unwrap();
        assert!(any.matches(&origin("http://localhost:6274")));
        assert!(any.matches(&origin("http://LOCALHOST")));
        assert!(!any.matches(&origin("https://localhost:6274")));
        assert!(exact.matches(&origin("https://app.example.com")));
        assert!(exact.matches(&origin("https://app.example.com:443")));
        assert!(!exact.matches(&origin("https://app.example.com:8443")));
        assert!(!exact.matches(&origin("http://app.example.com")));
        assert!(!exact.matches(&origin("null")));
        assert!(
            parse_allowed_origin("null")
                .unwrap()
                .matches(&origin("null"))
        );
        for bad in [
            "app.example.com",
            "https://app.example.com/x",
            "ftp://x",
            "https://a:1:*",
        ] {
            assert!(parse_allowed_origin(bad).is_err(), "{bad:?}");
        }
        assert!(parse_request_origin("http://evil.example/path").is_none());
    }

    #[test]
    fn allowed_hosts_imply_their_origins() {
        let origins = AllowedOrigin::for_host(&host("mcp.example.com"));
        let rmcp: Vec<String> = origins.iter().map(AllowedOrigin::to_rmcp).collect();
        assert_eq!(
            rmcp,
            ["http://mcp.example.com:*", "https://mcp.example.com:*"]
        );
        let v6: Vec<String> = AllowedOrigin::for_host(&host("::1"))
            .iter()
            .map(AllowedOrigin::to_rmcp)
            .collect();
        assert_eq!(v6[0], "http://[::1]:*");
        assert_eq!(host("[::1]:9000").to_rmcp(), "[::1]:9000");
    }

    #[test]
    fn bearer_token_matches_only_itself_and_never_prints() {
        let token = BearerToken::new(&SecretString::from("s3cret-token-0123456789".to_owned()));
        assert!(token.matches(b"s3cret-token-0123456789"));
        assert!(!token.matches(b"s3cret-token-012345678"));
        assert!(!token.matches(b"s3cret-token-0123456789x"));
        assert!(!token.matches(b""));
        assert!(!format!("{token:?}").contains("s3cret"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_other_schemes_are_not_tokens() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(bearer_credentials(&v("Bearer abc")), Some(&b"abc"[..]));
        assert_eq!(bearer_credentials(&v("bearer   abc ")), Some(&b"abc"[..]));
        assert_eq!(bearer_credentials(&v("Basic abc")), None);
        assert_eq!(bearer_credentials(&v("Bearer")), None);
        assert_eq!(bearer_credentials(&v("Bearer ")), None);
        assert_eq!(bearer_credentials(&v("abc")), None);
    }

    #[test]
    fn non_loopback_bind_without_token_is_refused_with_the_fix() {
        let options = HttpOptions::new("0.0.0.0:8080".parse().unwrap());
        let err = options.validate().unwrap_err().to_string();
        assert!(
            err.contains("NETSUITE_MCP_HTTP_TOKEN") && err.contains("127.0.0.1"),
            "{err}"
        );
        assert!(
            HttpOptions::new("127.0.0.1:8080".parse().unwrap())
                .validate()
                .is_ok()
        );
        assert!(
            HttpOptions::new("[::1]:8080".parse().unwrap())
                .validate()
                .is_ok()
        );
        let mut options = HttpOptions::new("10.1.2.3:8080".parse().unwrap());
        assert!(options.allowed_hosts.contains(&"10.1.2.3".to_owned()));
        options.bearer = Some(BearerToken::new(&SecretString::from("x".repeat(32))));
        assert!(options.validate().is_ok());
    }

    #[test]
    fn options_from_config_read_token_hosts_origins_and_limits() {
        let config = HttpConfig {
            bearer: Some(SecretString::from("from-a-file-0123456789".to_owned())),
            allowed_hosts: vec!["mcp.example.com".into(), "10.0.0.5:8080".into()],
            allowed_origins: vec!["https://claude.ai".into()],
            request_timeout: Some(Duration::from_secs(7)),
            max_body_bytes: Some(2048),
        };
        let o = HttpOptions::from_config("0.0.0.0:8080".parse().unwrap(), true, &config).unwrap();
        assert!(
            o.bearer
                .as_ref()
                .unwrap()
                .matches(b"from-a-file-0123456789")
        );
        assert!(o.allowed_hosts.iter().any(|h| h == "mcp.example.com"));
        assert!(o.allowed_hosts.iter().any(|h| h == "localhost"));
        assert_eq!(o.allowed_origins, ["https://claude.ai"]);
        assert_eq!(o.request_timeout, Duration::from_secs(7));
        assert_eq!(o.max_body_bytes, 2048);
        assert!(o.stateless);

        let err = HttpOptions::from_config(
            "0.0.0.0:8080".parse().unwrap(),
            false,
            &HttpConfig::default(),
        )
        .unwrap_err();
        assert_eq!(err.key, Key::HttpToken);
        assert!(err.to_string().contains("openssl rand -hex 32"), "{err}");
        let bad_host = HttpConfig {
            allowed_hosts: vec!["https://mcp.example.com".into()],
            ..Default::default()
        };
        let err = HttpOptions::from_config("127.0.0.1:0".parse().unwrap(), false, &bad_host)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("NETSUITE_MCP_ALLOWED_HOSTS"), "{err}");
    }
}
