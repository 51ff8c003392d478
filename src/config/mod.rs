//! Configuration: flags > environment > TOML file (optionally one of its `[profiles.NAME]`) > defaults, then
//! validated into one typed value per layer ([`NetSuiteConfig`], [`HttpConfig`], [`ServerConfig`]). Secrets
//! live in `SecretString`s and never come from the command line.
//!
//! Every setting is declared once, in [`table`]; env parsing, the TOML layer, overlaying, the env var named in
//! errors and the checked accessors are all generated from it. This module sits at the bottom: it knows the
//! account and key types it parses into, nothing above them. Lower layers that must blame a setting report a
//! [`Key`] ([`SettingError`]); its env var name comes from the table.
//!
//! Why no `figment`/`config` crate: precedence here has a twist (a file *profile* sits between the file and
//! the environment), errors must name the env var (`NETSUITE_…`) and keep the TOML line number, blank env
//! values count as unset, and secrets must stay in `SecretString` end to end. Each of those needs custom code
//! around such a crate; the table plus one macro is less code and no dependency.

#[macro_use]
mod macros;
mod auth;
mod file;
mod http;
mod login;
mod netsuite;
mod oauth;
mod scale;
mod server;
pub mod table;
mod values;

use std::path::PathBuf;

pub use auth::AuthMode;
pub use http::{HttpConfig, MIN_HTTP_TOKEN_CHARS};
pub use login::{DEFAULT_REDIRECT_URI, LoginAuth, LoginSetup, StoreConfig};
pub use netsuite::{
    ClientTuning, DEFAULT_MAX_CONCURRENCY, M2mConfig, NetSuiteAuth, NetSuiteConfig,
};
pub use oauth::{
    DEFAULT_ACCESS_TTL, DEFAULT_REDIRECT_HOSTS, JwtConfig, MIN_STATE_KEY_CHARS, McpAuthMode,
    OAuthServerConfig, RedirectOrigin, StateConfig,
};
pub use scale::{DEFAULT_REDIS_PREFIX, RedisConfig};
pub use server::{
    ConfirmConfig, ConfirmMode, DEFAULT_EXPORT_MAX_COUNT, DEFAULT_EXPORT_MAX_MB,
    DEFAULT_EXPORT_TTL, DEFAULT_MAX_RESULT_CHARS, DEFAULT_POLL_INTERVAL, ExportsConfig,
    GovernanceConfig, MAX_POLL_INTERVAL, MIN_MAX_RESULT_CHARS, MIN_POLL_INTERVAL, ServerConfig,
    ToolsDirConfig,
};
pub use table::{Key, SETTINGS, Settings};
pub use values::{EnvValue, ListSetting};

use crate::account::AccountError;
use crate::auth::KeyError;

/// Env var naming the config file.
pub const CONFIG_ENV: &str = "NETSUITE_MCP_CONFIG";
/// Env var naming the profile of the config file to use.
pub const PROFILE_ENV: &str = "NETSUITE_MCP_PROFILE";

/// What the table says about one setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingInfo {
    /// TOML key (and `Settings` field).
    pub key: &'static str,
    /// Environment variable.
    pub env: &'static str,
    /// Command-line flag mirroring it, if any (`serve` and `tools list`).
    pub flag: Option<&'static str>,
    /// The default, as documented.
    pub default: &'static str,
    /// Never printed, never taken from argv.
    pub secret: bool,
    /// One line for the documentation.
    pub doc: &'static str,
}

/// A setting refused by a layer above config (e.g. a tool name unknown to the catalog). Becomes a
/// [`ConfigError`] naming the env var.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", key.env())]
pub struct SettingError {
    /// Which setting.
    pub key: Key,
    /// What is wrong, and the fix.
    pub reason: String,
}

impl From<SettingError> for ConfigError {
    fn from(e: SettingError) -> Self {
        ConfigError::Invalid {
            setting: e.key.env(),
            reason: e.reason,
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
