//! The access-token cache: fetch on demand, refresh before expiry, one request for any number of callers, and
//! drop a token NetSuite refused.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::assertion::{AssertionParams, sign_assertion};
use super::key::{KeyError, SigningKey};

/// A token is replaced once less than this remains of its life.
pub const REFRESH_BUFFER: Duration = Duration::from_secs(60);
/// Longest lifetime believed from a token response.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// NetSuite's documented access-token lifetime, assumed when a response omits `expires_in`.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
const GRANT_TYPE: &str = "client_credentials";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A bearer token. `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_at: Instant,
    lifetime: Duration,
    id: u64,
}

impl AccessToken {
    /// The value for `Authorization: Bearer …`. Call only where the header is built.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The lifetime NetSuite granted (`expires_in`).
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Time left before NetSuite expires it.
    pub fn remaining(&self) -> Duration {
        self.expires_at.saturating_duration_since(Instant::now())
    }

    fn is_fresh(&self) -> bool {
        // Short-lived tokens (tests, odd proxies) would otherwise be stale at birth.
        let buffer = REFRESH_BUFFER.min(self.lifetime / 2);
        self.remaining() > buffer
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("remaining", &self.remaining())
            .finish_non_exhaustive()
    }
}

/// Getting a token failed. Every variant says what to check; none carries a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("could not sign the assertion: {0}")]
    Key(#[from] KeyError),
    #[error("token request to {url} failed: {reason}")]
    Transport { url: String, reason: String },
    #[error(
        "NetSuite refused the token request (HTTP {status}, error {code}): {hint}. NetSuite logs the exact reason \
         in Setup > Users/Roles > User Management > View Login Audit Trail"
    )]
    Refused {
        status: u16,
        /// NetSuite's `error` value, e.g. `invalid_grant`.
        code: String,
        hint: &'static str,
    },
    #[error(
        "the token endpoint answered HTTP {status} with a body that is not a token response: {snippet}"
    )]
    BadResponse { status: u16, snippet: String },
}

impl AuthError {
    /// NetSuite's `error` value when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AuthError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The fix for each token-endpoint error (netsuite-api.md §1.6).
pub fn hint_for(code: &str, status: u16) -> &'static str {
    match code {
        "unsupported_grant_type" | "unauthorized_client" => {
            "check the box \"Client Credentials (Machine to Machine) Grant\" on the integration record"
        }
        "invalid_request" => {
            "a required field of the token request is missing or malformed (if it persists with a correct configuration, please report it as a bug)"
        }
        "invalid_client" => {
            "NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID or the private key do not match the integration record and its certificate mapping"
        }
        "invalid_grant" => {
            "the assertion was refused: check that NETSUITE_CERTIFICATE_ID is the certificate ID of the mapping, that the private key belongs to that certificate, that the certificate is neither revoked nor expired, that this machine's clock is right, and that NETSUITE_ACCOUNT_ID (or NETSUITE_BASE_URL) names the right account"
        }
        "invalid_scope" => {
            "enable the requested scopes (NETSUITE_SCOPES) on the integration record, or request fewer"
        }
        _ if status == 401 => {
            "NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID or the private key do not match"
        }
        _ => "unexpected error from the token endpoint",
    }
}

struct State {
    token: Option<AccessToken>,
    last_error: Option<AuthError>,
}

struct Inner {
    http: reqwest::Client,
    key: SigningKey,
    params: AssertionParams,
    state: Mutex<State>,
    /// Completed token requests; lets waiters tell whether someone fetched on their behalf.
    attempts: AtomicU64,
    next_id: AtomicU64,
}

/// Caches NetSuite access tokens and fetches new ones with a fresh assertion when needed. Cheap to clone.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("token_url", &self.inner.params.audience)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
}

impl TokenManager {
    /// `params.audience` is the token URL the request goes to (the JWT `aud` must equal it).
    pub fn new(http: reqwest::Client, key: SigningKey, params: AssertionParams) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                key,
                params,
                state: Mutex::new(State {
                    token: None,
                    last_error: None,
                }),
                attempts: AtomicU64::new(0),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// A token with more than the refresh buffer left: the cached one, or a new one. Concurrent callers share
    /// one token request, and share its failure too.
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        let seen = self.inner.attempts.load(Ordering::Acquire);
        let mut state = self.inner.state.lock().await;
        if let Some(token) = state.token.as_ref().filter(|t| t.is_fresh()) {
            return Ok(token.clone());
        }
        if self.inner.attempts.load(Ordering::Acquire) != seen
            && let Some(err) = &state.last_error
        {
            return Err(err.clone());
        }
        let result = self.fetch().await;
        self.inner.attempts.fetch_add(1, Ordering::AcqRel);
        match result {
            Ok(token) => {
                state.token = Some(token.clone());
                state.last_error = None;
                Ok(token)
            }
            Err(err) => {
                state.token = None;
                state.last_error = Some(err.clone());
                Err(err)
            }
        }
    }

    /// Forgets `stale` (NetSuite answered 401 to it) so the next call fetches a new token. A token fetched by
    /// someone else in the meantime is kept.
    pub async fn invalidate(&self, stale: &AccessToken) {
        let mut state = self.inner.state.lock().await;
        if state.token.as_ref().is_some_and(|t| t.id == stale.id) {
            state.token = None;
        }
    }

    /// The token URL (also the assertion's audience).
    pub fn token_url(&self) -> &str {
        &self.inner.params.audience
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let url = &self.inner.params.audience;
        let assertion = sign_assertion(&self.inner.params, &self.inner.key, SystemTime::now())?;
        let started = Instant::now();
        let form = [
            ("grant_type", GRANT_TYPE),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        let response = self
            .inner
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| AuthError::Transport {
                url: url.clone(),
                reason: transport_reason(&e),
            })?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| AuthError::Transport {
            url: url.clone(),
            reason: transport_reason(&e),
        })?;
        tracing::debug!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "token request"
        );
        if !(200..300).contains(&status) {
            return Err(match serde_json::from_slice::<ErrorResponse>(&body) {
                Ok(e) => AuthError::Refused {
                    status,
                    hint: hint_for(&e.error, status),
                    code: e.error,
                },
                Err(_) => AuthError::BadResponse {
                    status,
                    snippet: snippet(&body),
                },
            });
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|_| AuthError::BadResponse {
                status,
                snippet: "(not JSON)".into(),
            })?;
        let bad = |what: &str| AuthError::BadResponse {
            status,
            snippet: what.to_owned(),
        };
        let secret = parsed
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad("no access_token"))?;
        if let Some(tt) = &parsed.token_type
            && !tt.eq_ignore_ascii_case("bearer")
        {
            return Err(bad(&format!("token_type {tt:?} is not bearer")));
        }
        let lifetime = match parsed.expires_in {
            None | Some(serde_json::Value::Null) => DEFAULT_TOKEN_LIFETIME,
            Some(v) => {
                parse_expires_in(&v).ok_or_else(|| bad("expires_in is not a number of seconds"))?
            }
        };
        Ok(AccessToken {
            secret: SecretString::from(secret),
            expires_at: started + lifetime,
            lifetime,
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
        })
    }
}

/// NetSuite documents a number; some clients have seen `"3600"`. Accept both.
fn parse_expires_in(v: &serde_json::Value) -> Option<Duration> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    // NetSuite grants 60 minutes; anything beyond a day is nonsense, and clamping keeps `Instant` maths safe.
    (secs > 0).then(|| Duration::from_secs(secs.min(MAX_TOKEN_LIFETIME.as_secs())))
}

/// A short, single-line excerpt of an unexpected body for an error message. Token-endpoint bodies carry no
/// secrets of ours (the assertion is only in the request).
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    // A misbehaving proxy could echo the request form back; never quote anything JWT-shaped (the assertion).
    let one_line: String = text
        .split_whitespace()
        .map(|word| {
            if word.contains("eyJ") {
                "[redacted]"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut out: String = one_line.chars().take(200).collect();
    if one_line.chars().count() > 200 {
        out.push('…');
    }
    if out.is_empty() {
        "(empty body)".into()
    } else {
        out
    }
}

/// reqwest's error without its source chain noise; it names the URL, never headers or bodies.
pub(crate) fn transport_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut reason = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_accepts_numbers_and_numeric_strings_only() {
        use serde_json::json;
        assert_eq!(
            parse_expires_in(&json!(3600)),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            parse_expires_in(&json!("3600")),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            parse_expires_in(&json!(" 60 ")),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_expires_in(&json!(0)), None);
        assert_eq!(parse_expires_in(&json!(u64::MAX)), Some(MAX_TOKEN_LIFETIME));
        assert_eq!(parse_expires_in(&json!(-5)), None);
        assert_eq!(parse_expires_in(&json!("soon")), None);
        assert_eq!(parse_expires_in(&json!(1.5)), None);
    }

    #[test]
    fn every_documented_error_gets_its_own_hint() {
        let codes = [
            "unsupported_grant_type",
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "invalid_scope",
        ];
        let hints: std::collections::HashSet<_> = codes.iter().map(|c| hint_for(c, 400)).collect();
        assert_eq!(hints.len(), codes.len());
        let err = AuthError::Refused {
            status: 400,
            code: "invalid_grant".into(),
            hint: hint_for("invalid_grant", 400),
        };
        assert!(err.to_string().contains("View Login Audit Trail"), "{err}");
        assert!(hint_for("invalid_grant", 400).contains("clock"));
        assert!(hint_for("invalid_scope", 400).contains("NETSUITE_SCOPES"));
        assert!(hint_for("unsupported_grant_type", 400).contains("Client Credentials"));
    }

    #[test]
    fn unexpected_bodies_are_quoted_without_anything_jwt_shaped() {
        let body = b"<html>bad gateway grant_type=client_credentials&client_assertion=eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.sig</html>";
        let s = snippet(body);
        assert!(!s.contains("eyJ"), "{s}");
        assert!(s.starts_with("<html>bad gateway [redacted]"), "{s}");
    }

    #[test]
    fn token_debug_hides_the_secret() {
        let t = AccessToken {
            secret: SecretString::from("very-secret-token".to_owned()),
            expires_at: Instant::now() + Duration::from_secs(10),
            lifetime: Duration::from_secs(10),
            id: 1,
        };
        assert!(!format!("{t:?}").contains("very-secret"));
    }

    #[test]
    fn short_lived_tokens_are_fresh_for_half_their_life() {
        let t = AccessToken {
            secret: SecretString::from("x".to_owned()),
            expires_at: Instant::now() + Duration::from_secs(2),
            lifetime: Duration::from_secs(2),
            id: 1,
        };
        assert!(t.is_fresh());
        let old = AccessToken {
            expires_at: Instant::now() + Duration::from_millis(500),
            ..t
        };
        assert!(!old.is_fresh());
    }
}
