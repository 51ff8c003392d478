//! [`HttpOptions`]: what the HTTP transport is told (address, token, allow-lists, limits), read from the
//! configuration and validated.

use std::net::SocketAddr;
use std::time::Duration;

use super::HttpError;
use super::bearer::BearerToken;
use super::hosts::{LOOPBACK_HOSTS, parse_allowed_host, parse_allowed_origin};
use crate::config::{ConfigError, Settings};

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
            allowed_hosts,
            allowed_origins: Vec::new(),
            stateless: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }

    /// Options from the configuration (`NETSUITE_MCP_HTTP_TOKEN` or `…_TOKEN_FILE`, `NETSUITE_MCP_ALLOWED_HOSTS`,
    /// `NETSUITE_MCP_ALLOWED_ORIGINS`, `NETSUITE_MCP_HTTP_REQUEST_TIMEOUT`, `NETSUITE_MCP_HTTP_MAX_BODY_BYTES`),
    /// validated: a non-loopback address without a token is refused with the fix.
    pub fn from_settings(
        bind: SocketAddr,
        stateless: bool,
        settings: &Settings,
    ) -> Result<Self, ConfigError> {
        let mut options = Self::new(bind);
        options.stateless = stateless;
        options.bearer = settings.http_bearer()?.as_ref().map(BearerToken::new);
        if let Some(extra) = &settings.allowed_hosts {
            for host in extra.items() {
                parse_allowed_host(&host).map_err(|reason| ConfigError::Invalid {
                    setting: "NETSUITE_MCP_ALLOWED_HOSTS",
                    reason,
                })?;
                if !options.allowed_hosts.contains(&host) {
                    options.allowed_hosts.push(host);
                }
            }
        }
        if let Some(extra) = &settings.allowed_origins {
            for origin in extra.items() {
                parse_allowed_origin(&origin).map_err(|reason| ConfigError::Invalid {
                    setting: "NETSUITE_MCP_ALLOWED_ORIGINS",
                    reason,
                })?;
                options.allowed_origins.push(origin);
            }
        }
        if let Some(secs) = settings.http_request_timeout {
            if secs == 0 {
                return Err(ConfigError::Invalid {
                    setting: "NETSUITE_MCP_HTTP_REQUEST_TIMEOUT",
                    reason: "must be at least 1 (seconds)".into(),
                });
            }
            options.request_timeout = Duration::from_secs(secs);
        }
        if let Some(bytes) = settings.http_max_body_bytes {
            if bytes == 0 {
                return Err(ConfigError::Invalid {
                    setting: "NETSUITE_MCP_HTTP_MAX_BODY_BYTES",
                    reason: "must be at least 1".into(),
                });
            }
            options.max_body_bytes = bytes;
        }
        options.validate().map_err(|e| ConfigError::Invalid {
            setting: "NETSUITE_MCP_HTTP_TOKEN",
            reason: e.to_string(),
        })?;
        Ok(options)
    }

    /// Refuses what would be unsafe or cannot work: a non-loopback address without a token, zero limits,
    /// malformed host or origin entries.
    pub fn validate(&self) -> Result<(), HttpError> {
        if self.bearer.is_none() && !self.bind.ip().is_loopback() {
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
    fn options_from_settings_read_token_hosts_origins_and_limits() {
        use crate::config::ListSetting;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "from-a-file-0123456789\n").unwrap();
        let settings = Settings {
            http_token_file: Some(file),
            allowed_hosts: Some(ListSetting::Csv("mcp.example.com, 10.0.0.5:8080".into())),
            allowed_origins: Some(ListSetting::Csv("https://claude.ai".into())),
            http_request_timeout: Some(7),
            http_max_body_bytes: Some(2048),
            ..Default::default()
        };
        let o =
            HttpOptions::from_settings("0.0.0.0:8080".parse().unwrap(), true, &settings).unwrap();
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

        let err = HttpOptions::from_settings(
            "0.0.0.0:8080".parse().unwrap(),
            false,
            &Settings::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("openssl rand -hex 32"), "{err}");
        let bad_host = Settings {
            allowed_hosts: Some(ListSetting::Csv("https://mcp.example.com".into())),
            ..Default::default()
        };
        let err = HttpOptions::from_settings("127.0.0.1:0".parse().unwrap(), false, &bad_host)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("NETSUITE_MCP_ALLOWED_HOSTS"), "{err}");
    }
}
