//! The TOML file (with its `[profiles.NAME]`) and the merge of every layer.

use std::path::{Path, PathBuf};

use super::{CONFIG_ENV, ConfigError, PROFILE_ENV, Settings};

impl Settings {
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
        let (file, chosen) = match config_path.map(Path::to_path_buf).or(env_path) {
            Some(path) => {
                let chosen = profile.clone().or(Settings::file_default_profile(&path)?);
                (Settings::from_file(&path, profile.as_deref())?, chosen)
            }
            None if profile.is_some() => {
                return Err(ConfigError::Invalid {
                    setting: "--profile",
                    reason: "a profile needs a config file: pass --config FILE or set NETSUITE_MCP_CONFIG".into(),
                });
            }
            None => (Settings::default(), None),
        };
        let mut merged = file.overlay(Settings::from_env(&var)?).overlay(flags);
        // The chosen profile also names the stored sign-in (see `Settings::store_profile`).
        merged.profile = chosen;
        Ok(merged)
    }

    /// The file's own `profile` key (the profile used when none is chosen).
    fn file_default_profile(path: &Path) -> Result<Option<String>, ConfigError> {
        #[derive(serde::Deserialize)]
        struct OnlyProfile {
            profile: Option<String>,
        }
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        // Errors in the rest of the file are reported by `from_file` with their line; here they only mean no key.
        Ok(toml::from_str::<OnlyProfile>(&text)
            .ok()
            .and_then(|d| d.profile))
    }
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
pub(super) mod tests {
    use super::*;
    use crate::config::ListSetting;
    use std::collections::HashMap;

    pub fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    pub fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
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
}
