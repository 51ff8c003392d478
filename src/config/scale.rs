//! Scale-out settings (design.md §1.9): the Redis every instance serving one account shares.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, Key, Settings};

/// Default key and channel prefix.
pub const DEFAULT_REDIS_PREFIX: &str = "netsuite-mcp:";
/// Default lease of a shared concurrency slot.
pub const DEFAULT_REDIS_LEASE: Duration = Duration::from_secs(30);
/// Default limit on one Redis command.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Where and how the shared state lives.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis[s]://[user:password@]host:port/db`; may hold a password, so never shown whole.
    pub url: SecretString,
    /// `rediss://` only: PEM certificate authorities to check Redis's certificate against instead of the
    /// system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Prefix of every key and channel.
    pub prefix: String,
    /// Lease of a concurrency slot (renewed while the request runs).
    pub lease: Duration,
    /// Limit on every Redis command.
    pub timeout: Duration,
    /// While Redis is unreachable, run with a local limit of the account limit ÷ this; `None`: fail instead.
    pub fallback_instances: Option<usize>,
    /// Seals the shared NetSuite tokens (`NETSUITE_MCP_STATE_KEY`).
    pub state_key: SecretString,
}

impl RedisConfig {
    /// `host:port` of the URL, for messages (no user, password or database).
    pub fn display_host(&self) -> String {
        url::Url::parse(self.url.expose_secret())
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_owned();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| "(unparsable URL)".into())
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("host", &self.display_host())
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("timeout", &self.timeout)
            .field("fallback_instances", &self.fallback_instances)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The shared Redis; `None` when `NETSUITE_MCP_REDIS_URL` is unset (everything stays in-process). The
    /// state key is required with it: the shared NetSuite tokens are stored sealed.
    pub fn redis_config(&self) -> Result<Option<RedisConfig>, ConfigError> {
        let Some(url) = self.redis_url.clone() else {
            return Ok(None);
        };
        let parsed =
            url::Url::parse(url.expose_secret().trim()).map_err(|e| ConfigError::Invalid {
                setting: Key::RedisUrl.env(),
                reason: format!("not a URL ({e}); use redis://host:6379/0"),
            })?;
        match parsed.scheme() {
            "redis" | "redis+unix" | "unix" | "rediss" => {}
            other => {
                return Err(ConfigError::Invalid {
                    setting: Key::RedisUrl.env(),
                    reason: format!("scheme {other:?} is not redis:// or rediss:// (TLS)"),
                });
            }
        }
        let ca_pem = match &self.redis_ca_file {
            None => None,
            Some(_) if parsed.scheme() != "rediss" => {
                return Err(ConfigError::Invalid {
                    setting: Key::RedisCaFile.env(),
                    reason: format!(
                        "a certificate authority only applies to TLS: make {} a rediss:// URL, or unset this",
                        Key::RedisUrl.env()
                    ),
                });
            }
            Some(path) => Some(std::fs::read(path).map_err(|e| ConfigError::Invalid {
                setting: Key::RedisCaFile.env(),
                reason: format!("cannot read {}: {e}", path.display()),
            })?),
        };
        let Some(state) = self.state_config()? else {
            return Err(ConfigError::Invalid {
                setting: Key::RedisUrl.env(),
                reason: format!(
                    "the NetSuite tokens shared through Redis are stored encrypted: set {} (or {}) to the same \
                     random secret on every instance, e.g. `openssl rand -base64 32`",
                    Key::StateKey.env(),
                    Key::StateKeyFile.env()
                ),
            });
        };
        let prefix = self
            .redis_prefix
            .clone()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_REDIS_PREFIX.to_owned());
        Ok(Some(RedisConfig {
            url,
            ca_pem,
            prefix,
            lease: self
                .redis_lease_ms()?
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_REDIS_LEASE),
            timeout: self
                .redis_timeout_ms()?
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_REDIS_TIMEOUT),
            fallback_instances: self.redis_fallback_instances()?,
            state_key: state.key,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> Settings {
        Settings {
            redis_url: Some(SecretString::from(url.to_owned())),
            state_key: Some(SecretString::from(
                "0123456789abcdefghijklmnopqrstuvwxyzABCD".to_owned(),
            )),
            ..Default::default()
        }
    }

    #[test]
    fn unset_url_keeps_everything_in_process() {
        assert!(Settings::default().redis_config().unwrap().is_none());
    }

    #[test]
    fn redis_needs_the_state_key() {
        let s = Settings {
            state_key: None,
            ..with_url("redis://127.0.0.1:6379/0")
        };
        let err = s.redis_config().unwrap_err().to_string();
        assert!(err.contains("NETSUITE_MCP_STATE_KEY"), "{err}");
    }

    #[test]
    fn defaults_and_host_without_password() {
        let c = with_url("redis://user:hunter2@cache.internal:6380/1")
            .redis_config()
            .unwrap()
            .unwrap();
        assert_eq!(c.prefix, DEFAULT_REDIS_PREFIX);
        assert_eq!(c.lease, DEFAULT_REDIS_LEASE);
        assert_eq!(c.display_host(), "cache.internal:6380");
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn tls_urls_are_accepted_and_a_ca_needs_one() {
        let c = with_url("rediss://h:6379").redis_config().unwrap().unwrap();
        assert!(c.ca_pem.is_none());
        let ca = Settings {
            redis_ca_file: Some("/nonexistent/ca.pem".into()),
            ..with_url("redis://h:6379")
        };
        let err = ca.redis_config().unwrap_err().to_string();
        assert!(
            err.contains("NETSUITE_MCP_REDIS_CA_FILE") && err.contains("rediss://"),
            "{err}"
        );
        let missing = Settings {
            redis_ca_file: Some("/nonexistent/ca.pem".into()),
            ..with_url("rediss://h:6379")
        };
        let err = missing.redis_config().unwrap_err().to_string();
        assert!(err.contains("cannot read /nonexistent/ca.pem"), "{err}");
    }
}
