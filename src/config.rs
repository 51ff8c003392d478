//! Configuration: flags > environment > TOML file (optionally one of its `[profiles.NAME]`) > defaults.
//! Secrets live in `SecretString`s and never come from the command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::account::{AccountError, AccountId, Endpoints};
use crate::auth::{Algorithm, AssertionParams, KeyError, Scope, SigningKey, TokenManager};
use crate::netsuite::NetSuiteClient;
use crate::netsuite::client::{
    ClientOptions, DEFAULT_MAX_CONCURRENCY, REQUEST_TIMEOUT, http_client_with_timeout,
};

/// Env var naming the config file.
pub const CONFIG_ENV: &str = "NETSUITE_MCP_CONFIG";
/// Env var naming the profile of the config file to use.
pub const PROFILE_ENV: &str = "NETSUITE_MCP_PROFILE";
/// Shortest HTTP bearer token accepted (`openssl rand -hex 32` makes 64 characters).
pub const MIN_HTTP_TOKEN_CHARS: usize = 16;

/// A list setting: a TOML array, or a comma-separated string (as in env vars).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ListSetting {
    List(Vec<String>),
    Csv(String),
}

impl ListSetting {
    /// Trimmed, non-empty items.
    pub fn items(&self) -> Vec<String> {
        let raw: Vec<&str> = match self {
            ListSetting::List(v) => v.iter().map(String::as_str).collect(),
            ListSetting::Csv(s) => s.split(',').collect(),
        };
        raw.into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// One layer of settings (file, profile, environment or flags). Keys are the env var names in lower case
/// without the `NETSUITE_` / `NETSUITE_MCP_` prefix.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub account_id: Option<String>,
    pub client_id: Option<String>,
    pub certificate_id: Option<String>,
    pub private_key_path: Option<PathBuf>,
    pub private_key: Option<SecretString>,
    pub algorithm: Option<String>,
    pub scopes: Option<ListSetting>,
    pub base_url: Option<String>,
    pub restlet_base_url: Option<String>,
    pub content_language: Option<String>,
    pub max_concurrency: Option<usize>,
    /// Milliseconds one NetSuite request may take before it is abandoned (`NETSUITE_REQUEST_TIMEOUT_MS`).
    pub request_timeout_ms: Option<u64>,
    /// Sends of one NetSuite request at most, the first included (`NETSUITE_RETRY_MAX_ATTEMPTS`).
    pub retry_max_attempts: Option<u32>,
    /// Delay before the first retry, doubled after each (`NETSUITE_RETRY_BASE_DELAY_MS`).
    pub retry_base_delay_ms: Option<u64>,
    /// Cap on one retry delay, `Retry-After` included (`NETSUITE_RETRY_MAX_DELAY_MS`).
    pub retry_max_delay_ms: Option<u64>,
    pub read_only: Option<bool>,
    pub toolsets: Option<ListSetting>,
    pub tools: Option<ListSetting>,
    pub exclude_tools: Option<ListSetting>,
    pub record_types: Option<ListSetting>,
    pub tools_dir: Option<PathBuf>,
    /// Milliseconds between checks of the tools directory for changes; 0 turns hot reload off
    /// (`NETSUITE_MCP_TOOLS_POLL_MS`).
    pub tools_poll_ms: Option<u64>,
    pub http_token: Option<SecretString>,
    pub allowed_hosts: Option<ListSetting>,
    /// File holding the HTTP bearer token (`NETSUITE_MCP_HTTP_TOKEN_FILE`), e.g. a mounted secret.
    pub http_token_file: Option<PathBuf>,
    /// Extra browser origins accepted in HTTP mode (`NETSUITE_MCP_ALLOWED_ORIGINS`).
    pub allowed_origins: Option<ListSetting>,
    /// Seconds one HTTP request may take (`NETSUITE_MCP_HTTP_REQUEST_TIMEOUT`).
    pub http_request_timeout: Option<u64>,
    /// Largest HTTP request body accepted, in bytes (`NETSUITE_MCP_HTTP_MAX_BODY_BYTES`).
    pub http_max_body_bytes: Option<usize>,
    /// Character budget of one tool result (`NETSUITE_MCP_MAX_RESULT_CHARS`).
    pub max_result_chars: Option<usize>,
    /// File only: the profile used when none is chosen.
    pub profile: Option<String>,
    /// File only: named profiles, each a full layer over the top-level keys.
    pub profiles: Option<BTreeMap<String, Settings>>,
}

macro_rules! overlay_fields {
    ($low:ident, $high:ident, $($field:ident),*) => {
        Settings { $($field: $high.$field.or($low.$field),)* profile: None, profiles: None }
    };
}

impl Settings {
    /// `high` wins field by field.
    pub fn overlay(self, high: Settings) -> Settings {
        let low = self;
        overlay_fields!(
            low,
            high,
            account_id,
            client_id,
            certificate_id,
            private_key_path,
            private_key,
            algorithm,
            scopes,
            base_url,
            restlet_base_url,
            content_language,
            max_concurrency,
            request_timeout_ms,
            retry_max_attempts,
            retry_base_delay_ms,
            retry_max_delay_ms,
            read_only,
            toolsets,
            tools,
            exclude_tools,
            record_types,
            tools_dir,
            tools_poll_ms,
            http_token,
            allowed_hosts,
            http_token_file,
            allowed_origins,
            http_request_timeout,
            http_max_body_bytes,
            max_result_chars
        )
    }

    /// The environment layer, read through `var` (so tests need not touch the process environment).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let list = |name: &str| get(name).map(ListSetting::Csv);
        Ok(Settings {
            account_id: get("NETSUITE_ACCOUNT_ID"),
            client_id: get("NETSUITE_CLIENT_ID"),
            certificate_id: get("NETSUITE_CERTIFICATE_ID"),
            private_key_path: get("NETSUITE_PRIVATE_KEY_PATH").map(PathBuf::from),
            private_key: get("NETSUITE_PRIVATE_KEY").map(SecretString::from),
            algorithm: get("NETSUITE_ALGORITHM"),
            scopes: list("NETSUITE_SCOPES"),
            base_url: get("NETSUITE_BASE_URL"),
            restlet_base_url: get("NETSUITE_RESTLET_BASE_URL"),
            content_language: get("NETSUITE_CONTENT_LANGUAGE"),
            max_concurrency: get("NETSUITE_MAX_CONCURRENCY")
                .map(|v| parse_usize("NETSUITE_MAX_CONCURRENCY", &v))
                .transpose()?,
            request_timeout_ms: get("NETSUITE_REQUEST_TIMEOUT_MS")
                .map(|v| parse_u64("NETSUITE_REQUEST_TIMEOUT_MS", &v))
                .transpose()?,
            retry_max_attempts: get("NETSUITE_RETRY_MAX_ATTEMPTS")
                .map(|v| parse_u64("NETSUITE_RETRY_MAX_ATTEMPTS", &v))
                .transpose()?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            retry_base_delay_ms: get("NETSUITE_RETRY_BASE_DELAY_MS")
                .map(|v| parse_u64("NETSUITE_RETRY_BASE_DELAY_MS", &v))
                .transpose()?,
            retry_max_delay_ms: get("NETSUITE_RETRY_MAX_DELAY_MS")
                .map(|v| parse_u64("NETSUITE_RETRY_MAX_DELAY_MS", &v))
                .transpose()?,
            read_only: get("NETSUITE_MCP_READ_ONLY")
                .map(|v| parse_bool("NETSUITE_MCP_READ_ONLY", &v))
                .transpose()?,
            toolsets: list("NETSUITE_MCP_TOOLSETS"),
            tools: list("NETSUITE_MCP_TOOLS"),
            exclude_tools: list("NETSUITE_MCP_EXCLUDE_TOOLS"),
            record_types: list("NETSUITE_MCP_RECORD_TYPES"),
            tools_dir: get("NETSUITE_MCP_TOOLS_DIR").map(PathBuf::from),
            tools_poll_ms: get("NETSUITE_MCP_TOOLS_POLL_MS")
                .map(|v| parse_usize("NETSUITE_MCP_TOOLS_POLL_MS", &v).map(|n| n as u64))
                .transpose()?,
            http_token: get("NETSUITE_MCP_HTTP_TOKEN").map(SecretString::from),
            allowed_hosts: list("NETSUITE_MCP_ALLOWED_HOSTS"),
            http_token_file: get("NETSUITE_MCP_HTTP_TOKEN_FILE").map(PathBuf::from),
            allowed_origins: list("NETSUITE_MCP_ALLOWED_ORIGINS"),
            http_request_timeout: get("NETSUITE_MCP_HTTP_REQUEST_TIMEOUT")
                .map(|v| parse_usize("NETSUITE_MCP_HTTP_REQUEST_TIMEOUT", &v).map(|n| n as u64))
                .transpose()?,
            http_max_body_bytes: get("NETSUITE_MCP_HTTP_MAX_BODY_BYTES")
                .map(|v| parse_usize("NETSUITE_MCP_HTTP_MAX_BODY_BYTES", &v))
                .transpose()?,
            max_result_chars: get("NETSUITE_MCP_MAX_RESULT_CHARS")
                .map(|v| parse_usize("NETSUITE_MCP_MAX_RESULT_CHARS", &v))
                .transpose()?,
            profile: None,
            profiles: None,
        })
    }

    /// Reads a TOML file and picks the profile: `profile` if given, else the file's own `profile` key, else
    /// the top-level keys alone.
    pub fn from_file(path: &Path, profile: Option<&str>) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text, path, profile)
    }

    fn from_toml(text: &str, path: &Path, profile: Option<&str>) -> Result<Settings, ConfigError> {
        let mut doc: Settings = toml::from_str(text).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            reason: describe_toml_error(text, &e),
        })?;
        let profiles = doc.profiles.take().unwrap_or_default();
        if let Some((name, _)) = profiles
            .iter()
            .find(|(_, p)| p.profiles.is_some() || p.profile.is_some())
        {
            return Err(ConfigError::File {
                path: path.to_owned(),
                reason: format!("[profiles.{name}] may not contain `profile` or `profiles`"),
            });
        }
        let chosen = profile.map(str::to_owned).or(doc.profile.take());
        match chosen {
            None => Ok(doc),
            Some(name) => match profiles.get(&name) {
                Some(p) => Ok(doc.overlay(p.clone())),
                None => Err(ConfigError::UnknownProfile {
                    name,
                    path: path.to_owned(),
                    available: profiles.keys().cloned().collect(),
                }),
            },
        }
    }

    /// Merges every layer: `flags` > environment > file (`config_path`, or `NETSUITE_MCP_CONFIG`).
    pub fn load(
        config_path: Option<&Path>,
        profile: Option<&str>,
        flags: Settings,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let env_path = var(CONFIG_ENV)
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from);
        let env_profile = var(PROFILE_ENV).filter(|v| !v.trim().is_empty());
        let profile = profile.map(str::to_owned).or(env_profile);
        let file = match config_path.map(Path::to_path_buf).or(env_path) {
            Some(path) => Settings::from_file(&path, profile.as_deref())?,
            None if profile.is_some() => {
                return Err(ConfigError::Invalid {
                    setting: "--profile",
                    reason: "a profile needs a config file: pass --config FILE or set NETSUITE_MCP_CONFIG".into(),
                });
            }
            None => Settings::default(),
        };
        Ok(file.overlay(Settings::from_env(&var)?).overlay(flags))
    }

    /// Validates what talking to NetSuite needs and loads the key. Every missing setting is named at once.
    pub fn netsuite(&self) -> Result<NetSuiteConfig, ConfigError> {
        let mut missing = Vec::new();
        if self.account_id.is_none() {
            missing.push("NETSUITE_ACCOUNT_ID");
        }
        if self.client_id.is_none() {
            missing.push("NETSUITE_CLIENT_ID");
        }
        if self.certificate_id.is_none() {
            missing.push("NETSUITE_CERTIFICATE_ID");
        }
        if self.private_key.is_none() && self.private_key_path.is_none() {
            missing.push("NETSUITE_PRIVATE_KEY_PATH (or NETSUITE_PRIVATE_KEY)");
        }
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        let account = AccountId::parse(self.account_id.as_deref().unwrap_or_default())?;
        let endpoints = Endpoints::new(
            &account,
            self.base_url.as_deref(),
            self.restlet_base_url.as_deref(),
        )?;
        let client_id = non_blank("NETSUITE_CLIENT_ID", self.client_id.as_deref())?;
        let certificate_id = non_blank("NETSUITE_CERTIFICATE_ID", self.certificate_id.as_deref())?;
        let algorithm = self
            .algorithm
            .as_deref()
            .map(str::parse::<Algorithm>)
            .transpose()
            .map_err(|e| ConfigError::Key {
                setting: "NETSUITE_ALGORITHM",
                source: e,
            })?;
        let (pem, key_setting) = self.private_key_pem()?;
        let key =
            SigningKey::from_pem(pem.expose_secret(), algorithm).map_err(|e| ConfigError::Key {
                setting: key_setting,
                source: e,
            })?;
        let scopes = match &self.scopes {
            None => Scope::defaults(),
            Some(list) => {
                let mut scopes = Vec::new();
                for item in list.items() {
                    let scope = item
                        .parse::<Scope>()
                        .map_err(|reason| ConfigError::Invalid {
                            setting: "NETSUITE_SCOPES",
                            reason,
                        })?;
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
                if scopes.is_empty() {
                    return Err(ConfigError::Invalid {
                        setting: "NETSUITE_SCOPES",
                        reason: "no scope given; use e.g. rest_webservices,restlets".into(),
                    });
                }
                scopes
            }
        };
        let max_concurrency = self.max_concurrency.unwrap_or(DEFAULT_MAX_CONCURRENCY);
        if max_concurrency == 0 {
            return Err(ConfigError::Invalid {
                setting: "NETSUITE_MAX_CONCURRENCY",
                reason:
                    "must be at least 1 (NetSuite accounts allow 5 or more concurrent requests)"
                        .into(),
            });
        }
        Ok(NetSuiteConfig {
            account,
            client_id,
            certificate_id,
            key,
            scopes,
            endpoints,
            content_language: self
                .content_language
                .clone()
                .filter(|s| !s.trim().is_empty()),
            max_concurrency,
            tuning: self.tuning()?,
        })
    }

    /// The request timeout and retry overrides. Tests and benchmarks use them to make failures quick; the
    /// defaults suit production.
    fn tuning(&self) -> Result<ClientTuning, ConfigError> {
        let ms = std::time::Duration::from_millis;
        if self.request_timeout_ms == Some(0) {
            return Err(ConfigError::Invalid {
                setting: "NETSUITE_REQUEST_TIMEOUT_MS",
                reason: "must be at least 1 millisecond".into(),
            });
        }
        if self.retry_max_attempts == Some(0) {
            return Err(ConfigError::Invalid {
                setting: "NETSUITE_RETRY_MAX_ATTEMPTS",
                reason: "must be at least 1 (the first send counts)".into(),
            });
        }
        Ok(ClientTuning {
            request_timeout: self.request_timeout_ms.map(ms),
            retry_max_attempts: self.retry_max_attempts,
            retry_base_delay: self.retry_base_delay_ms.map(ms),
            retry_max_delay: self.retry_max_delay_ms.map(ms),
        })
    }

    /// The bearer token MCP clients must send in HTTP mode, from `NETSUITE_MCP_HTTP_TOKEN` or the file named by
    /// `NETSUITE_MCP_HTTP_TOKEN_FILE` (surrounding whitespace, e.g. a trailing newline, is ignored). `None` when
    /// neither is set. Tokens shorter than [`MIN_HTTP_TOKEN_CHARS`] are refused.
    pub fn http_bearer(&self) -> Result<Option<SecretString>, ConfigError> {
        let (token, setting) = match (&self.http_token, &self.http_token_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    setting: "NETSUITE_MCP_HTTP_TOKEN",
                    reason: "both NETSUITE_MCP_HTTP_TOKEN and NETSUITE_MCP_HTTP_TOKEN_FILE are set; keep only one"
                        .into(),
                });
            }
            (Some(token), None) => (
                token.expose_secret().trim().to_owned(),
                "NETSUITE_MCP_HTTP_TOKEN",
            ),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
                    setting: "NETSUITE_MCP_HTTP_TOKEN_FILE",
                    reason: format!("cannot read {}: {e}", path.display()),
                })?;
                (text.trim().to_owned(), "NETSUITE_MCP_HTTP_TOKEN_FILE")
            }
            (None, None) => return Ok(None),
        };
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

    fn private_key_pem(&self) -> Result<(SecretString, &'static str), ConfigError> {
        match (&self.private_key, &self.private_key_path) {
            (Some(_), Some(_)) => Err(ConfigError::Invalid {
                setting: "NETSUITE_PRIVATE_KEY",
                reason:
                    "both NETSUITE_PRIVATE_KEY and NETSUITE_PRIVATE_KEY_PATH are set; keep only one"
                        .into(),
            }),
            (Some(pem), None) => {
                let text = pem.expose_secret();
                // Secrets stored in CI variables often carry literal "\n" instead of line breaks.
                let text = if !text.contains('\n') && text.contains("\\n") {
                    text.replace("\\n", "\n")
                } else {
                    text.to_owned()
                };
                Ok((SecretString::from(text), "NETSUITE_PRIVATE_KEY"))
            }
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|t| (SecretString::from(t), "NETSUITE_PRIVATE_KEY_PATH"))
                .map_err(|e| ConfigError::Invalid {
                    setting: "NETSUITE_PRIVATE_KEY_PATH",
                    reason: format!("cannot read {}: {e}", path.display()),
                }),
            (None, None) => Err(ConfigError::Missing(vec![
                "NETSUITE_PRIVATE_KEY_PATH (or NETSUITE_PRIVATE_KEY)",
            ])),
        }
    }
}

/// A configuration problem: the message names the setting and the fix. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "missing configuration: {}. Set them as environment variables, or in a config file (--config) as the same names in lower case without the NETSUITE_ prefix (to try netsuite-mcp without an account: netsuite-mcp serve --sandbox)",
        .0.join(", ")
    )]
    Missing(Vec<&'static str>),
    #[error("{setting}: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },
    #[error("{setting}: {source}")]
    Key {
        setting: &'static str,
        #[source]
        source: KeyError,
    },
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("config file {}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    #[error("profile {name:?} is not in {}; profiles there: {}", path.display(), if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    UnknownProfile {
        name: String,
        path: PathBuf,
        available: Vec<String>,
    },
}

/// Everything needed to talk to NetSuite, validated.
#[derive(Debug)]
pub struct NetSuiteConfig {
    pub account: AccountId,
    pub client_id: String,
    pub certificate_id: String,
    pub key: SigningKey,
    pub scopes: Vec<Scope>,
    pub endpoints: Endpoints,
    pub content_language: Option<String>,
    pub max_concurrency: usize,
    /// Overrides of the request timeout and the retry policy; `None` keeps what the caller asked for.
    pub tuning: ClientTuning,
}

/// Optional overrides of the NetSuite client's timeout and retry policy (`NETSUITE_REQUEST_TIMEOUT_MS`,
/// `NETSUITE_RETRY_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientTuning {
    pub request_timeout: Option<std::time::Duration>,
    pub retry_max_attempts: Option<u32>,
    pub retry_base_delay: Option<std::time::Duration>,
    pub retry_max_delay: Option<std::time::Duration>,
}

impl NetSuiteConfig {
    /// The assertion parameters for this configuration (`aud` = the token URL in use).
    pub fn assertion_params(&self) -> AssertionParams {
        AssertionParams {
            client_id: self.client_id.clone(),
            certificate_id: self.certificate_id.clone(),
            audience: self.endpoints.token_url(),
            scopes: self.scopes.clone(),
        }
    }

    /// Builds the token manager and API client. Consumes the config: the key moves into the token manager.
    pub fn into_client(self, options: ClientOptions) -> Result<NetSuiteClient, ConfigError> {
        let tuning = self.tuning;
        let http = http_client_with_timeout(tuning.request_timeout.unwrap_or(REQUEST_TIMEOUT))
            .map_err(|e| ConfigError::Invalid {
                setting: "TLS",
                reason: format!("cannot initialise the HTTP client: {e}"),
            })?;
        let params = self.assertion_params();
        let tokens = TokenManager::new(http.clone(), self.key, params);
        let mut retry = options.retry;
        if let Some(n) = tuning.retry_max_attempts {
            retry.max_attempts = n;
        }
        if let Some(d) = tuning.retry_base_delay {
            retry.base_delay = d;
        }
        if let Some(d) = tuning.retry_max_delay {
            retry.max_delay = d;
        }
        let options = ClientOptions {
            max_concurrency: self.max_concurrency,
            content_language: self.content_language,
            retry,
        };
        Ok(NetSuiteClient::new(http, tokens, self.endpoints, options))
    }
}

fn non_blank(setting: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_owned()),
        _ => Err(ConfigError::Missing(vec![setting])),
    }
}

fn parse_bool(setting: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            setting,
            reason: format!("{v:?} is not a boolean; use true or false"),
        }),
    }
}

fn parse_u64(setting: &'static str, v: &str) -> Result<u64, ConfigError> {
    v.trim().parse().map_err(|_| ConfigError::Invalid {
        setting,
        reason: format!("{v:?} is not a whole number"),
    })
}

fn parse_usize(setting: &'static str, v: &str) -> Result<usize, ConfigError> {
    v.trim().parse().map_err(|_| ConfigError::Invalid {
        setting,
        reason: format!("{v:?} is not a whole number"),
    })
}

fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().to_owned();
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start.min(text.len())).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            // Name the key of that line when it is a plain `key = value` (never the value: it may be secret).
            let key = text
                .lines()
                .nth(line - 1)
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim())
                .filter(|k| {
                    !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                });
            match key {
                Some(key) => format!("line {line}, `{key}`: {message}"),
                None => format!("line {line}: {message}"),
            }
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn timeout_and_retry_knobs_come_from_the_environment_and_refuse_zero() {
        let s = Settings::from_env(env(&[
            ("NETSUITE_REQUEST_TIMEOUT_MS", "750"),
            ("NETSUITE_RETRY_MAX_ATTEMPTS", "2"),
            ("NETSUITE_RETRY_BASE_DELAY_MS", "10"),
            ("NETSUITE_RETRY_MAX_DELAY_MS", "40"),
        ]))
        .unwrap();
        let ms = std::time::Duration::from_millis;
        assert_eq!(
            s.tuning().unwrap(),
            ClientTuning {
                request_timeout: Some(ms(750)),
                retry_max_attempts: Some(2),
                retry_base_delay: Some(ms(10)),
                retry_max_delay: Some(ms(40)),
            }
        );
        assert_eq!(
            Settings::default().tuning().unwrap(),
            ClientTuning::default()
        );
        for (var, value) in [
            ("NETSUITE_REQUEST_TIMEOUT_MS", "0"),
            ("NETSUITE_RETRY_MAX_ATTEMPTS", "0"),
        ] {
            let e = Settings::from_env(env(&[(var, value)]))
                .unwrap()
                .tuning()
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(var), "{e}");
        }
        let e = Settings::from_env(env(&[("NETSUITE_RETRY_BASE_DELAY_MS", "soon")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("NETSUITE_RETRY_BASE_DELAY_MS"), "{e}");
    }

    #[test]
    fn flags_beat_env_which_beats_profile_which_beats_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "c.toml",
            r#"
account_id = "111"
client_id = "file-client"
content_language = "de-DE"
toolsets = ["suiteql"]
[profiles.sb]
account_id = "111_SB1"
client_id = "profile-client"
certificate_id = "profile-cert"
"#,
        );
        let flags = Settings {
            toolsets: Some(ListSetting::Csv("records".into())),
            ..Default::default()
        };
        let s = Settings::load(
            Some(&path),
            Some("sb"),
            flags,
            env(&[
                ("NETSUITE_CLIENT_ID", "env-client"),
                ("NETSUITE_MCP_TOOLSETS", "metadata"),
            ]),
        )
        .unwrap();
        assert_eq!(
            s.account_id.as_deref(),
            Some("111_SB1"),
            "profile over file"
        );
        assert_eq!(
            s.client_id.as_deref(),
            Some("env-client"),
            "env over profile"
        );
        assert_eq!(s.certificate_id.as_deref(), Some("profile-cert"));
        assert_eq!(
            s.content_language.as_deref(),
            Some("de-DE"),
            "file value kept when nobody overrides"
        );
        assert_eq!(
            s.toolsets.unwrap().items(),
            vec!["records"],
            "flag over env"
        );
    }

    #[test]
    fn config_file_and_profile_can_come_from_env() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "c.toml",
            "profile = \"a\"\n[profiles.a]\naccount_id = \"A1\"\n[profiles.b]\naccount_id = \"B2\"\n",
        );
        let p = path.to_str().unwrap();
        let s = Settings::load(None, None, Settings::default(), env(&[(CONFIG_ENV, p)])).unwrap();
        assert_eq!(
            s.account_id.as_deref(),
            Some("A1"),
            "file's default profile"
        );
        let s = Settings::load(
            None,
            None,
            Settings::default(),
            env(&[(CONFIG_ENV, p), (PROFILE_ENV, "b")]),
        )
        .unwrap();
        assert_eq!(s.account_id.as_deref(), Some("B2"));
    }

    #[test]
    fn unknown_profile_lists_the_available_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "c.toml", "[profiles.prod]\n[profiles.sandbox]\n");
        let err = Settings::load(Some(&path), Some("staging"), Settings::default(), env(&[]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "profile \"staging\" is not in {}; profiles there: prod, sandbox",
                path.display()
            )
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "c.toml", "account_id = \"1\"\n\nacount_id = \"2\"\n");
        let err = Settings::load(Some(&path), None, Settings::default(), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && err.contains("acount_id"), "{err}");
    }

    #[test]
    fn every_missing_required_setting_is_named_at_once() {
        let err = Settings::default().netsuite().unwrap_err().to_string();
        for var in [
            "NETSUITE_ACCOUNT_ID",
            "NETSUITE_CLIENT_ID",
            "NETSUITE_CERTIFICATE_ID",
            "NETSUITE_PRIVATE_KEY_PATH",
        ] {
            assert!(err.contains(var), "{err}");
        }
    }

    #[test]
    fn bad_values_name_their_setting() {
        let e = Settings::from_env(env(&[("NETSUITE_MAX_CONCURRENCY", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("NETSUITE_MAX_CONCURRENCY"), "{e}");
        let e = Settings::from_env(env(&[("NETSUITE_MCP_READ_ONLY", "maybe")]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("NETSUITE_MCP_READ_ONLY"), "{e}");
        assert_eq!(
            Settings::from_env(env(&[("NETSUITE_MCP_READ_ONLY", "TRUE")]))
                .unwrap()
                .read_only,
            Some(true)
        );
    }

    fn full(key_pem: &str) -> Settings {
        Settings {
            account_id: Some("1234567_SB1".into()),
            client_id: Some("c".repeat(64)),
            certificate_id: Some("cert-1".into()),
            private_key: Some(SecretString::from(key_pem.to_owned())),
            ..Default::default()
        }
    }

    fn es256_pem() -> String {
        crate::cert::generate(&crate::cert::CertOptions {
            algorithm: Algorithm::ES256,
            rsa_bits: 0,
            days: 1,
            common_name: "t".into(),
        })
        .unwrap()
        .private_key_pem
    }

    #[test]
    fn a_complete_configuration_derives_audience_scopes_and_algorithm() {
        let c = full(&es256_pem()).netsuite().unwrap();
        let p = c.assertion_params();
        assert_eq!(
            p.audience,
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(p.scopes, vec![Scope::RestWebservices, Scope::Restlets]);
        assert_eq!(c.key.algorithm(), Algorithm::ES256);
        assert_eq!(c.max_concurrency, 5);
    }

    #[test]
    fn escaped_newlines_in_the_key_variable_are_accepted() {
        let pem = es256_pem().replace('\n', "\\n");
        assert!(full(&pem).netsuite().is_ok());
    }

    #[test]
    fn key_problems_name_the_setting_they_came_from() {
        let mut s = full("garbage");
        let e = s.netsuite().unwrap_err().to_string();
        assert!(e.starts_with("NETSUITE_PRIVATE_KEY:"), "{e}");
        s.private_key = None;
        s.private_key_path = Some("/nonexistent/key.pem".into());
        let e = s.netsuite().unwrap_err().to_string();
        assert!(
            e.starts_with("NETSUITE_PRIVATE_KEY_PATH: cannot read /nonexistent/key.pem"),
            "{e}"
        );
        let mut s = full(&es256_pem());
        s.algorithm = Some("RS256".into());
        let e = s.netsuite().unwrap_err().to_string();
        assert!(
            e.starts_with("NETSUITE_ALGORITHM:") && e.contains("PS256"),
            "{e}"
        );
        let mut s = full(&es256_pem());
        s.scopes = Some(ListSetting::Csv("rest_webservices,mcp".into()));
        assert!(
            s.netsuite()
                .unwrap_err()
                .to_string()
                .starts_with("NETSUITE_SCOPES")
        );
    }

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
    fn debug_output_redacts_secrets() {
        let mut s = full("-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n-----END PRIVATE KEY-----");
        s.http_token = Some(SecretString::from("bearer-secret".to_owned()));
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("SECRETKEYBYTES") && !dbg.contains("bearer-secret"),
            "{dbg}"
        );
    }
}
