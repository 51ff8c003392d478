//! What the MCP server layer takes from the configuration: [`GovernanceConfig`] (which tools, read-only, record
//! types, result budget), [`ToolsDirConfig`] (custom tool files and how often to re-read them) and
//! [`ConfirmConfig`] (which writes the user confirms first).

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, ListSetting, Settings};

/// Default character budget of one tool result (about 12k tokens).
pub const DEFAULT_MAX_RESULT_CHARS: usize = 50_000;
/// The smallest budget accepted: enough for one modest row plus the paging fields.
pub const MIN_MAX_RESULT_CHARS: usize = 1_000;
/// How often the tools directory is checked for changes by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The shortest poll interval accepted in settings (0 turns watching off).
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The longest poll interval accepted in settings (longer ones are used as this one through the Rust API).
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Governance as configured. Names are checked against the catalog by `catalog::governance`, which reports
/// unknown ones as [`super::SettingError`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GovernanceConfig {
    /// Hide and refuse every tool that writes.
    pub read_only: bool,
    /// Toolsets to enable (`all` allowed); `None` = not configured.
    pub toolsets: Option<Vec<String>>,
    /// Tools to enable by name; `None` = not configured.
    pub tools: Option<Vec<String>>,
    /// Tools to hide.
    pub exclude_tools: Vec<String>,
    /// Record-type allow-list; `None` allows all.
    pub record_types: Option<Vec<String>>,
    /// Character budget of one tool result, at least [`MIN_MAX_RESULT_CHARS`].
    pub max_result_chars: usize,
}

/// The tools directory as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolsDirConfig {
    /// `None` = not configured (the server then uses `./tools` when it exists).
    pub dir: Option<PathBuf>,
    /// Poll interval; zero turns hot reload off; `None` = not configured.
    pub poll: Option<Duration>,
}

/// Which writes the user is asked to confirm before they are sent (`NETSUITE_MCP_CONFIRM_WRITES`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConfirmMode {
    /// Deleting a record, replacing sublist lines, and custom tools declared `destructive = true`.
    #[default]
    Destructive,
    /// Every tool that writes.
    All,
    /// None: clients without elicitation behave the same.
    Off,
}

impl std::str::FromStr for ConfirmMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "destructive" => Ok(Self::Destructive),
            "all" => Ok(Self::All),
            "off" => Ok(Self::Off),
            other => Err(format!(
                "unknown value {other:?}; use destructive, all or off"
            )),
        }
    }
}

/// How long `export_suiteql` files are kept by default.
pub const DEFAULT_EXPORT_TTL: Duration = Duration::from_secs(3600);
/// Most export files kept at once by default.
pub const DEFAULT_EXPORT_MAX_COUNT: usize = 100;
/// Most export files one owner keeps at once by default.
pub const DEFAULT_EXPORT_MAX_PER_OWNER: usize = 10;
/// Most megabytes (MiB) of export files kept at once by default.
pub const DEFAULT_EXPORT_MAX_MB: u64 = 256;

/// The export files of `export_suiteql`, kept in memory: their lifetime and the bounds on what is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportsConfig {
    /// How long a file is readable after it was made.
    pub ttl: Duration,
    /// Most files kept at once; the oldest goes first.
    pub max_count: usize,
    /// Most files one owner keeps at once; that owner's oldest goes first.
    pub max_per_owner: usize,
    /// Most bytes kept at once (also the largest single file); the oldest goes first.
    pub max_bytes: u64,
}

impl Default for ExportsConfig {
    fn default() -> Self {
        Self {
            ttl: DEFAULT_EXPORT_TTL,
            max_count: DEFAULT_EXPORT_MAX_COUNT,
            max_per_owner: DEFAULT_EXPORT_MAX_PER_OWNER,
            max_bytes: DEFAULT_EXPORT_MAX_MB * 1024 * 1024,
        }
    }
}

/// Confirmations before writes.
#[derive(Debug, Clone, Default)]
pub struct ConfirmConfig {
    pub mode: ConfirmMode,
    /// The state key (`NETSUITE_MCP_STATE_KEY`): the confirmation sealing key derives from it, so instances that
    /// share it accept each other's confirmations (stateless HTTP behind a load balancer). `None`: a random key
    /// per process.
    pub key: Option<secrecy::SecretString>,
}

/// Everything the server builder takes from the configuration.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    pub governance: GovernanceConfig,
    pub tools_dir: ToolsDirConfig,
    pub confirm: ConfirmConfig,
    pub exports: ExportsConfig,
}

impl ServerConfig {
    /// Reads and checks the server settings (the poll interval first, as the builder always did).
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let tools_dir = ToolsDirConfig {
            dir: settings.tools_dir()?,
            poll: settings.tools_poll_ms()?.map(Duration::from_millis),
        };
        let items = |list: Option<ListSetting>| list.as_ref().map(ListSetting::items);
        let governance = GovernanceConfig {
            read_only: settings.read_only()?.unwrap_or(false),
            toolsets: items(settings.toolsets()?),
            tools: items(settings.tools()?),
            exclude_tools: items(settings.exclude_tools()?).unwrap_or_default(),
            record_types: items(settings.record_types()?),
            max_result_chars: settings
                .max_result_chars()?
                .unwrap_or(DEFAULT_MAX_RESULT_CHARS),
        };
        let mode = match settings.confirm_writes()? {
            Some(v) => v.parse().map_err(|reason| ConfigError::Invalid {
                setting: super::Key::ConfirmWrites.env(),
                reason,
            })?,
            None => ConfirmMode::default(),
        };
        let key = match mode {
            ConfirmMode::Off => None,
            _ => settings.sealing_key()?,
        };
        let confirm = ConfirmConfig { mode, key };
        let defaults = ExportsConfig::default();
        let exports = ExportsConfig {
            ttl: settings
                .export_ttl()?
                .map_or(defaults.ttl, Duration::from_secs),
            max_count: settings.export_max_count()?.unwrap_or(defaults.max_count),
            max_per_owner: settings
                .export_max_per_owner()?
                .unwrap_or(defaults.max_per_owner),
            max_bytes: settings
                .export_max_mb()?
                .map_or(defaults.max_bytes, |mb| mb.saturating_mul(1024 * 1024)),
        };
        Ok(Self {
            governance,
            tools_dir,
            exports,
            confirm,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_and_result_budget_are_checked_and_name_their_variable() {
        let s = Settings {
            tools_poll_ms: Some(10),
            ..Default::default()
        };
        let e = ServerConfig::from_settings(&s).unwrap_err().to_string();
        assert!(
            e.starts_with("NETSUITE_MCP_TOOLS_POLL_MS: must be 0"),
            "{e}"
        );
        let s = Settings {
            max_result_chars: Some(10),
            ..Default::default()
        };
        let e = ServerConfig::from_settings(&s).unwrap_err().to_string();
        assert_eq!(
            e,
            "NETSUITE_MCP_MAX_RESULT_CHARS: must be at least 1000 (got 10)"
        );
        let c = ServerConfig::from_settings(&Settings::default()).unwrap();
        assert_eq!(c.governance.max_result_chars, DEFAULT_MAX_RESULT_CHARS);
        assert_eq!(c.tools_dir, ToolsDirConfig::default());
    }
}
