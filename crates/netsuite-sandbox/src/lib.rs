//! The embedded NetSuite-compatible sandbox: test double for every integration test and `serve --sandbox`.
//!
//! [`Sandbox::start`] serves, on one local port, the OAuth 2.0 token endpoint (client credentials, and the
//! authorization code and refresh grants of a person signing in), the authorize page, the revoke endpoint and
//! the data endpoints of [`data::router`], behind bearer authentication, the account concurrency limit,
//! optional latency and fault injection. It is strict on purpose: it verifies assertion signatures against the mapped
//! certificates and refuses what NetSuite refuses.

pub mod data;
pub mod error;

mod certs;
mod faults;
mod governance;
mod login;
mod oauth;
mod tba;
mod tokens;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, Faults};
pub use governance::Counters;
pub use login::{
    AUTHORIZE_PATH, DEFAULT_PUBLIC_CLIENT_ID, DEFAULT_REDIRECT_URI, LoginConfig, LoginCounters,
    LoginIntegration, REVOKE_PATH, SandboxUser,
};
pub use tba::{
    DEFAULT_TBA_CLOCK_SKEW, DEFAULT_TBA_CONSUMER_KEY, DEFAULT_TBA_CONSUMER_SECRET,
    DEFAULT_TBA_TOKEN_ID, DEFAULT_TBA_TOKEN_SECRET, SandboxTba, SandboxTbaToken, tba_authorization,
};

use certs::MappedKey;
use error::NsError;
use governance::Governance;
use tokens::TokenStore;

/// Path of the OAuth 2.0 token endpoint.
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
/// Path of every RESTlet.
pub const RESTLET_PATH: &str = "/app/site/hosting/restlet.nl";
/// Scopes an M2M integration can have (`mcp` cannot be used with client credentials).
pub const KNOWN_SCOPES: [&str; 3] = ["rest_webservices", "restlets", "suite_analytics"];
/// NetSuite access tokens last 60 minutes.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Standard-tier account concurrency limit.
pub const DEFAULT_CONCURRENCY_LIMIT: usize = 5;
/// How far in the future an assertion's `iat` may be. guess: NetSuite says only "a small skew".
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);
/// NetSuite allows at most 5 active certificates per integration record.
const MAX_CERTIFICATES: usize = 5;
/// How long [`SandboxHandle::shutdown`] waits for in-flight requests before aborting the server.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A certificate mapped to the integration, as NetSuite's M2M setup screen stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxCertificate {
    /// The opaque certificate ID NetSuite generates at mapping; clients send it as the JWT `kid`.
    pub certificate_id: String,
    /// The uploaded X.509 certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub certificate_pem: String,
}

/// How the sandbox account and integration are set up.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Account ID, e.g. `1234567_SB1`; the realm of `WWW-Authenticate` challenges.
    pub account_id: String,
    /// The integration record's client ID; assertions must carry it as `iss`.
    pub client_id: String,
    /// Certificates mapped to the integration; the assertion's `kid` selects one.
    pub certificates: Vec<SandboxCertificate>,
    /// Scopes enabled on the integration record.
    pub enabled_scopes: Vec<String>,
    /// Lifetime of issued access tokens.
    pub token_lifetime: Duration,
    /// Account limit on API requests in flight at once.
    pub concurrency_limit: usize,
    /// Added to every API request, inside its concurrency slot.
    pub latency: Duration,
    /// How far in the future an assertion's `iat` may be.
    pub max_clock_skew: Duration,
    /// Where to listen.
    pub bind: SocketAddr,
    /// The TBA (OAuth 1.0a) integration and its tokens; `None` refuses every `Authorization: OAuth` request.
    pub tba: Option<SandboxTba>,
    /// Signing in as a person (authorization code grant): integrations, users, lifetimes.
    pub login: LoginConfig,
}

impl SandboxConfig {
    /// A configuration with every scope enabled, 60-minute tokens, a concurrency limit of 5, no latency, and
    /// a random loopback port; TBA
    /// accepts the default integration and token ([`SandboxTba::default`]).
    pub fn new(
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        certificates: Vec<SandboxCertificate>,
    ) -> Self {
        Self {
            account_id: account_id.into(),
            client_id: client_id.into(),
            certificates,
            enabled_scopes: KNOWN_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            concurrency_limit: DEFAULT_CONCURRENCY_LIMIT,
            latency: Duration::ZERO,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            tba: Some(SandboxTba::default()),
            login: LoginConfig::default(),
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("certificate {certificate_id:?} cannot be mapped: {reason}")]
    InvalidCertificate {
        certificate_id: String,
        reason: String,
    },
    #[error(
        "certificate {certificate_id:?} has a {bits}-bit RSA key; NetSuite accepts only 3072 or 4096 bits"
    )]
    RsaKeySize { certificate_id: String, bits: usize },
    #[error(
        "certificate {certificate_id:?} uses EC curve {curve}; NetSuite accepts only P-256, P-384 and P-521"
    )]
    UnsupportedCurve {
        certificate_id: String,
        curve: String,
    },
    #[error(
        "certificate {certificate_id:?} has a key of type {algorithm}; NetSuite accepts only RSA and EC keys"
    )]
    UnsupportedKeyType {
        certificate_id: String,
        algorithm: String,
    },
    #[error("invalid sandbox configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot build the demo data: {0}")]
    Data(#[source] Box<NsError>),
}

/// State shared by the token endpoint and the governance middleware.
pub(crate) struct Shared {
    pub account_id: String,
    pub client_id: String,
    /// The only accepted `aud`: this server's token URL.
    pub token_url: String,
    pub keys: Vec<MappedKey>,
    pub enabled_scopes: Vec<String>,
    pub token_lifetime: Duration,
    pub max_clock_skew: Duration,
    pub tokens: TokenStore,
    pub login: login::LoginState,
    pub governance: Governance,
    pub faults: Faults,
    pub tba: tba::TbaVerifier,
}

/// Starts sandboxes.
#[derive(Debug, Clone, Copy)]
pub struct Sandbox;

impl Sandbox {
    /// Validates `config` (certificates as NetSuite's upload would), binds, and serves in the background.
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        let keys = validate(&config)?;
        let store = Arc::new(data::Store::demo().map_err(|e| SandboxError::Data(Box::new(e)))?);

        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.bind,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.bind,
            source,
        })?;
        // A wildcard bind is reachable on loopback; URLs must name a concrete host.
        let url_addr = if local_addr.ip().is_unspecified() {
            let ip = match local_addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            };
            SocketAddr::new(ip, local_addr.port())
        } else {
            local_addr
        };
        let base_url = format!("http://{url_addr}");

        let tba = tba::TbaVerifier::new(config.tba, &config.account_id);
        let shared = Arc::new(Shared {
            tba,
            account_id: config.account_id,
            client_id: config.client_id,
            token_url: format!("{base_url}{TOKEN_PATH}"),
            keys,
            enabled_scopes: config.enabled_scopes,
            token_lifetime: config.token_lifetime,
            max_clock_skew: config.max_clock_skew,
            tokens: TokenStore::default(),
            login: login::LoginState::new(config.login),
            governance: Governance::new(config.concurrency_limit, config.latency),
            faults: Faults::default(),
        });

        let app = Router::new()
            .route(TOKEN_PATH, post(oauth::token_endpoint))
            .route(AUTHORIZE_PATH, get(login::authorize::page))
            .route(REVOKE_PATH, post(login::grant::revoke))
            .with_state(shared.clone())
            .merge(data::router(store.clone(), base_url.clone()))
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                governance::govern,
            ));

        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            // Dropping the handle drops the sender, which also stops the server.
            let stop = async move {
                let _ = stop_rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::warn!("sandbox server stopped with an error: {e}");
            }
        });
        tracing::info!(%base_url, "NetSuite sandbox listening");

        Ok(SandboxHandle {
            shared,
            store,
            base_url,
            local_addr,
            stop: Some(stop_tx),
            server: Some(server),
        })
    }
}

/// Checks the configuration and maps the certificates.
fn validate(config: &SandboxConfig) -> Result<Vec<MappedKey>, SandboxError> {
    let invalid = |m: &str| Err(SandboxError::InvalidConfig(m.to_owned()));
    // Account IDs are digits with an optional `_SB1`-style suffix; anything else would break the realm quoting.
    let account_ok = !config.account_id.is_empty()
        && config
            .account_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !account_ok {
        return invalid("account_id must be letters, digits, `_` or `-`, e.g. 1234567_SB1");
    }
    if config.client_id.trim().is_empty() {
        return invalid("client_id must not be empty");
    }
    if config.certificates.is_empty() {
        return invalid("at least one certificate must be mapped");
    }
    if config.certificates.len() > MAX_CERTIFICATES {
        return invalid("NetSuite allows at most 5 active certificates per integration");
    }
    if let Some(s) = config
        .enabled_scopes
        .iter()
        .find(|s| !KNOWN_SCOPES.contains(&s.as_str()))
    {
        return Err(SandboxError::InvalidConfig(format!(
            "scope {s:?} cannot be enabled for client credentials; use {}",
            KNOWN_SCOPES.join(", ")
        )));
    }
    if config.concurrency_limit == 0 {
        return invalid("concurrency_limit must be at least 1");
    }
    if config.token_lifetime.is_zero() {
        return invalid("token_lifetime must be positive");
    }
    login::validate(&config.login)?;
    let mut keys: Vec<MappedKey> = Vec::with_capacity(config.certificates.len());
    for cert in &config.certificates {
        let key = certs::map_certificate(cert)?;
        if keys.iter().any(|k| k.certificate_id == key.certificate_id) {
            return Err(SandboxError::InvalidConfig(format!(
                "certificate ID {:?} is mapped twice",
                key.certificate_id
            )));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// A running sandbox. Dropping it stops the server too; [`SandboxHandle::shutdown`] also waits for it.
pub struct SandboxHandle {
    shared: Arc<Shared>,
    store: Arc<data::Store>,
    base_url: String,
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("base_url", &self.base_url)
            .field("account_id", &self.shared.account_id)
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`: the REST and the RESTlet base (one server plays both hosts).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The token endpoint; also the only `aud` accepted in assertions.
    pub fn token_url(&self) -> String {
        self.shared.token_url.clone()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        self.shared.governance.snapshot()
    }

    /// Zeroes the counters (not the live in-flight gauge), e.g. between benchmark phases.
    pub fn reset_counters(&self) {
        self.shared.governance.reset();
    }

    /// Fault injection queues.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The data store behind the data endpoints.
    pub fn store(&self) -> Arc<data::Store> {
        self.store.clone()
    }

    /// Changes the time the token endpoint takes before answering (every grant), from now on.
    pub fn set_token_latency(&self, latency: Duration) {
        self.shared.governance.set_token_latency(latency);
    }

    /// Changes the latency added to every API request from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.governance.set_latency(latency);
    }

    /// Changes the account concurrency limit from now on (requests already in flight stay).
    pub fn set_concurrency_limit(&self, limit: usize) {
        self.shared.governance.set_concurrency_limit(limit);
    }

    /// Every token issued so far answers 401 from now on, as if it had expired.
    pub fn expire_all_tokens(&self) {
        self.shared.tokens.expire_all();
    }

    /// Every token issued so far answers 401 from now on, as if revoked.
    pub fn revoke_all_tokens(&self) {
        self.shared.tokens.revoke_all();
    }

    /// Stops accepting connections, lets in-flight requests finish (up to a grace period), and waits.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}
