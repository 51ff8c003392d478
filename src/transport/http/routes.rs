//! The axum app: rmcp's service at `/mcp` behind the [guard](super::guard), `/healthz` open.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::deadline::Limits;
use super::guard::{Guard, guard_mcp};
use super::hosts::{AllowedHost, AllowedOrigin, parse_allowed_host, parse_allowed_origin};
use super::{HEALTH_PATH, HttpError, HttpOptions, MCP_PATH};

/// The routes, wired to the shutdown `stages`.
/// The stages of a shutdown, shared by the server loop, the guard and `/healthz`.
#[derive(Clone, Default)]
pub(super) struct Stages {
    /// Cancelled when shutdown starts: no new connections, `/healthz` answers 503.
    pub(super) draining: CancellationToken,
    /// Cancelled when the grace period is over: requests still running are answered with an error.
    pub(super) abort: CancellationToken,
    /// Cancelled last: ends MCP sessions and open SSE streams.
    pub(super) sessions: CancellationToken,
    /// POST requests whose response is not yet complete (each holds a token of the tracker).
    pub(super) requests: TaskTracker,
}

pub(super) fn router<S, F>(
    factory: F,
    options: &HttpOptions,
    stages: &Stages,
) -> Result<Router, HttpError>
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
    // rmcp checks Host and Origin again with the same lists (defence in depth). Ours stay because rmcp's run
    // inside its service, after our bearer check: ours answer a wrong Host or Origin 403 before any 401 (so
    // DNS-rebinding probes learn nothing about authentication), and also refuse what rmcp lets through or
    // answers otherwise (absolute-form targets naming another host, repeated Host headers, a malformed Host).
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
        delegated: options
            .delegated
            .as_ref()
            .map(|d| Arc::clone(&d.authenticator)),
        owners: Default::default(),
        hosts,
        origins,
        limits: Limits {
            max_body_bytes: options.max_body_bytes,
            request_timeout: options.request_timeout,
            stateless: options.stateless,
        },
        requests: stages.requests.clone(),
        abort: stages.abort.clone(),
    });
    let draining = stages.draining.clone();
    let shared = options.health.clone();
    let health = get(move || {
        let (draining, shared) = (draining.clone(), shared.clone());
        async move {
            let redis = match &shared {
                Some(check) => Some(check.check().await),
                None => None,
            };
            health(&draining, redis)
        }
    });
    let app = Router::new()
        .route_service(MCP_PATH, mcp)
        .route_layer(middleware::from_fn_with_state(guard, guard_mcp))
        .route(HEALTH_PATH, health);
    Ok(match &options.delegated {
        Some(delegated) => app.merge(delegated.routes.clone()),
        None => app,
    })
}

/// 200 `{"status":"ok"}`, or 503 `{"status":"draining"}` once shutdown has started. In scale-out mode it adds
/// `"redis":"ok"` or `"redis":"unreachable"`; an instance that cannot serve without Redis (no fallback) then
/// answers 503 `{"status":"unavailable"}` so that a load balancer routes around it.
fn health(draining: &CancellationToken, redis: Option<(bool, bool)>) -> Response {
    let (status, state) = if draining.is_cancelled() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else if matches!(redis, Some((false, false))) {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    } else {
        (StatusCode::OK, "ok")
    };
    let body = match redis {
        None => format!(r#"{{"status":"{state}"}}"#),
        Some((reachable, _)) => format!(
            r#"{{"status":"{state}","redis":"{}"}}"#,
            if reachable { "ok" } else { "unreachable" }
        ),
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
