//! [`NetSuiteConfig`]: what talking to NetSuite needs (account, endpoints, credentials, client tuning),
//! validated. Building the client from it is the commands' job (`commands::wiring`).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::auth::{AuthMode, THREE_WAYS};
use super::login::LoginAuth;
use super::{ConfigError, Key, Settings};
use crate::account::{AccountId, Endpoints};
use crate::auth::store::StoredLogin;
use crate::auth::tba::TbaCredentials;
use crate::auth::{AssertionParams, Scope, SigningKey};

/// In-flight requests allowed by default: the smallest account limit NetSuite grants (netsuite-api.md §8).
pub const DEFAULT_MAX_CONCURRENCY: usize = 5;

/// Everything needed to talk to NetSuite, validated.
#[derive(Debug)]
pub struct NetSuiteConfig {
    pub account: AccountId,
    /// How each request is authenticated.
    pub auth: NetSuiteAuth,
    pub endpoints: Endpoints,
    pub content_language: Option<String>,
    pub max_concurrency: usize,
    /// `NETSUITE_MCP_SEARCH_RESTLET` as written (`<script>,<deploy>`, already checked).
    pub search_restlet: Option<String>,
    /// Overrides of the request timeout and the retry policy; `None` keeps what the caller asked for.
    pub tuning: ClientTuning,
}

/// The credentials of one auth mode (design.md §1.5).
#[derive(Debug)]
pub enum NetSuiteAuth {
    /// OAuth 2.0 client credentials: an assertion signed with the key buys a bearer token.
    M2m(M2mConfig),
    /// TBA: every request is signed with OAuth 1.0a.
    Tba(TbaCredentials),
    /// A signed-in person: the stored refresh token buys access tokens.
    Login(LoginAuth),
    /// No identity of the server's own: each HTTP caller signs in (`NETSUITE_MCP_AUTH=oauth`) and their calls use
    /// their NetSuite session.
    Delegated,
}

/// What the M2M token exchange needs.
#[derive(Debug)]
pub struct M2mConfig {
    pub client_id: String,
    pub certificate_id: String,
    pub key: SigningKey,
    pub scopes: Vec<Scope>,
}

/// Optional overrides of the NetSuite client's timeout and retry policy (`NETSUITE_REQUEST_TIMEOUT_MS`,
/// `NETSUITE_RETRY_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientTuning {
    pub request_timeout: Option<Duration>,
    pub retry_max_attempts: Option<u32>,
    pub retry_base_delay: Option<Duration>,
    pub retry_max_delay: Option<Duration>,
}

impl NetSuiteConfig {
    /// The assertion parameters (`aud` = the token URL in use); `None` outside M2M mode.
    pub fn assertion_params(&self) -> Option<AssertionParams> {
        let NetSuiteAuth::M2m(m2m) = &self.auth else {
            return None;
        };
        Some(AssertionParams {
            client_id: m2m.client_id.clone(),
            certificate_id: m2m.certificate_id.clone(),
            audience: self.endpoints.token_url(),
            scopes: m2m.scopes.clone(),
        })
    }

    /// The mode in use.
    pub fn mode(&self) -> AuthMode {
        match self.auth {
            NetSuiteAuth::M2m(_) => AuthMode::M2m,
            NetSuiteAuth::Tba(_) => AuthMode::Tba,
            NetSuiteAuth::Login(_) | NetSuiteAuth::Delegated => AuthMode::Login,
        }
    }
}

impl Settings {
    /// Validates what talking to NetSuite needs in the auth mode in use (and loads the key in M2M mode), with no
    /// stored sign-in to fall back on. Every missing setting is named at once.
    pub fn netsuite(&self) -> Result<NetSuiteConfig, ConfigError> {
        self.netsuite_with(None)
    }

    /// As [`Settings::netsuite`], knowing the sign-in stored for the profile (if any): with no mode set and no
    /// M2M or TBA settings, a stored sign-in means `login`, and its account and client ID fill in unset ones.
    pub fn netsuite_with(
        &self,
        stored: Option<&StoredLogin>,
    ) -> Result<NetSuiteConfig, ConfigError> {
        let mode = match self.auth_mode()? {
            None if stored.is_some() => Some(AuthMode::Login),
            mode => mode,
        };
        let login_fallback = if mode == Some(AuthMode::Login) {
            stored
        } else {
            None
        };
        let account_id = self
            .account_id
            .clone()
            .or_else(|| login_fallback.map(|l| l.account_id.clone()));
        let mut missing = Vec::new();
        if account_id.is_none() {
            missing.push(Key::AccountId.env());
        }
        match mode {
            Some(AuthMode::Tba) => {}
            Some(AuthMode::Login) => {
                if stored.is_none() {
                    return Err(ConfigError::Invalid {
                        setting: Key::Auth.env(),
                        reason: format!(
                            "nobody is signed in for profile {:?}; run `netsuite-mcp login`, or configure {THREE_WAYS}",
                            self.store_profile()
                        ),
                    });
                }
            }
            Some(AuthMode::M2m) | None => {
                for (key, set) in [
                    (Key::ClientId, self.client_id.is_some()),
                    (Key::CertificateId, self.certificate_id.is_some()),
                ] {
                    if !set {
                        missing.push(key.env());
                    }
                }
                if self.private_key.is_none() && self.private_key_path.is_none() {
                    missing.push("NETSUITE_PRIVATE_KEY_PATH (or NETSUITE_PRIVATE_KEY)");
                }
                if mode.is_none() {
                    missing.push(THREE_WAYS);
                }
            }
        }
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        let account = AccountId::parse(account_id.as_deref().unwrap_or_default())?;
        let endpoints = self.endpoints(&account)?;
        let auth = match mode {
            Some(AuthMode::Tba) => NetSuiteAuth::Tba(self.tba_credentials(&account)?),
            Some(AuthMode::Login) => NetSuiteAuth::Login(self.login_auth(login_fallback)?),
            _ => NetSuiteAuth::M2m(self.m2m()?),
        };
        let max_concurrency = self.max_concurrency()?.unwrap_or(DEFAULT_MAX_CONCURRENCY);
        Ok(NetSuiteConfig {
            account,
            auth,
            endpoints,
            content_language: self
                .content_language
                .clone()
                .filter(|s| !s.trim().is_empty()),
            max_concurrency,
            search_restlet: self.search_restlet()?,
            tuning: self.tuning()?,
        })
    }

    /// The account, endpoints and tuning without credentials of the server's own: the base of the people who
    /// sign in through the authorization server.
    pub fn netsuite_delegated(&self, account: AccountId) -> Result<NetSuiteConfig, ConfigError> {
        let endpoints = self.endpoints(&account)?;
        Ok(NetSuiteConfig {
            account,
            auth: NetSuiteAuth::Delegated,
            endpoints,
            content_language: self
                .content_language
                .clone()
                .filter(|s| !s.trim().is_empty()),
            max_concurrency: self.max_concurrency()?.unwrap_or(DEFAULT_MAX_CONCURRENCY),
            tuning: self.tuning()?,
            search_restlet: self.search_restlet()?,
        })
    }

    /// The REST and RESTlet hosts of `account`, or their overrides.
    pub(super) fn endpoints(&self, account: &AccountId) -> Result<Endpoints, ConfigError> {
        Ok(Endpoints::new(
            account,
            self.base_url.as_deref(),
            self.restlet_base_url.as_deref(),
        )?)
    }

    fn m2m(&self) -> Result<M2mConfig, ConfigError> {
        let client_id = non_blank(Key::ClientId, self.client_id.as_deref())?;
        let certificate_id = non_blank(Key::CertificateId, self.certificate_id.as_deref())?;
        let algorithm = self
            .algorithm
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| ConfigError::Key {
                setting: Key::Algorithm.env(),
                source: e,
            })?;
        let (pem, key_setting) = self.private_key_pem()?;
        let key =
            SigningKey::from_pem(pem.expose_secret(), algorithm).map_err(|e| ConfigError::Key {
                setting: key_setting.env(),
                source: e,
            })?;
        let scopes = match &self.scopes {
            None => Scope::defaults(),
            Some(list) => parse_scopes(&list.items())?,
        };
        Ok(M2mConfig {
            client_id,
            certificate_id,
            key,
            scopes,
        })
    }

    /// The request timeout and retry overrides. Tests and benchmarks use them to make failures quick; the
    /// defaults suit production.
    pub(super) fn tuning(&self) -> Result<ClientTuning, ConfigError> {
        let ms = Duration::from_millis;
        Ok(ClientTuning {
            request_timeout: self.request_timeout_ms()?.map(ms),
            retry_max_attempts: self.retry_max_attempts()?,
            retry_base_delay: self.retry_base_delay_ms()?.map(ms),
            retry_max_delay: self.retry_max_delay_ms()?.map(ms),
        })
    }

    fn private_key_pem(&self) -> Result<(SecretString, Key), ConfigError> {
        match (&self.private_key, &self.private_key_path) {
            (Some(_), Some(_)) => Err(ConfigError::Invalid {
                setting: Key::PrivateKey.env(),
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
                Ok((SecretString::from(text), Key::PrivateKey))
            }
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|t| (SecretString::from(t), Key::PrivateKeyPath))
                .map_err(|e| ConfigError::Invalid {
                    setting: Key::PrivateKeyPath.env(),
                    reason: format!("cannot read {}: {e}", path.display()),
                }),
            (None, None) => Err(ConfigError::Missing(vec![
                "NETSUITE_PRIVATE_KEY_PATH (or NETSUITE_PRIVATE_KEY)",
            ])),
        }
    }
}

pub(super) fn parse_scopes(items: &[String]) -> Result<Vec<Scope>, ConfigError> {
    let mut scopes = Vec::new();
    for item in items {
        let scope = item
            .parse::<Scope>()
            .map_err(|reason| ConfigError::Invalid {
                setting: Key::Scopes.env(),
                reason,
            })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ConfigError::Invalid {
            setting: Key::Scopes.env(),
            reason: "no scope given; use e.g. rest_webservices,restlets".into(),
        });
    }
    Ok(scopes)
}

pub(super) fn non_blank(key: Key, value: Option<&str>) -> Result<String, ConfigError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_owned()),
        _ => Err(ConfigError::Missing(vec![key.env()])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Algorithm;
    use crate::config::ListSetting;
    use crate::config::file::tests::env;

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
        let p = c.assertion_params().unwrap();
        assert_eq!(
            p.audience,
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(p.scopes, vec![Scope::RestWebservices, Scope::Restlets]);
        let NetSuiteAuth::M2m(m2m) = &c.auth else {
            panic!("not m2m")
        };
        assert_eq!(m2m.key.algorithm(), Algorithm::ES256);
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
}
