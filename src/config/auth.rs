//! How this process authenticates toward NetSuite (design.md §1.5): `NETSUITE_AUTH` or its inference, and the
//! TBA credentials with their `…_FILE` variants. The M2M part stays in `netsuite.rs`.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, Key, Settings};
use crate::account::AccountId;
use crate::auth::tba::TbaCredentials;

/// The three ways in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// OAuth 2.0 client credentials with a certificate (machine to machine).
    M2m,
    /// OAuth 2.0 authorization code as a person (a stored login).
    Login,
    /// Token-based authentication (OAuth 1.0a), NetSuite's legacy scheme.
    Tba,
}

impl AuthMode {
    /// The value of `NETSUITE_AUTH` for this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::M2m => "m2m",
            AuthMode::Login => "login",
            AuthMode::Tba => "tba",
        }
    }
}

/// Named in the error when no way in is configured at all.
pub(super) const THREE_WAYS: &str = "one way in: NETSUITE_CLIENT_ID + NETSUITE_CERTIFICATE_ID + a private key \
    (NETSUITE_AUTH=m2m), NETSUITE_CONSUMER_KEY + NETSUITE_CONSUMER_SECRET + NETSUITE_TOKEN_ID + \
    NETSUITE_TOKEN_SECRET (NETSUITE_AUTH=tba), or a stored login from `netsuite-mcp login` (NETSUITE_AUTH=login)";

impl Settings {
    /// `NETSUITE_AUTH`, or inferred: `tba` when `NETSUITE_TOKEN_ID` is set, `m2m` when `NETSUITE_CERTIFICATE_ID`
    /// is set, else `login` (which needs a stored login). `None`: nothing says which.
    pub fn auth_mode(&self) -> Result<Option<AuthMode>, ConfigError> {
        if let Some(v) = self.auth.as_deref() {
            return match v.trim().to_ascii_lowercase().as_str() {
                "m2m" => Ok(Some(AuthMode::M2m)),
                "login" => Ok(Some(AuthMode::Login)),
                "tba" => Ok(Some(AuthMode::Tba)),
                other => Err(ConfigError::Invalid {
                    setting: Key::Auth.env(),
                    reason: format!("{other:?} is not one of m2m, login, tba"),
                }),
            };
        }
        // With neither, `login` is inferred by `netsuite_with` when a sign-in is stored for the profile.
        Ok(if self.token_id.is_some() {
            Some(AuthMode::Tba)
        } else if self.certificate_id.is_some() {
            Some(AuthMode::M2m)
        } else {
            None
        })
    }

    /// The TBA credentials for `account`; every missing setting is named at once.
    pub(super) fn tba_credentials(
        &self,
        account: &AccountId,
    ) -> Result<TbaCredentials, ConfigError> {
        let mut missing = Vec::new();
        if self.consumer_key.is_none() {
            missing.push(Key::ConsumerKey.env());
        }
        if self.consumer_secret.is_none() && self.consumer_secret_file.is_none() {
            missing.push("NETSUITE_CONSUMER_SECRET (or NETSUITE_CONSUMER_SECRET_FILE)");
        }
        if self.token_id.is_none() {
            missing.push(Key::TokenId.env());
        }
        if self.token_secret.is_none() && self.token_secret_file.is_none() {
            missing.push("NETSUITE_TOKEN_SECRET (or NETSUITE_TOKEN_SECRET_FILE)");
        }
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        Ok(TbaCredentials {
            realm: account.realm().to_owned(),
            consumer_key: trimmed(Key::ConsumerKey, self.consumer_key.as_deref())?,
            consumer_secret: secret(
                (Key::ConsumerSecret, self.consumer_secret.as_ref()),
                (
                    Key::ConsumerSecretFile,
                    self.consumer_secret_file.as_deref(),
                ),
            )?,
            token_id: trimmed(Key::TokenId, self.token_id.as_deref())?,
            token_secret: secret(
                (Key::TokenSecret, self.token_secret.as_ref()),
                (Key::TokenSecretFile, self.token_secret_file.as_deref()),
            )?,
        })
    }
}

fn trimmed(key: Key, value: Option<&str>) -> Result<String, ConfigError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_owned()),
        _ => Err(ConfigError::Missing(vec![key.env()])),
    }
}

/// A secret from its variable or its file (one trailing newline trimmed); both set is an error.
pub(super) fn secret(
    (key, value): (Key, Option<&SecretString>),
    (file_key, file): (Key, Option<&Path>),
) -> Result<SecretString, ConfigError> {
    let text = match (value, file) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Invalid {
                setting: key.env(),
                reason: format!(
                    "both {} and {} are set; keep only one",
                    key.env(),
                    file_key.env()
                ),
            });
        }
        (Some(v), None) => v.expose_secret().trim().to_owned(),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
                setting: file_key.env(),
                reason: format!("cannot read {}: {e}", path.display()),
            })?;
            let text = text.strip_suffix('\n').unwrap_or(&text);
            text.strip_suffix('\r').unwrap_or(text).to_owned()
        }
        (None, None) => String::new(),
    };
    if text.is_empty() {
        return Err(ConfigError::Missing(vec![key.env()]));
    }
    Ok(SecretString::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::tests::env;

    #[test]
    fn the_mode_is_inferred_from_the_token_id_then_the_certificate_id() {
        let mode = |pairs: &[(&str, &str)]| Settings::from_env(env(pairs)).unwrap().auth_mode();
        assert_eq!(mode(&[]).unwrap(), None);
        assert_eq!(
            mode(&[("NETSUITE_CERTIFICATE_ID", "c")]).unwrap(),
            Some(AuthMode::M2m)
        );
        assert_eq!(
            mode(&[("NETSUITE_CERTIFICATE_ID", "c"), ("NETSUITE_TOKEN_ID", "t")]).unwrap(),
            Some(AuthMode::Tba)
        );
        assert_eq!(
            mode(&[("NETSUITE_AUTH", "M2M"), ("NETSUITE_TOKEN_ID", "t")]).unwrap(),
            Some(AuthMode::M2m)
        );
        assert_eq!(
            mode(&[("NETSUITE_AUTH", "login")]).unwrap(),
            Some(AuthMode::Login)
        );
        let e = mode(&[("NETSUITE_AUTH", "oauth1")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("NETSUITE_AUTH:"), "{e}");
    }

    #[test]
    fn missing_tba_secrets_are_named_and_files_lose_one_trailing_newline() {
        let account = AccountId::parse("1234567-sb1").unwrap();
        let s = Settings::from_env(env(&[
            ("NETSUITE_TOKEN_ID", "t"),
            ("NETSUITE_CONSUMER_KEY", "k"),
        ]))
        .unwrap();
        let e = s.tba_credentials(&account).unwrap_err().to_string();
        assert!(
            e.contains("NETSUITE_CONSUMER_SECRET") && e.contains("NETSUITE_TOKEN_SECRET"),
            "{e}"
        );
        assert!(!e.contains("NETSUITE_TOKEN_ID"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "token-secret\n").unwrap();
        let mut s = s;
        s.consumer_secret = Some(SecretString::from("cs"));
        s.token_secret_file = Some(file.clone());
        let c = s.tba_credentials(&account).unwrap();
        assert_eq!(c.realm, "1234567_SB1");
        assert_eq!(c.token_secret.expose_secret(), "token-secret");
        s.token_secret = Some(SecretString::from("x"));
        let e = s.tba_credentials(&account).unwrap_err().to_string();
        assert!(e.contains("keep only one"), "{e}");
    }
}
