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
//!
//! Layout: `options` ([`HttpOptions`] and its defaults), `server` (listener, connections, shutdown), `routes`
//! (the axum app and `/healthz`), `guard` (Host, Origin and bearer checks in front of `/mcp`), `hosts` (allowed
//! hosts and origins), `bearer` (the token), `deadline` (body limit and per-request deadline).

use std::future::Future;
use std::net::SocketAddr;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::ServerHandler;

mod access;
mod bearer;
mod deadline;
mod guard;
mod hosts;
mod options;
mod owners;
mod routes;
mod server;

use crate::config::Key;
pub use access::{AuthFuture, Delegated, McpAuthenticator, TokenRefusal};
pub use bearer::BearerToken;
pub use hosts::LOOPBACK_HOSTS;
pub use options::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SHUTDOWN_GRACE, HttpOptions,
};
pub use server::HttpServer;

/// Path of the MCP endpoint.
pub const MCP_PATH: &str = "/mcp";
/// Path of the health check: no authentication, no NetSuite call.
pub const HEALTH_PATH: &str = "/healthz";

/// Failure of the HTTP transport.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A non-loopback address without a bearer token.
    #[error(
        "refusing to serve MCP on {bind} without a bearer token: anyone who can reach that address could read and \
         write NetSuite. Set {token} (e.g. `export {token}=$(openssl rand -hex 32)`) \
         or {token_file}, and give the same token to your MCP clients; or bind to 127.0.0.1",
        token = Key::HttpToken.env(),
        token_file = Key::HttpTokenFile.env()
    )]
    TokenRequired {
        /// The address that was asked for.
        bind: SocketAddr,
    },
    /// An option that cannot work (zero limit, malformed host or origin entry).
    #[error("{0}")]
    Invalid(String),
    /// The listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// Why binding failed.
        #[source]
        source: std::io::Error,
    },
    /// The server failed while running.
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

/// A plain-text response.
pub(super) fn plain(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into(),
    )
        .into_response()
}
