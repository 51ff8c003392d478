//! Bearer authentication, the account concurrency limit, latency, fault injection and counters: a middleware
//! around every sandbox endpoint (netsuite-api.md §2.4, §6, §8).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{NsError, RESTLET_LIMIT_MESSAGE, restlet_error};
use super::faults::FaultTarget;
use super::oauth::bearer_challenge;
use super::tba::SignedRequest;
use super::{AUTHORIZE_PATH, RESTLET_PATH, REVOKE_PATH, Shared, TOKEN_PATH};

/// Scope a REST web services request needs.
const SCOPE_REST: &str = "rest_webservices";
/// Scope a RESTlet request needs.
const SCOPE_RESTLETS: &str = "restlets";

/// A snapshot of the sandbox's request counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every request to the token endpoint, whatever the outcome.
    pub token_requests: u64,
    /// Access tokens handed out.
    pub tokens_issued: u64,
    /// Token requests refused after validation (not counting injected faults).
    pub token_rejections: u64,
    /// Every request to any other path.
    pub api_requests: u64,
    /// API requests that carried a live token with the right scope.
    pub authorized_api_requests: u64,
    /// API requests refused with 401.
    pub rejected_unauthorized: u64,
    /// API requests signed with TBA (`Authorization: OAuth`) that were refused (also in `rejected_unauthorized`).
    pub tba_rejections: u64,
    /// API requests refused by the concurrency limit (REST 429, RESTlet 400).
    pub rejected_concurrency: u64,
    /// Requests (API or token) answered by an injected fault.
    pub faults_injected: u64,
    /// Most API requests ever in flight at once.
    pub max_in_flight: u64,
    /// API requests in flight right now.
    pub in_flight: u64,
}

/// Live counters and the knobs that shape every API request.
#[derive(Debug)]
pub(crate) struct Governance {
    concurrency_limit: AtomicUsize,
    latency_micros: AtomicU64,
    token_latency_micros: AtomicU64,
    in_flight: AtomicUsize,
    token_requests: AtomicU64,
    tokens_issued: AtomicU64,
    token_rejections: AtomicU64,
    api_requests: AtomicU64,
    authorized_api_requests: AtomicU64,
    rejected_unauthorized: AtomicU64,
    tba_rejections: AtomicU64,
    rejected_concurrency: AtomicU64,
    faults_injected: AtomicU64,
    max_in_flight: AtomicUsize,
}

impl Governance {
    pub(crate) fn new(concurrency_limit: usize, latency: Duration) -> Self {
        Self {
            concurrency_limit: AtomicUsize::new(concurrency_limit),
            latency_micros: AtomicU64::new(micros(latency)),
            token_latency_micros: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            token_requests: AtomicU64::new(0),
            tokens_issued: AtomicU64::new(0),
            token_rejections: AtomicU64::new(0),
            api_requests: AtomicU64::new(0),
            authorized_api_requests: AtomicU64::new(0),
            rejected_unauthorized: AtomicU64::new(0),
            tba_rejections: AtomicU64::new(0),
            rejected_concurrency: AtomicU64::new(0),
            faults_injected: AtomicU64::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        let get_usize = |a: &AtomicUsize| a.load(Ordering::SeqCst) as u64;
        Counters {
            token_requests: get(&self.token_requests),
            tokens_issued: get(&self.tokens_issued),
            token_rejections: get(&self.token_rejections),
            api_requests: get(&self.api_requests),
            authorized_api_requests: get(&self.authorized_api_requests),
            rejected_unauthorized: get(&self.rejected_unauthorized),
            tba_rejections: get(&self.tba_rejections),
            rejected_concurrency: get(&self.rejected_concurrency),
            faults_injected: get(&self.faults_injected),
            max_in_flight: get_usize(&self.max_in_flight),
            in_flight: get_usize(&self.in_flight),
        }
    }

    /// Zeroes every counter except the live `in_flight` gauge.
    pub(crate) fn reset(&self) {
        for c in [
            &self.token_requests,
            &self.tokens_issued,
            &self.token_rejections,
            &self.api_requests,
            &self.authorized_api_requests,
            &self.rejected_unauthorized,
            &self.tba_rejections,
            &self.rejected_concurrency,
            &self.faults_injected,
        ] {
            c.store(0, Ordering::SeqCst);
        }
        self.max_in_flight.store(0, Ordering::SeqCst);
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        self.latency_micros.store(micros(latency), Ordering::SeqCst);
    }

    pub(crate) fn set_token_latency(&self, latency: Duration) {
        self.token_latency_micros
            .store(micros(latency), Ordering::SeqCst);
    }

    pub(crate) fn set_concurrency_limit(&self, limit: usize) {
        self.concurrency_limit.store(limit, Ordering::SeqCst);
    }

    fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_micros.load(Ordering::SeqCst))
    }

    pub(crate) fn token_issued(&self) {
        self.tokens_issued.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn token_rejected(&self) {
        self.token_rejections.fetch_add(1, Ordering::SeqCst);
    }

    /// Takes a concurrency slot if one is free; the slot is released when the guard drops (also when the
    /// client hangs up mid-request and the future is dropped).
    fn try_enter(&self) -> Option<SlotGuard<'_>> {
        let limit = self.concurrency_limit.load(Ordering::SeqCst);
        let entered = self
            .in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()?;
        self.max_in_flight.fetch_max(entered + 1, Ordering::SeqCst);
        Some(SlotGuard { governance: self })
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

struct SlotGuard<'a> {
    governance: &'a Governance,
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        self.governance.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What kind of endpoint a path is; it decides the scope needed and the shape of error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Token,
    /// The authorize page and the revoke endpoint: no bearer, no limit, no faults.
    Login,
    Rest,
    Restlet,
    /// Any other path: needs a live token of any scope, then the router answers (usually 404).
    Other,
}

fn classify(path: &str) -> Endpoint {
    if path == TOKEN_PATH {
        Endpoint::Token
    } else if path == AUTHORIZE_PATH || path == REVOKE_PATH {
        Endpoint::Login
    } else if path.starts_with("/services/rest/") {
        Endpoint::Rest
    } else if path == RESTLET_PATH {
        Endpoint::Restlet
    } else {
        Endpoint::Other
    }
}

/// The middleware wrapped around the whole sandbox router.
pub(crate) async fn govern(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let gov = &shared.governance;
    let endpoint = classify(request.uri().path());

    if endpoint == Endpoint::Token {
        // The token endpoint is not governed by the concurrency limit or the latency knob.
        gov.token_requests.fetch_add(1, Ordering::SeqCst);
        if let Some(fault) = shared.faults.next_token() {
            gov.faults_injected.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(fault.delay()).await;
            return fault.into_response_for(FaultTarget::Token, &shared.account_id);
        }
        let delay = Duration::from_micros(gov.token_latency_micros.load(Ordering::SeqCst));
        // As at NetSuite, a token request that arrived is carried out even if the client goes away while waiting
        // for the answer (a refresh token is then spent, and the client never hears of its successor); the
        // latency is the answer's way back.
        let work = tokio::spawn(async move {
            let response = next.run(request).await;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            response
        });
        return work
            .await
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    if endpoint == Endpoint::Login {
        return next.run(request).await;
    }

    gov.api_requests.fetch_add(1, Ordering::SeqCst);
    // guess: NetSuite documents no per-scope error; a token lacking the scope is refused like a bad token.
    // Authentication comes before the concurrency check: a request that cannot log in is not counted
    // against the account.
    let needed_scope = match endpoint {
        Endpoint::Rest => Some(SCOPE_REST),
        Endpoint::Restlet => Some(SCOPE_RESTLETS),
        Endpoint::Token | Endpoint::Login | Endpoint::Other => None,
    };
    let authorized = if let Some(header) = oauth1_header(&request) {
        // TBA: a token acts as a person with a role; it may call REST web services and RESTlets alike.
        let signed = SignedRequest {
            method: request.method().as_str(),
            host: request
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default(),
            path: request.uri().path(),
            query: request.uri().query(),
        };
        match shared.tba.verify(header, &signed) {
            Ok(()) => true,
            Err(reason) => {
                gov.tba_rejections.fetch_add(1, Ordering::SeqCst);
                tracing::debug!(reason, "sandbox: TBA signature refused");
                false
            }
        }
    } else {
        bearer_token(&request)
            .and_then(|token| shared.tokens.scopes(token))
            .is_some_and(|scopes| needed_scope.is_none_or(|need| scopes.iter().any(|s| s == need)))
    };
    if !authorized {
        gov.rejected_unauthorized.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(
            path = request.uri().path(),
            "sandbox: invalid login attempt"
        );
        return unauthorized(endpoint, &shared.account_id);
    }
    gov.authorized_api_requests.fetch_add(1, Ordering::SeqCst);
    if let Some(token) = bearer_token(&request) {
        shared.tokens.record_call(token);
    }

    let Some(_slot) = gov.try_enter() else {
        gov.rejected_concurrency.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(
            path = request.uri().path(),
            "sandbox: concurrency limit exceeded"
        );
        return concurrency_exceeded(endpoint);
    };
    // Latency is spent inside the slot, so a slow request holds its place in the pool as a real one does.
    let latency = gov.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(fault) = shared.faults.next_api() {
        gov.faults_injected.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(fault.delay()).await;
        let target = match endpoint {
            Endpoint::Restlet => FaultTarget::Restlet,
            _ => FaultTarget::Rest,
        };
        return fault.into_response_for(target, &shared.account_id);
    }
    next.run(request).await
}

/// The value of an `Authorization: OAuth …` header (OAuth 1.0a, scheme case-insensitive).
fn oauth1_header(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let scheme = value.split_once(' ')?.0;
    scheme.eq_ignore_ascii_case("OAuth").then_some(value)
}

/// The token of an `Authorization: Bearer …` header (scheme case-insensitive, RFC 6750 §2.1).
fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then_some(token)
}

fn unauthorized(endpoint: Endpoint, account_id: &str) -> Response {
    let mut resp = match endpoint {
        Endpoint::Restlet => restlet_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_LOGIN_ATTEMPT",
            "Invalid login attempt.",
        ),
        _ => NsError::invalid_login().into_response(),
    };
    if let Some(challenge) = bearer_challenge(account_id) {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    resp
}

/// REST: 429 `CONCURRENCY_LIMIT_EXCEEDED`; RESTlet: 400 `SSS_REQUEST_LIMIT_EXCEEDED` (netsuite-api.md §6, §8).
/// No `Retry-After`: NetSuite does not document one.
fn concurrency_exceeded(endpoint: Endpoint) -> Response {
    match endpoint {
        Endpoint::Restlet => restlet_error(
            StatusCode::BAD_REQUEST,
            "SSS_REQUEST_LIMIT_EXCEEDED",
            RESTLET_LIMIT_MESSAGE,
        ),
        _ => NsError::concurrency_limit().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_respect_the_limit_and_release_on_drop() {
        let g = Governance::new(2, Duration::ZERO);
        let a = g.try_enter();
        let b = g.try_enter();
        assert!(a.is_some() && b.is_some());
        assert!(g.try_enter().is_none());
        drop(a);
        assert!(g.try_enter().is_some());
        let snap = g.snapshot();
        assert_eq!(snap.max_in_flight, 2);
        assert_eq!(snap.in_flight, 1);
    }

    #[test]
    fn paths_are_classified() {
        assert_eq!(classify(TOKEN_PATH), Endpoint::Token);
        assert_eq!(
            classify("/services/rest/record/v1/customer"),
            Endpoint::Rest
        );
        assert_eq!(classify(RESTLET_PATH), Endpoint::Restlet);
        assert_eq!(classify("/nope"), Endpoint::Other);
    }
}
