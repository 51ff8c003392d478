//! The middleware in front of `/mcp`: Host, Origin and bearer checks (in that order), removal of the inbound
//! `Authorization` header, then the body limit and deadline of [`deadline`](super::deadline) for POSTs.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::access::{McpAuthenticator, TokenRefusal};
use super::bearer::{BearerToken, bearer_credentials};
use super::deadline::{Limits, serve_post};
use super::hosts::{AllowedHost, AllowedOrigin, parse_request_host, parse_request_origin};
use super::owners::SessionOwners;
use super::plain;
use crate::config::Key;
use crate::server::Principal;

/// Realm announced in `WWW-Authenticate`.
const REALM: &str = "netsuite-mcp";

/// What the guard checks against, shared by every request to `/mcp`.
pub(super) struct Guard {
    pub(super) bearer: Option<BearerToken>,
    /// Tokens checked by an authorization server or identity provider (wins over `bearer`).
    pub(super) delegated: Option<Arc<dyn McpAuthenticator>>,
    /// With `delegated`: which person each session belongs to.
    pub(super) owners: SessionOwners,
    pub(super) hosts: Vec<AllowedHost>,
    pub(super) origins: Vec<AllowedOrigin>,
    pub(super) limits: Limits,
    /// POST requests whose response is not yet complete; shutdown waits for them.
    pub(super) requests: TaskTracker,
    /// Cancelled when shutdown stops waiting: requests still running are answered with an error.
    pub(super) abort: CancellationToken,
}

/// The middleware (see the module documentation).
pub(super) async fn guard_mcp(
    State(guard): State<Arc<Guard>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Err(refusal) = guard.check_host(request.uri(), request.headers()) {
        return refusal.into_response();
    }
    if let Err(refusal) = guard.check_origin(request.headers()) {
        return refusal.into_response();
    }
    let mut principal = None;
    if let Some(authenticator) = &guard.delegated {
        match delegated_check(authenticator.as_ref(), request.headers()).await {
            Ok(p) => principal = Some(p),
            Err(refusal) => return refusal.into_response_with(authenticator.challenge()),
        }
    } else if let Err(refusal) = guard.check_bearer(request.headers()) {
        return refusal.into_response();
    }
    let session = request
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let (Some(p), Some(id)) = (&principal, &session)
        && !guard.owners.allows(id, p)
    {
        tracing::warn!(subject = %p.subject, "refused a request for an MCP session of someone else (or unknown)");
        return plain(StatusCode::NOT_FOUND, "Not Found: unknown session");
    }
    if let Some(p) = &principal {
        request.extensions_mut().insert(p.clone());
    }
    let response = guarded(&guard, request, next).await;
    if let Some(p) = &principal {
        match (
            &session,
            response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok()),
        ) {
            (None, Some(created)) => guard.owners.bind(created, p),
            (Some(id), _) if response.status() == StatusCode::NO_CONTENT => guard.owners.forget(id),
            _ => {}
        }
    }
    response
}

/// The header carrying an MCP session id.
const SESSION_HEADER: &str = "mcp-session-id";

/// The rest of the guard, once the caller is known: no token passthrough, then the limits of a POST.
async fn guarded(guard: &Guard, mut request: Request, next: Next) -> Response {
    // No token passthrough: an inbound token must never reach rmcp, a tool or anything downstream.
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
    serve_post(request, next, &guard.limits, &guard.requests, &guard.abort).await
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
             add the name to {} if it is yours",
            Key::AllowedHosts.env()
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
             add it to {} if it is yours",
            Key::AllowedOrigins.env()
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

/// The presented bearer token, checked by the authenticator.
async fn delegated_check(
    authenticator: &dyn McpAuthenticator,
    headers: &HeaderMap,
) -> Result<Principal, Refusal> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let token = match (values.next(), values.next()) {
        (None, _) => {
            tracing::info!("rejected an MCP request without credentials");
            return Err(Refusal::NoCredentials);
        }
        (Some(value), None) => bearer_credentials(value).and_then(|t| std::str::from_utf8(t).ok()),
        (Some(_), Some(_)) => None,
    };
    let Some(token) = token else {
        return Err(Refusal::InvalidToken);
    };
    match authenticator.authenticate(token).await {
        Ok(principal) => Ok(principal),
        Err(TokenRefusal::Invalid(why)) => {
            tracing::info!(reason = %why, "rejected an MCP request with an invalid token");
            Err(Refusal::InvalidToken)
        }
        Err(TokenRefusal::InsufficientScope) => {
            tracing::info!("rejected an MCP request whose token lacks the scope");
            Err(Refusal::InsufficientScope)
        }
        Err(TokenRefusal::Unavailable(why)) => {
            tracing::warn!(reason = %why, "could not check an MCP request's token");
            Err(Refusal::Unavailable)
        }
    }
}

/// Why the guard refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Host,
    Origin,
    NoCredentials,
    InvalidToken,
    InsufficientScope,
    Unavailable,
}

impl Refusal {
    /// The response with the authenticator's challenge parameters (`resource_metadata`, `scope`).
    fn into_response_with(self, params: String) -> Response {
        let (status, error, message) = match self {
            Refusal::NoCredentials => (
                StatusCode::UNAUTHORIZED,
                None,
                "Unauthorized: sign in (OAuth) and send the access token as `Authorization: Bearer <token>`",
            ),
            Refusal::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                "Unauthorized: the access token is invalid or expired; sign in again",
            ),
            Refusal::InsufficientScope => (
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                "Forbidden: the access token lacks the scope this server needs",
            ),
            other => return other.into_response(),
        };
        let mut parts = vec![format!("Bearer realm=\"{REALM}\"")];
        if let Some(error) = error {
            parts.push(format!("error=\"{error}\""));
        }
        if !params.is_empty() {
            parts.push(params);
        }
        let mut response = plain(status, message);
        if let Ok(value) = HeaderValue::from_str(&parts.join(", ")) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
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
            Refusal::InsufficientScope => {
                plain(StatusCode::FORBIDDEN, "Forbidden: insufficient scope")
            }
            Refusal::Unavailable => {
                let mut response = plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service Unavailable: the access token cannot be checked right now (the shared state store \
                     is unreachable); try again shortly",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
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
