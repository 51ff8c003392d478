//! Value types of settings and how each is read from an environment variable.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;

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

/// A value type of the settings table: how one is parsed from an environment variable's text. The TOML file
/// goes through serde instead.
pub trait EnvValue: Sized {
    /// Parses `raw`; errors name `setting` (the env var).
    fn parse_env(setting: &'static str, raw: &str) -> Result<Self, ConfigError>;
}

impl EnvValue for String {
    fn parse_env(_: &'static str, raw: &str) -> Result<Self, ConfigError> {
        Ok(raw.to_owned())
    }
}

impl EnvValue for PathBuf {
    fn parse_env(_: &'static str, raw: &str) -> Result<Self, ConfigError> {
        Ok(PathBuf::from(raw))
    }
}

impl EnvValue for SecretString {
    fn parse_env(_: &'static str, raw: &str) -> Result<Self, ConfigError> {
        Ok(SecretString::from(raw.to_owned()))
    }
}

impl EnvValue for ListSetting {
    fn parse_env(_: &'static str, raw: &str) -> Result<Self, ConfigError> {
        Ok(ListSetting::Csv(raw.to_owned()))
    }
}

impl EnvValue for bool {
    fn parse_env(setting: &'static str, v: &str) -> Result<Self, ConfigError> {
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(ConfigError::Invalid {
                setting,
                reason: format!("{v:?} is not a boolean; use true or false"),
            }),
        }
    }
}

fn whole_number<T: std::str::FromStr>(setting: &'static str, v: &str) -> Result<T, ConfigError> {
    v.trim().parse().map_err(|_| ConfigError::Invalid {
        setting,
        reason: format!("{v:?} is not a whole number"),
    })
}

impl EnvValue for u64 {
    fn parse_env(setting: &'static str, v: &str) -> Result<Self, ConfigError> {
        whole_number(setting, v)
    }
}

impl EnvValue for usize {
    fn parse_env(setting: &'static str, v: &str) -> Result<Self, ConfigError> {
        whole_number(setting, v)
    }
}

/// Counts beyond `u32::MAX` saturate: they mean "unlimited" in practice.
impl EnvValue for u32 {
    fn parse_env(setting: &'static str, v: &str) -> Result<Self, ConfigError> {
        whole_number::<u64>(setting, v).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// A table check: the value must be at least `min`, else `reason`.
pub fn at_least<T: PartialOrd + Copy>(
    min: T,
    reason: &'static str,
) -> impl Fn(&T) -> Result<(), String> {
    move |v| {
        if *v < min {
            Err(reason.to_owned())
        } else {
            Ok(())
        }
    }
}
