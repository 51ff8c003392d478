//! Scale-out (design.md §1.9): what several instances serving one NetSuite account share. With
//! `NETSUITE_MCP_REDIS_URL` the account's concurrency limit ([`limiter`]), the M2M token cache ([`tokens`]) and
//! tools-list-changed fan-out ([`fanout`]) live in Redis; without it, in-process (the [`limiter`]'s local
//! semaphore, the token manager's own cache, the server's own listeners).
//!
//! Every Redis command has a time limit, so an unreachable or slow Redis turns into a clear error, never a hang;
//! the connection is re-established by itself when Redis is back (no restart).

pub mod fanout;
pub mod limiter;
pub mod tokens;

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use secrecy::ExposeSecret;

use crate::config::{Key, RedisConfig};

/// Redis failed: unreachable, too slow, or answered an error. The text names Redis and the fix; never the
/// URL's password.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScaleError {
    #[error(
        "Redis at {host} failed while {what} ({reason}). The instances share the account's NetSuite \
         concurrency limit and token through it ({setting}): check that Redis is running, reachable and \
         accepts the URL's credentials; calls work again as soon as it does. Nothing was sent to NetSuite"
    )]
    Unavailable {
        host: String,
        what: &'static str,
        reason: String,
        setting: &'static str,
    },
    /// The URL is not one the Redis client accepts.
    #[error("{setting}: {reason}")]
    Config {
        setting: &'static str,
        reason: String,
    },
}

/// A handle on the shared Redis: one multiplexed connection that reconnects by itself, the key prefix and the
/// time limit of every command. Cheap to clone.
#[derive(Clone)]
pub struct Redis {
    // Boxed in an Arc: with TLS parameters the client is some 300 bytes, and handles are cloned and embedded.
    client: std::sync::Arc<redis::Client>,
    manager: ConnectionManager,
    prefix: String,
    timeout: Duration,
    host: String,
    freshness: std::sync::Arc<Freshness>,
}

/// After a failure, or after a quiet spell, the shared connection may be dead without the connection manager
/// knowing (Redis restarted or failed over): the next command on it would fail, and only that failure makes the
/// manager reconnect. So such a command is preceded by a `PING`, which takes that failure (it changes nothing,
/// so it is safe to send twice) and lets the command run on the new connection.
const QUIET_SPELL: Duration = Duration::from_secs(1);

/// When the connection last answered, and whether it failed since.
struct Freshness {
    started: std::time::Instant,
    last_ok_ms: std::sync::atomic::AtomicU64,
    failed: std::sync::atomic::AtomicBool,
}

impl Freshness {
    fn new() -> Self {
        Self {
            started: std::time::Instant::now(),
            last_ok_ms: std::sync::atomic::AtomicU64::new(0),
            // Nothing has answered yet: the first command checks the connection too.
            failed: std::sync::atomic::AtomicBool::new(true),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn answered(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.last_ok_ms.store(self.now_ms(), Relaxed);
        self.failed.store(false, Relaxed);
    }

    fn failed(&self) {
        self.failed
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn doubtful(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let quiet = self.now_ms().saturating_sub(self.last_ok_ms.load(Relaxed));
        self.failed.load(Relaxed) || quiet > QUIET_SPELL.as_millis() as u64
    }
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("host", &self.host)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// A handle for `config`. Does not connect: the first command does (so an instance starts while Redis is
    /// down, and reports it per call and at `/healthz`).
    pub fn new(config: &RedisConfig) -> Result<Self, ScaleError> {
        let url = config.url.expose_secret().trim();
        let client = match &config.ca_pem {
            // rustls checks Redis's certificate against these roots only, and its name against the URL's host.
            Some(ca) => {
                let mut certs = CertificateDer::pem_slice_iter(ca);
                // The Redis client takes a file without certificates as an empty trust store: say so now.
                if !certs.all(|c| c.is_ok()) || CertificateDer::pem_slice_iter(ca).next().is_none()
                {
                    return Err(ScaleError::Config {
                        setting: Key::RedisCaFile.env(),
                        reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
                    });
                }
                redis::Client::build_with_tls(
                    url,
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(ca.clone()),
                    },
                )
                .map_err(|e| ScaleError::Config {
                    setting: Key::RedisCaFile.env(),
                    reason: format!(
                        "not a PEM certificate authority ({})",
                        e.detail().unwrap_or("unreadable")
                    ),
                })?
            }
            // `rediss://` checks against the system's roots; `redis://` is plain TCP.
            None => redis::Client::open(url).map_err(|e| ScaleError::Config {
                setting: Key::RedisUrl.env(),
                reason: format!("not a Redis URL ({:?})", e.kind()),
            })?,
        };
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(1)
            .set_max_delay(config.timeout);
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), manager_config)
            .map_err(|e| ScaleError::Config {
                setting: Key::RedisUrl.env(),
                reason: format!("{:?}", e.kind()),
            })?;
        Ok(Self {
            client: std::sync::Arc::new(client),
            manager,
            prefix: config.prefix.clone(),
            timeout: config.timeout,
            host: config.display_host(),
            freshness: std::sync::Arc::new(Freshness::new()),
        })
    }

    /// `name` under this deployment's prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// `host:port`, for messages.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The limit on one command.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A connection to run commands on (clones share one multiplexed connection).
    pub(crate) fn connection(&self) -> ConnectionManager {
        self.manager.clone()
    }

    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Runs one Redis operation within the time limit; failures become [`ScaleError::Unavailable`]. A connection
    /// that may have died meanwhile is checked first (see [`QUIET_SPELL`]).
    pub(crate) async fn run<T>(
        &self,
        what: &'static str,
        op: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, ScaleError> {
        if self.freshness.doubtful() {
            self.probe()
                .await
                .map_err(|reason| self.unavailable(what, reason))?;
        }
        match tokio::time::timeout(self.timeout, op).await {
            Ok(Ok(v)) => {
                self.freshness.answered();
                Ok(v)
            }
            Ok(Err(e)) => {
                // An error reply (a script's refusal) came over a working connection.
                if e.is_io_error() || e.is_unrecoverable_error() {
                    self.freshness.failed();
                } else {
                    self.freshness.answered();
                }
                Err(self.unavailable(what, describe(&e)))
            }
            Err(_) => {
                self.freshness.failed();
                Err(self.unavailable(what, self.no_answer()))
            }
        }
    }

    fn no_answer(&self) -> String {
        format!("no answer within {} ms", self.timeout.as_millis())
    }

    /// `PING`, once more if the connection turns out to be dead (the manager has started a new one by then).
    async fn probe(&self) -> Result<(), String> {
        let mut conn = self.connection();
        let mut reason = String::new();
        for _ in 0..2 {
            let cmd = redis::cmd("PING");
            let ping = cmd.query_async::<String>(&mut conn);
            match tokio::time::timeout(self.timeout, ping).await {
                Ok(Ok(_)) => {
                    self.freshness.answered();
                    return Ok(());
                }
                // Redis's own response timeout is an I/O error too, but one the manager does not reconnect on.
                Ok(Err(e)) if (e.is_io_error() || e.is_connection_dropped()) && !e.is_timeout() => {
                    reason = describe(&e)
                }
                Ok(Err(e)) => {
                    reason = describe(&e);
                    break;
                }
                Err(_) => {
                    reason = self.no_answer();
                    break;
                }
            }
        }
        self.freshness.failed();
        Err(reason)
    }

    pub(crate) fn unavailable(&self, what: &'static str, reason: String) -> ScaleError {
        ScaleError::Unavailable {
            host: self.host.clone(),
            what,
            reason,
            setting: Key::RedisUrl.env(),
        }
    }

    /// Whether Redis answers `PING` within the time limit.
    pub async fn ping(&self) -> Result<(), ScaleError> {
        self.probe()
            .await
            .map_err(|reason| self.unavailable("checking health", reason))
    }
}

/// The error's kind and server message; never the URL (which may hold a password).
fn describe(e: &redis::RedisError) -> String {
    // rustls's refusal reaches us as an I/O error whose text is rustls's (e.g. "invalid peer certificate:
    // UnknownIssuer"): it names the certificate problem, never the URL.
    let text = e.to_string();
    if text.contains("certificate") {
        let detail = text.rsplit_once("- ").map_or(text.as_str(), |(_, t)| t);
        return format!(
            "TLS: {}; check {} (the certificate authority Redis's certificate is signed by) and that the \
             URL's host is a name in that certificate",
            detail.trim(),
            Key::RedisCaFile.env()
        );
    }
    if e.kind() == redis::ErrorKind::AuthenticationFailed || e.code() == Some("WRONGPASS") {
        "authentication failed: check the user name and password in the URL".into()
    } else if e.is_connection_refusal() {
        "connection refused".into()
    } else if e.is_timeout() {
        "timed out".into()
    } else if e.is_io_error() || e.is_connection_dropped() {
        "connection lost".into()
    } else {
        match (e.code(), e.detail()) {
            (Some(code), Some(detail)) => format!("{code} {detail}"),
            (Some(code), None) => code.to_owned(),
            _ => format!("{:?}", e.kind()),
        }
    }
}

/// Everything one instance shares through Redis. Cheap to clone.
#[derive(Clone)]
pub struct ScaleOut {
    redis: Redis,
    lease: std::time::Duration,
    fallback_instances: Option<usize>,
    state_key: secrecy::SecretString,
}

impl std::fmt::Debug for ScaleOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScaleOut")
            .field("redis", &self.redis)
            .finish_non_exhaustive()
    }
}

impl ScaleOut {
    /// The shared parts for `config` (connects lazily).
    pub fn new(config: &RedisConfig) -> Result<Self, ScaleError> {
        Ok(Self {
            redis: Redis::new(config)?,
            lease: config.lease,
            fallback_instances: config.fallback_instances,
            state_key: config.state_key.clone(),
        })
    }

    /// The Redis handle.
    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    /// The limit of `limit` requests in flight on `account` (its realm), shared by every instance serving it.
    pub fn limiter(
        &self,
        account: &str,
        limit: usize,
    ) -> std::sync::Arc<dyn limiter::AccountLimiter> {
        std::sync::Arc::new(limiter::RedisLimiter::new(
            self.redis.clone(),
            account,
            limit,
            self.lease,
            self.fallback_instances,
        ))
    }

    /// The shared token cache of the integration `identity` names, sealed with the state key.
    pub fn tokens(&self, identity: &str) -> Result<crate::auth::SharedTokens, ScaleError> {
        let slot = tokens::RedisTokenSlot::new(self.redis.clone(), identity);
        crate::auth::SharedTokens::new(std::sync::Arc::new(slot), &self.state_key, identity)
            .map_err(|reason| ScaleError::Config {
                setting: Key::StateKey.env(),
                reason,
            })
    }

    /// The shared copy of a signed-in person's NetSuite tokens that `identity` names (scale-out of
    /// `netsuite-mcp login`), sealed with the state key.
    pub fn login(
        &self,
        identity: &str,
        when_empty: crate::auth::WhenEmpty,
        request_timeout: Duration,
    ) -> Result<crate::auth::SharedLogin, ScaleError> {
        let slot = tokens::RedisTokenSlot::of_kind(self.redis.clone(), "login", identity);
        crate::auth::SharedLogin::new(
            std::sync::Arc::new(slot),
            &self.state_key,
            identity,
            when_empty,
            request_timeout,
        )
        .map_err(|reason| ScaleError::Config {
            setting: Key::StateKey.env(),
            reason,
        })
    }

    /// The state key every instance shares (`NETSUITE_MCP_STATE_KEY`).
    pub fn state_key(&self) -> &secrecy::SecretString {
        &self.state_key
    }

    /// Tools-change fan-out for this instance. Per prefix, not per account: a tools directory belongs to a
    /// deployment, and two deployments of one account (with their own directories) are told apart only by their
    /// prefixes anyway; a message from another account's deployment under the same prefix costs a re-read of
    /// an unchanged directory, nothing more.
    pub fn fanout(&self) -> fanout::Fanout {
        fanout::Fanout::new(self.redis.clone())
    }

    /// What `/healthz` checks.
    pub fn health(&self) -> HealthCheck {
        HealthCheck {
            redis: self.redis.clone(),
            required: self.fallback_instances.is_none(),
        }
    }
}

/// Redis's part of the health check.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    redis: Redis,
    /// Without a fallback, an instance that cannot reach Redis cannot serve NetSuite calls.
    required: bool,
}

impl HealthCheck {
    /// `(reachable, whether this instance can serve without it)`. Says nothing about where Redis is.
    pub async fn check(&self) -> (bool, bool) {
        match self.redis.ping().await {
            Ok(()) => (true, true),
            Err(e) => {
                tracing::warn!("health check: {e}");
                (false, !self.required)
            }
        }
    }
}
