//! `netsuite-mcp serve`: the MCP server on stdio, or on streamable HTTP with `--http ADDR`.

use std::net::SocketAddr;

use super::CommandError;
use super::wiring;
use crate::config::Settings;
use crate::scale::ScaleOut;
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
    let (server, http, scale) = server_and_options(settings, transport)?;
    serve_on(server, http, scale).await
}

/// The server, its HTTP options, and what it shares with other instances (`NETSUITE_MCP_REDIS_URL`).
type Parts = (NetSuiteServer, Option<HttpOptions>, Option<ScaleOut>);

/// The server and, over HTTP, its options, validated before anything starts (a non-loopback address without a
/// token is a configuration error). With `NETSUITE_MCP_AUTH=oauth` the server has no NetSuite identity of its
/// own: each caller signs in through the built-in authorization server.
fn server_and_options(settings: &Settings, transport: Transport) -> Result<Parts, CommandError> {
    let scale = wiring::scale_out(settings)?;
    let build = |settings: &Settings| {
        wiring::server_with(settings, scale.as_ref()).map_err(super::first_run::explain)
    };
    let (server, mut http) = match transport {
        Transport::Stdio => (build(settings)?, None),
        Transport::Http { bind, stateless } => {
            match wiring::delegated_auth(settings, scale.as_ref())? {
                Some(wiring::DelegatedAuth::OAuth(base, delegated)) => {
                    let http = wiring::http_options(settings, bind, stateless, Some(delegated))?;
                    (wiring::prepare_server(settings)?.build(*base), Some(http))
                }
                Some(wiring::DelegatedAuth::Jwt(delegated)) => {
                    let http = wiring::http_options(settings, bind, stateless, Some(delegated))?;
                    (build(settings)?, Some(http))
                }
                None => {
                    let http = wiring::http_options(settings, bind, stateless, None)?;
                    (build(settings)?, Some(http))
                }
            }
        }
    };
    if let (Some(http), Some(scale)) = (http.as_mut(), scale.as_ref()) {
        http.health = Some(scale.health());
    }
    Ok((server, http, scale))
}

async fn serve_on(
    server: NetSuiteServer,
    http: Option<HttpOptions>,
    scale: Option<ScaleOut>,
) -> Result<(), CommandError> {
    // Hot reload of the tools directory for as long as the server runs, announced to the other instances.
    let _watcher = server.watch_tools_dir_shared(scale.as_ref().map(ScaleOut::fanout));
    if let Some(scale) = &scale {
        tracing::info!(redis = %scale.redis().host(), "sharing the account limit, token and tools changes through Redis");
    }
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
        Ok((server, http, scale)) => serve_on(server, http, scale).await,
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
