//! `netsuite-mcp serve`: the MCP server on stdio, or on streamable HTTP with `--http ADDR`.

use std::net::SocketAddr;

use super::CommandError;
use super::wiring;
use crate::config::Settings;
use crate::server::NetSuiteServer;
use crate::transport::http::{HttpError, HttpOptions, HttpServer};

/// Where `serve` offers the MCP server.
#[derive(Debug, Clone, Copy)]
pub enum Transport {
    /// stdin/stdout, for one client that started the process.
    Stdio,
    /// Streamable HTTP at `http://bind/mcp`.
    Http { bind: SocketAddr, stateless: bool },
}

/// Validates the configuration, then serves MCP until the client closes stdin (stdio) or until SIGINT/SIGTERM
/// (HTTP).
pub async fn run(settings: &Settings, transport: Transport) -> Result<(), CommandError> {
    let (server, http) = server_and_options(settings, transport)?;
    serve_on(server, http).await
}

/// The server and, over HTTP, its options, validated before anything starts (a non-loopback address without a
/// token is a configuration error). With `NETSUITE_MCP_AUTH=oauth` the server has no NetSuite identity of its
/// own: each caller signs in through the built-in authorization server.
fn server_and_options(
    settings: &Settings,
    transport: Transport,
) -> Result<(NetSuiteServer, Option<HttpOptions>), CommandError> {
    match transport {
        Transport::Stdio => Ok((build(settings).map_err(super::first_run::explain)?, None)),
        Transport::Http { bind, stateless } => match wiring::delegated_auth(settings)? {
            Some(wiring::DelegatedAuth::OAuth(base, delegated)) => {
                let http = wiring::http_options(settings, bind, stateless, Some(delegated))?;
                let server = wiring::prepare_server(settings)?.build(*base);
                Ok((server, Some(http)))
            }
            Some(wiring::DelegatedAuth::Jwt(delegated)) => {
                let http = wiring::http_options(settings, bind, stateless, Some(delegated))?;
                let server = build(settings).map_err(super::first_run::explain)?;
                Ok((server, Some(http)))
            }
            None => {
                let http = wiring::http_options(settings, bind, stateless, None)?;
                let server = build(settings).map_err(super::first_run::explain)?;
                Ok((server, Some(http)))
            }
        },
    }
}

async fn serve_on(server: NetSuiteServer, http: Option<HttpOptions>) -> Result<(), CommandError> {
    // Hot reload of the tools directory for as long as the server runs.
    let _watcher = server.watch_tools_dir();
    let Some(options) = http else {
        return Ok(crate::transport::stdio::serve(server).await?);
    };
    let tools = server.visible_tools();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    let mode = if options.stateless {
        "stateless"
    } else {
        "sessions"
    };
    let auth = if options.delegated.is_some() {
        "OAuth sign-in required"
    } else if options.bearer.is_some() {
        "bearer token required"
    } else {
        "no token, loopback only"
    };
    let http = HttpServer::bind(move || Ok(server.clone()), options)
        .await
        .map_err(http_error)?;
    tracing::info!(tools = %names.join(","), "serving MCP over HTTP");
    eprintln!(
        "netsuite-mcp: serving MCP at http://{}/mcp ({mode}, {auth}); health check at /healthz",
        http.local_addr()
    );
    http.run(super::shutdown_signal()).await.map_err(http_error)
}

fn http_error(e: HttpError) -> CommandError {
    match e {
        HttpError::TokenRequired { .. } | HttpError::Invalid(_) => {
            CommandError::Config(crate::config::ConfigError::Invalid {
                setting: "--http",
                reason: e.to_string(),
            })
        }
        HttpError::Bind { .. } | HttpError::Serve(_) => CommandError::Io(e.to_string()),
    }
}

/// Starts the embedded sandbox with fresh credentials and serves MCP against it. The sandbox's connection
/// settings replace any configured ones; tool settings (toolsets, read-only, …) still apply.
#[cfg(feature = "sandbox")]
pub async fn run_sandbox(settings: Settings, transport: Transport) -> Result<(), CommandError> {
    let local = crate::sandbox::start_with_generated_credentials(0)
        .await
        .map_err(|e| CommandError::Io(format!("cannot start the sandbox: {e}")))?;
    tracing::info!(base_url = %local.handle.base_url(), "sandbox started");
    let mut sandbox = local.settings.clone();
    if settings.mcp_auth_mode()? == crate::config::McpAuthMode::OAuth {
        // People sign in at the sandbox's authorize page with its public integration, not its M2M one.
        sandbox.client_id = Some(netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID.to_owned());
        sandbox.app_base_url = Some(local.handle.base_url());
    }
    let settings = Settings {
        private_key_path: None,
        restlet_base_url: None,
        algorithm: None,
        scopes: None,
        client_secret: None,
        client_secret_file: None,
        app_base_url: None,
        ..settings
    }
    .overlay(sandbox);
    let result = match server_and_options(&settings, transport) {
        Ok((server, http)) => serve_on(server, http).await,
        Err(e) => Err(e),
    };
    local.handle.shutdown().await;
    result
}

/// Without the `sandbox` feature there is no embedded sandbox to serve against.
#[cfg(not(feature = "sandbox"))]
pub async fn run_sandbox(_settings: Settings, _transport: Transport) -> Result<(), CommandError> {
    Err(CommandError::SandboxNotBuilt)
}

/// The server for `settings` (see [`wiring::server`]).
pub fn build(settings: &Settings) -> Result<NetSuiteServer, CommandError> {
    wiring::server(settings)
}
