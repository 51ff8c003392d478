//! [`HttpConfig`]: the HTTP transport's settings, validated (the bearer token read and checked here).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, Key, ListSetting, Settings};

/// Shortest HTTP bearer token accepted (`openssl rand -hex 32` makes 64 characters).
pub const MIN_HTTP_TOKEN_CHARS: usize = 16;

/// What the HTTP transport takes from the configuration. Host and origin entries are checked by the transport,
/// which knows their syntax, and reported as [`super::SettingError`]s.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// The bearer token clients must send; `None` when neither `NETSUITE_MCP_HTTP_TOKEN` nor its file is set.
    pub bearer: Option<SecretString>,
    /// Extra accepted `Host` values (`NETSUITE_MCP_ALLOWED_HOSTS`).
    pub allowed_hosts: Vec<String>,
    /// Extra accepted browser origins (`NETSUITE_MCP_ALLOWED_ORIGINS`).
    pub allowed_origins: Vec<String>,
    /// Deadline of one request, when configured.
    pub request_timeout: Option<Duration>,
    /// Largest request body, when configured.
    pub max_body_bytes: Option<usize>,
}

impl HttpConfig {
    /// Reads and checks the HTTP settings.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let items = |list: &Option<ListSetting>| list.as_ref().map(ListSetting::items);
        let mut allowed_hosts = items(&settings.allowed_hosts).unwrap_or_default();
        // The public URL's host is where clients reach this server: it needs no second mention.
        if settings.public_url.is_some() {
            let host = match settings.public_base_url()?.host() {
                Some(url::Host::Domain(d)) => Some(d.to_owned()),
                Some(url::Host::Ipv4(ip)) => Some(ip.to_string()),
                // IPv6 literals go in NETSUITE_MCP_ALLOWED_HOSTS by hand.
                _ => None,
            };
            if let Some(host) = host
                && !allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host))
            {
                allowed_hosts.push(host);
            }
        }
        Ok(Self {
            bearer: settings.http_bearer()?,
            allowed_hosts,
            allowed_origins: items(&settings.allowed_origins).unwrap_or_default(),
            request_timeout: settings.http_request_timeout()?.map(Duration::from_secs),
            max_body_bytes: settings.http_max_body_bytes()?,
        })
    }
}

impl Settings {
    /// The bearer token MCP clients must send in HTTP mode, from `NETSUITE_MCP_HTTP_TOKEN` or the file named by
    /// `NETSUITE_MCP_HTTP_TOKEN_FILE` (surrounding whitespace, e.g. a trailing newline, is ignored). `None` when
    /// neither is set. Tokens shorter than [`MIN_HTTP_TOKEN_CHARS`] are refused.
    pub fn http_bearer(&self) -> Result<Option<SecretString>, ConfigError> {
        let (token, key) = match (&self.http_token, &self.http_token_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    setting: Key::HttpToken.env(),
                    reason: "both NETSUITE_MCP_HTTP_TOKEN and NETSUITE_MCP_HTTP_TOKEN_FILE are set; keep only one"
                        .into(),
                });
            }
            (Some(token), None) => (token.expose_secret().trim().to_owned(), Key::HttpToken),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
                    setting: Key::HttpTokenFile.env(),
                    reason: format!("cannot read {}: {e}", path.display()),
                })?;
                (text.trim().to_owned(), Key::HttpTokenFile)
            }
            (None, None) => return Ok(None),
        };
        let setting = key.env();
        if token.chars().count() < MIN_HTTP_TOKEN_CHARS {
            return Err(ConfigError::Invalid {
                setting,
                reason: format!(
                    "the bearer token is too short (at least {MIN_HTTP_TOKEN_CHARS} characters); make one with `openssl rand -hex 32`"
                ),
            });
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::Invalid {
                setting,
                reason: "the bearer token may not contain spaces or control characters; make one with `openssl rand -hex 32`".into(),
            });
        }
        Ok(Some(SecretString::from(token)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::tests::{env, write};

    #[test]
    fn http_bearer_comes_from_the_variable_or_a_file_never_both_and_not_too_short() {
        assert!(Settings::default().http_bearer().unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "token", "  abcdefghijklmnopqrstuvwxyz012345\n");
        let s = Settings {
            http_token_file: Some(file.clone()),
            ..Default::default()
        };
        assert_eq!(
            s.http_bearer().unwrap().unwrap().expose_secret(),
            "abcdefghijklmnopqrstuvwxyz012345"
        );
        let both = Settings {
            http_token: Some(SecretString::from("x".repeat(40))),
            http_token_file: Some(file),
            ..Default::default()
        };
        assert!(
            both.http_bearer()
                .unwrap_err()
                .to_string()
                .contains("keep only one")
        );
        let short = Settings::from_env(env(&[("NETSUITE_MCP_HTTP_TOKEN", "hunter2")])).unwrap();
        let e = short.http_bearer().unwrap_err().to_string();
        assert!(
            e.starts_with("NETSUITE_MCP_HTTP_TOKEN:") && e.contains("openssl rand"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
        let missing = Settings {
            http_token_file: Some("/nonexistent/token".into()),
            ..Default::default()
        };
        assert!(
            missing
                .http_bearer()
                .unwrap_err()
                .to_string()
                .starts_with("NETSUITE_MCP_HTTP_TOKEN_FILE")
        );
        let spaced = Settings {
            http_token: Some(SecretString::from("abcdefgh ijklmnopqrstuvwxyz".to_owned())),
            ..Default::default()
        };
        assert!(spaced.http_bearer().is_err());
    }

    #[test]
    fn the_public_urls_host_is_allowed_once() {
        let c = HttpConfig::from_settings(
            &Settings::from_env(env(&[
                ("NETSUITE_MCP_PUBLIC_URL", "https://mcp.example.com"),
                ("NETSUITE_MCP_ALLOWED_HOSTS", "other.example.com"),
            ]))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(c.allowed_hosts, ["other.example.com", "mcp.example.com"]);
        let c = HttpConfig::from_settings(
            &Settings::from_env(env(&[
                ("NETSUITE_MCP_PUBLIC_URL", "https://MCP.example.com"),
                ("NETSUITE_MCP_ALLOWED_HOSTS", "mcp.example.com"),
            ]))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(c.allowed_hosts, ["mcp.example.com"]);
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let mut s = Settings {
            private_key: Some(SecretString::from(
                "-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n-----END PRIVATE KEY-----".to_owned(),
            )),
            ..Default::default()
        };
        s.http_token = Some(SecretString::from("bearer-secret".to_owned()));
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("SECRETKEYBYTES") && !dbg.contains("bearer-secret"),
            "{dbg}"
        );
    }

    #[test]
    fn http_config_reads_lists_and_limits_and_refuses_zero_for_its_variable() {
        let s = Settings::from_env(env(&[
            (
                "NETSUITE_MCP_ALLOWED_HOSTS",
                "mcp.example.com, 10.0.0.5:8080",
            ),
            ("NETSUITE_MCP_ALLOWED_ORIGINS", "https://claude.ai"),
            ("NETSUITE_MCP_HTTP_REQUEST_TIMEOUT", "7"),
            ("NETSUITE_MCP_HTTP_MAX_BODY_BYTES", "2048"),
        ]))
        .unwrap();
        let c = HttpConfig::from_settings(&s).unwrap();
        assert_eq!(c.allowed_hosts, ["mcp.example.com", "10.0.0.5:8080"]);
        assert_eq!(c.allowed_origins, ["https://claude.ai"]);
        assert_eq!(c.request_timeout, Some(Duration::from_secs(7)));
        assert_eq!(c.max_body_bytes, Some(2048));
        for (var, reason) in [
            (
                "NETSUITE_MCP_HTTP_REQUEST_TIMEOUT",
                "must be at least 1 (seconds)",
            ),
            ("NETSUITE_MCP_HTTP_MAX_BODY_BYTES", "must be at least 1"),
        ] {
            let s = Settings::from_env(env(&[(var, "0")])).unwrap();
            let e = HttpConfig::from_settings(&s).unwrap_err().to_string();
            assert_eq!(e, format!("{var}: {reason}"));
        }
    }
}
