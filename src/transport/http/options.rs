//! [`HttpOptions`]: what the HTTP transport is told (address, token, allow-lists, limits), read from the
//! configuration and validated.

use std::net::SocketAddr;
use std::time::Duration;

use super::HttpError;
use super::access::Delegated;
use super::bearer::BearerToken;
use super::hosts::{LOOPBACK_HOSTS, parse_allowed_host, parse_allowed_origin};
use crate::config::{HttpConfig, Key, SettingError};

/// Largest request body accepted by default. Tool arguments are small; 1 MiB leaves room for big record values.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default deadline of one HTTP request, from its arrival to the end of its response.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Default time calls in flight get to finish after SIGINT/SIGTERM.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Default time a client gets to send the headers of a request.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How the HTTP transport runs.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Token clients must send as `Authorization: Bearer …`; `None` = no authentication (loopback only).
    pub bearer: Option<BearerToken>,
    /// Tokens checked by an authorization server or identity provider instead of one static token, with the
    /// routes it serves. Takes the place of `bearer`.
    pub delegated: Option<Delegated>,
    /// Accepted `Host` values: `name` (any port) or `name:port`. The loopback names are always accepted.
    pub allowed_hosts: Vec<String>,
    /// Accepted browser origins besides those of the allowed hosts: `scheme://host[:port|:*]`, or `null`.
    pub allowed_origins: Vec<String>,
    /// No sessions, JSON responses: any instance behind a load balancer can answer any request.
    pub stateless: bool,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Deadline of one request (504, or the response stream is cut, beyond).
    pub request_timeout: Duration,
    /// Time calls in flight get to finish at shutdown.
    pub shutdown_grace: Duration,
    /// Time a client gets to send a request's headers; slower connections are closed (slow-loris).
    pub header_read_timeout: Duration,
    /// The shared Redis `/healthz` reports on (scale-out); `None` in local mode.
    pub health: Option<crate::scale::HealthCheck>,
}

impl HttpOptions {
    /// Defaults for `bind`: no token, loopback hosts (plus the bind address itself when it is a specific IP),
    /// stateful, the default limits.
    pub fn new(bind: SocketAddr) -> Self {
        let mut allowed_hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
        let ip = bind.ip();
        if !ip.is_unspecified() && !ip.is_loopback() {
            allowed_hosts.push(ip.to_string());
        }
        Self {
            bind,
            bearer: None,
            delegated: None,
            allowed_hosts,
            allowed_origins: Vec::new(),
            stateless: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            health: None,
        }
    }

    /// Options from the configuration, validated: host and origin entries that do not parse, and a
    /// non-loopback address without a token, are refused for their setting with the fix.
    pub fn from_config(
        bind: SocketAddr,
        stateless: bool,
        config: &HttpConfig,
        delegated: Option<Delegated>,
    ) -> Result<Self, SettingError> {
        let mut options = Self::new(bind);
        options.stateless = stateless;
        options.bearer = config.bearer.as_ref().map(BearerToken::new);
        options.delegated = delegated;
        for host in &config.allowed_hosts {
            parse_allowed_host(host).map_err(|reason| SettingError {
                key: Key::AllowedHosts,
                reason,
            })?;
            if !options.allowed_hosts.contains(host) {
                options.allowed_hosts.push(host.clone());
            }
        }
        for origin in &config.allowed_origins {
            parse_allowed_origin(origin).map_err(|reason| SettingError {
                key: Key::AllowedOrigins,
                reason,
            })?;
            options.allowed_origins.push(origin.clone());
        }
        if let Some(timeout) = config.request_timeout {
            options.request_timeout = timeout;
        }
        if let Some(bytes) = config.max_body_bytes {
            options.max_body_bytes = bytes;
        }
        options.validate().map_err(|e| SettingError {
            key: Key::HttpToken,
            reason: e.to_string(),
        })?;
        Ok(options)
    }

    /// Refuses what would be unsafe or cannot work: a non-loopback address without a token, zero limits,
    /// malformed host or origin entries.
    pub fn validate(&self) -> Result<(), HttpError> {
        if self.bearer.is_none() && self.delegated.is_none() && !self.bind.ip().is_loopback() {
            return Err(HttpError::TokenRequired { bind: self.bind });
        }
        if self.max_body_bytes == 0 {
            return Err(HttpError::Invalid(
                "the request body limit must be at least 1 byte".into(),
            ));
        }
        if self.request_timeout.is_zero() || self.header_read_timeout.is_zero() {
            return Err(HttpError::Invalid(
                "the request and header timeouts must be positive".into(),
            ));
        }
        for host in &self.allowed_hosts {
            parse_allowed_host(host).map_err(HttpError::Invalid)?;
        }
        for origin in &self.allowed_origins {
            parse_allowed_origin(origin).map_err(HttpError::Invalid)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[test]
    fn non_loopback_bind_without_token_is_refused_with_the_fix() {
        let options = HttpOptions::new("0.0.0.0:8080".parse().unwrap());
        let err = options.validate().unwrap_err().to_string();
        assert!(
            err.contains("NETSUITE_MCP_HTTP_TOKEN") && err.contains("127.0.0.1"),
            "{err}"
        );
        assert!(
            HttpOptions::new("127.0.0.1:8080".parse().unwrap())
                .validate()
                .is_ok()
        );
        assert!(
            HttpOptions::new("[::1]:8080".parse().unwrap())
                .validate()
                .is_ok()
        );
        let mut options = HttpOptions::new("10.1.2.3:8080".parse().unwrap());
        assert!(options.allowed_hosts.contains(&"10.1.2.3".to_owned()));
        options.bearer = Some(BearerToken::new(&SecretString::from("x".repeat(32))));
        assert!(options.validate().is_ok());
    }

    #[test]
    fn options_from_config_read_token_hosts_origins_and_limits() {
        let config = HttpConfig {
            bearer: Some(SecretString::from("from-a-file-0123456789".to_owned())),
            allowed_hosts: vec!["mcp.example.com".into(), "10.0.0.5:8080".into()],
            allowed_origins: vec!["https://claude.ai".into()],
            request_timeout: Some(Duration::from_secs(7)),
            max_body_bytes: Some(2048),
        };
        let o =
            HttpOptions::from_config("0.0.0.0:8080".parse().unwrap(), true, &config, None).unwrap();
        assert!(
            o.bearer
                .as_ref()
                .unwrap()
                .matches(b"from-a-file-0123456789")
        );
        assert!(o.allowed_hosts.iter().any(|h| h == "mcp.example.com"));
        assert!(o.allowed_hosts.iter().any(|h| h == "localhost"));
        assert_eq!(o.allowed_origins, ["https://claude.ai"]);
        assert_eq!(o.request_timeout, Duration::from_secs(7));
        assert_eq!(o.max_body_bytes, 2048);
        assert!(o.stateless);

        let err = HttpOptions::from_config(
            "0.0.0.0:8080".parse().unwrap(),
            false,
            &HttpConfig::default(),
            None,
        )
        .unwrap_err();
        assert_eq!(err.key, Key::HttpToken);
        assert!(err.to_string().contains("openssl rand -hex 32"), "{err}");
        let bad_host = HttpConfig {
            allowed_hosts: vec!["https://mcp.example.com".into()],
            ..Default::default()
        };
        let err = HttpOptions::from_config("127.0.0.1:0".parse().unwrap(), false, &bad_host, None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("NETSUITE_MCP_ALLOWED_HOSTS"), "{err}");
    }
}
