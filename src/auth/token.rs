//! The access-token cache: fetch on demand, refresh before expiry, one request for any number of callers, and
//! drop a token NetSuite refused. Tokens come from client credentials (M2M) or a signed-in person's refresh
//! token ([`LoginSession`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use super::assertion::{AssertionParams, sign_assertion};
use super::endpoint::{Grant, request_token};
use super::key::{KeyError, SigningKey};
use super::session::LoginSession;
use super::shared::SharedTokens;

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
    /// Its value in the shared cache, when it came from there or was put there.
    shared: Option<String>,
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
    Transport {
        url: String,
        reason: String,
        /// The request may have reached NetSuite (it failed after connecting). A single-use refresh token sent
        /// this way may be spent, so it is never sent again automatically.
        maybe_sent: bool,
    },
    #[error(
        "NetSuite refused the token request (HTTP {status}, error {code}): {hint}. NetSuite logs the exact reason \
         in Setup > Users/Roles > User Management > View Login Audit Trail"
    )]
    Refused {
        status: u16,
        /// NetSuite's `error` value, e.g. `invalid_grant`.
        code: String,
        hint: &'static str,
        /// The grant that was refused.
        grant: Grant,
    },
    #[error(
        "the token endpoint answered HTTP {status} with a body that is not a token response: {snippet}"
    )]
    BadResponse { status: u16, snippet: String },
    /// No sign-in is stored for the profile.
    #[error(
        "nobody is signed in for profile {profile:?} (looked in {location}); run `netsuite-mcp login`"
    )]
    NotSignedIn { profile: String, location: String },
    /// The stored sign-in belongs to another account or integration than the one configured.
    #[error(
        "the sign-in stored for profile {profile:?} is for account {stored_account} and client ID {stored_client}, \
         not the configured {account} and {client}; run `netsuite-mcp login` (or choose the profile that holds this account)"
    )]
    LoginMismatch {
        profile: String,
        stored_account: String,
        stored_client: String,
        account: String,
        client: String,
    },
    /// The token store could not be read or written.
    #[error("{0}")]
    Store(String),
    /// The request carries no NetSuite identity (the server signs people in; this call came without one).
    #[error(
        "this call carries no NetSuite identity: sign in through your MCP client (OAuth) first"
    )]
    NoIdentity,
    /// The token cache shared by all instances (Redis) failed; the text names it and the fix.
    #[error("{0}")]
    Shared(String),
}

impl AuthError {
    /// NetSuite's `error` value when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AuthError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether only a new `netsuite-mcp login` fixes this: no stored sign-in, one for another account, or one
    /// NetSuite no longer honours.
    pub fn needs_login(&self) -> bool {
        match self {
            AuthError::NotSignedIn { .. } | AuthError::LoginMismatch { .. } => true,
            AuthError::NoIdentity => false,
            AuthError::Refused { code, grant, .. } => {
                *grant == Grant::RefreshToken && code == "invalid_grant"
            }
            _ => false,
        }
    }
}

struct State {
    token: Option<AccessToken>,
    last_error: Option<AuthError>,
}

/// Where new access tokens come from.
enum Source {
    /// Client credentials: a fresh assertion signed with the key buys each token (M2M).
    ClientCredentials {
        key: SigningKey,
        params: AssertionParams,
    },
    /// A signed-in person: the stored refresh token buys each token, rotating where NetSuite rotates it.
    Login(Arc<LoginSession>),
}

struct Inner {
    http: reqwest::Client,
    source: Source,
    state: Mutex<State>,
    /// Completed token requests; lets waiters tell whether someone fetched on their behalf.
    attempts: AtomicU64,
    next_id: AtomicU64,
    /// The token cache shared with other instances (M2M only), when configured.
    shared: std::sync::OnceLock<SharedTokens>,
}

/// Caches NetSuite access tokens and gets new ones when needed — with a fresh assertion (M2M) or the stored
/// refresh token of a signed-in person. Cheap to clone.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("token_url", &self.token_url())
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    /// Client credentials: `params.audience` is the token URL the request goes to (the JWT `aud` must equal it).
    pub fn new(http: reqwest::Client, key: SigningKey, params: AssertionParams) -> Self {
        Self::with_source(http, Source::ClientCredentials { key, params })
    }

    /// A signed-in person's tokens, kept in `session`'s store.
    pub fn for_login(http: reqwest::Client, session: LoginSession) -> Self {
        Self::with_source(http, Source::Login(Arc::new(session)))
    }

    fn with_source(http: reqwest::Client, source: Source) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                source,
                state: Mutex::new(State {
                    token: None,
                    last_error: None,
                }),
                attempts: AtomicU64::new(0),
                next_id: AtomicU64::new(1),
                shared: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Shares client-credentials tokens with the other instances through `shared`: one of them asks NetSuite,
    /// the others read its token. Ignored for a signed-in person's tokens. Set once, before the first use.
    pub fn share(self, shared: SharedTokens) -> Self {
        if matches!(self.inner.source, Source::ClientCredentials { .. }) {
            let _ = self.inner.shared.set(shared);
        }
        self
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
        let result = match self.inner.shared.get() {
            Some(shared) => self.fetch_shared(shared).await,
            None => self.fetch().await,
        };
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

    /// Forgets `stale` (NetSuite answered 401 to it) so the next call gets a new token. A token fetched by
    /// someone else in the meantime is kept.
    pub async fn invalidate(&self, stale: &AccessToken) {
        let mut state = self.inner.state.lock().await;
        if state.token.as_ref().is_some_and(|t| t.id == stale.id) {
            state.token = None;
        }
        if let (Some(shared), Some(stored)) = (self.inner.shared.get(), &stale.shared) {
            shared.remove(stored.clone()).await;
        }
        if let Source::Login(session) = &self.inner.source {
            session.refused(stale.expose());
        }
    }

    /// The token URL (also the assertion's audience in M2M mode).
    pub fn token_url(&self) -> &str {
        match &self.inner.source {
            Source::ClientCredentials { params, .. } => &params.audience,
            Source::Login(session) => session.token_url(),
        }
    }

    /// The shared token when it is fresh; else this instance takes the mint lock and asks NetSuite (and stores
    /// the token for the others), or waits for the instance that holds the lock.
    async fn fetch_shared(&self, shared: &SharedTokens) -> Result<AccessToken, AuthError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(token) = self.load_shared(shared).await? {
                return Ok(token);
            }
            if let Some(lock) = shared.try_lock().await.map_err(AuthError::Shared)? {
                // Someone may have stored a token between our read and the lock.
                let result = match self.load_shared(shared).await {
                    Ok(Some(token)) => Ok(token),
                    Ok(None) => self.fetch_and_store(shared).await,
                    Err(e) => Err(e),
                };
                lock.release().await;
                return result;
            }
            if started.elapsed() > super::shared::MINT_WAIT {
                return Err(AuthError::Shared(
                    "another instance has been getting the NetSuite token for too long (the shared token lock \
                     in Redis is still held); try again shortly"
                        .into(),
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    async fn load_shared(&self, shared: &SharedTokens) -> Result<Option<AccessToken>, AuthError> {
        let Some(found) = shared.load().await.map_err(AuthError::Shared)? else {
            return Ok(None);
        };
        let token = AccessToken {
            secret: found.secret,
            expires_at: found.expires_at,
            lifetime: found.lifetime,
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            shared: Some(found.stored),
        };
        Ok(token.is_fresh().then_some(token))
    }

    async fn fetch_and_store(&self, shared: &SharedTokens) -> Result<AccessToken, AuthError> {
        let mut token = self.fetch().await?;
        match shared
            .store(&token.secret, token.remaining(), token.lifetime)
            .await
        {
            Ok(stored) => token.shared = Some(stored),
            // The token works; the other instances will get their own.
            Err(e) => tracing::warn!("could not share the NetSuite token: {e}"),
        }
        Ok(token)
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let grant = match &self.inner.source {
            Source::ClientCredentials { key, params } => {
                let assertion = sign_assertion(params, key, SystemTime::now())?;
                let form = vec![
                    ("grant_type", GRANT_TYPE.to_owned()),
                    ("client_assertion_type", ASSERTION_TYPE.to_owned()),
                    ("client_assertion", assertion),
                ];
                request_token(
                    &self.inner.http,
                    &params.audience,
                    Grant::ClientCredentials,
                    form,
                    None,
                )
                .await?
            }
            Source::Login(session) => {
                // In a task of its own: a refresh that has reached NetSuite must finish and store the rotated
                // tokens even if the call that asked for it is cancelled (the old refresh token is spent).
                let (session, http) = (Arc::clone(session), self.inner.http.clone());
                tokio::spawn(async move { session.access_token(&http).await })
                    .await
                    .map_err(|e| {
                        AuthError::Store(format!("the token refresh stopped unexpectedly: {e}"))
                    })??
            }
        };
        Ok(AccessToken {
            secret: grant.access_token,
            expires_at: grant.started + grant.lifetime,
            lifetime: grant.lifetime,
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            shared: None,
        })
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
    fn token_debug_hides_the_secret() {
        let t = AccessToken {
            secret: SecretString::from("very-secret-token".to_owned()),
            expires_at: Instant::now() + Duration::from_secs(10),
            lifetime: Duration::from_secs(10),
            id: 1,
            shared: None,
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
            shared: None,
        };
        assert!(t.is_fresh());
        let old = AccessToken {
            expires_at: Instant::now() + Duration::from_millis(500),
            ..t
        };
        assert!(!old.is_fresh());
    }

    #[test]
    fn only_a_dead_sign_in_asks_for_a_new_login() {
        let refused = |grant, code: &str| AuthError::Refused {
            status: 400,
            code: code.into(),
            hint: "",
            grant,
        };
        assert!(refused(Grant::RefreshToken, "invalid_grant").needs_login());
        assert!(!refused(Grant::ClientCredentials, "invalid_grant").needs_login());
        assert!(!refused(Grant::RefreshToken, "invalid_client").needs_login());
        assert!(
            AuthError::NotSignedIn {
                profile: "p".into(),
                location: "x".into()
            }
            .needs_login()
        );
    }
}
