//! What signing in as a person needs (design.md §1.5): the integration (public or confidential), the redirect
//! URI, the authorize page, and where the tokens are kept. `login`/`logout` use [`LoginSetup`]; `serve`, `token`
//! and `doctor` in `login` mode use [`LoginAuth`].

use std::path::PathBuf;

use url::Url;

use super::auth::secret;
use super::netsuite::{ClientTuning, non_blank, parse_scopes};
use super::{ConfigError, Key, Settings};
use crate::account::{AccountId, Endpoints};
use crate::auth::store::{DEFAULT_PROFILE, StoredLogin};
use crate::auth::store_choice::StoreKind;
use crate::auth::{ClientAuth, Scope};

/// The redirect URI when `NETSUITE_REDIRECT_URI` is unset: loopback https on a fixed port, because NetSuite
/// matches redirect URIs exactly and accepts only https (or a custom scheme) on the integration record.
pub const DEFAULT_REDIRECT_URI: &str = "https://127.0.0.1:8765/callback";

/// Where a profile's tokens are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `NETSUITE_MCP_TOKEN_STORE`; `None`: the keyring where the OS has one, else the file.
    pub kind: Option<StoreKind>,
    /// `NETSUITE_MCP_TOKEN_DIR`; `None`: the user's config directory + `netsuite-mcp/tokens`.
    pub dir: Option<PathBuf>,
    /// The entry's name: the config profile, else `default`.
    pub profile: String,
}

/// The `login` mode of the NetSuite client: who refreshes, and where the tokens are.
#[derive(Debug, Clone)]
pub struct LoginAuth {
    /// The integration the sign-in was made with.
    pub client: ClientAuth,
    /// The token store.
    pub store: StoreConfig,
}

/// Everything `login` and `logout` need.
#[derive(Debug, Clone)]
pub struct LoginSetup {
    /// The account signed in to.
    pub account: AccountId,
    /// Token and revoke endpoints (REST host).
    pub endpoints: Endpoints,
    /// The integration.
    pub client: ClientAuth,
    /// `NETSUITE_REDIRECT_URI`, parsed.
    pub redirect_uri: Url,
    /// The authorize page.
    pub authorize_url: Url,
    /// Scopes asked for.
    pub scopes: Vec<Scope>,
    /// The token store.
    pub store: StoreConfig,
    /// Timeout override for the token requests.
    pub tuning: ClientTuning,
}

impl Settings {
    /// The token store's entry name: the chosen config profile, else `default`.
    pub fn store_profile(&self) -> &str {
        self.profile
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or(DEFAULT_PROFILE)
    }

    /// `NETSUITE_MCP_TOKEN_STORE` and `NETSUITE_MCP_TOKEN_DIR`, checked.
    pub fn store_config(&self) -> Result<StoreConfig, ConfigError> {
        Ok(StoreConfig {
            kind: self
                .token_store()?
                .map(|k| k.parse::<StoreKind>())
                .transpose()
                .map_err(|e| ConfigError::Invalid {
                    setting: Key::TokenStore.env(),
                    reason: e.to_string(),
                })?,
            dir: self.token_dir.clone(),
            profile: self.store_profile().to_owned(),
        })
    }

    /// The integration's client authentication: public, or confidential with the secret from its variable or
    /// file. `client_id` falls back to the stored sign-in's.
    fn client_auth(&self, stored: Option<&StoredLogin>) -> Result<ClientAuth, ConfigError> {
        let client_id = match (&self.client_id, stored) {
            (Some(id), _) => non_blank(Key::ClientId, Some(id))?,
            (None, Some(login)) => login.client_id.clone(),
            (None, None) => return Err(ConfigError::Missing(vec![Key::ClientId.env()])),
        };
        let secret = if self.client_secret.is_some() || self.client_secret_file.is_some() {
            Some(secret(
                (Key::ClientSecret, self.client_secret.as_ref()),
                (Key::ClientSecretFile, self.client_secret_file.as_deref()),
            )?)
        } else {
            None
        };
        Ok(ClientAuth { client_id, secret })
    }

    pub(super) fn login_auth(
        &self,
        stored: Option<&StoredLogin>,
    ) -> Result<LoginAuth, ConfigError> {
        Ok(LoginAuth {
            client: self.client_auth(stored)?,
            store: self.store_config()?,
        })
    }

    /// What `login` needs: the account, the integration's client ID (and secret if confidential), the redirect
    /// URI and the authorize page. `stored` (for `logout`) fills in the account and client ID.
    pub fn login_setup(&self, stored: Option<&StoredLogin>) -> Result<LoginSetup, ConfigError> {
        let account_id = self
            .account_id
            .clone()
            .or_else(|| stored.map(|l| l.account_id.clone()));
        let mut missing = Vec::new();
        if account_id.is_none() {
            missing.push(Key::AccountId.env());
        }
        if self.client_id.is_none() && stored.is_none() {
            missing.push(Key::ClientId.env());
        }
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        let account = AccountId::parse(account_id.as_deref().unwrap_or_default())?;
        let endpoints = self.endpoints(&account)?;
        let authorize_url = account.authorize_url(self.app_base_url.as_deref())?;
        let raw = self
            .redirect_uri
            .as_deref()
            .map(str::trim)
            .unwrap_or(DEFAULT_REDIRECT_URI);
        let redirect_uri = Url::parse(raw).map_err(|e| ConfigError::Invalid {
            setting: Key::RedirectUri.env(),
            reason: format!(
                "{raw:?} is not an absolute URL ({e}); use e.g. {DEFAULT_REDIRECT_URI}"
            ),
        })?;
        let scopes = match &self.scopes {
            None => Scope::defaults(),
            Some(list) => parse_scopes(&list.items())?,
        };
        Ok(LoginSetup {
            account,
            endpoints,
            client: self.client_auth(stored)?,
            redirect_uri,
            authorize_url,
            scopes,
            store: self.store_config()?,
            tuning: self.tuning()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::tests::env;
    use crate::config::{AuthMode, NetSuiteAuth};
    use secrecy::{ExposeSecret, SecretString};

    fn stored() -> StoredLogin {
        StoredLogin {
            account_id: "1234567_SB1".into(),
            client_id: "stored-client".into(),
            refresh_token: SecretString::from("r".to_owned()),
            access_token: None,
            access_expires_at: None,
            entity: Some("12".into()),
            role: Some("3".into()),
            company: None,
            signed_in_at: 0,
        }
    }

    #[test]
    fn a_stored_sign_in_means_login_mode_when_nothing_else_is_configured() {
        let s = Settings::default();
        let c = s.netsuite_with(Some(&stored())).unwrap();
        assert_eq!(c.mode(), AuthMode::Login);
        assert_eq!(c.account.realm(), "1234567_SB1");
        let NetSuiteAuth::Login(login) = &c.auth else {
            panic!("not login")
        };
        assert_eq!(login.client.client_id, "stored-client");
        assert!(login.client.secret.is_none());
        assert_eq!(login.store.profile, "default");

        // M2M settings win over a stored sign-in.
        let m2m = Settings::from_env(env(&[("NETSUITE_CERTIFICATE_ID", "c")])).unwrap();
        let e = m2m.netsuite_with(Some(&stored())).unwrap_err().to_string();
        assert!(e.contains("NETSUITE_PRIVATE_KEY_PATH"), "{e}");

        // login asked for, nothing stored: the fix is named.
        let asked = Settings::from_env(env(&[("NETSUITE_AUTH", "login")])).unwrap();
        let e = asked.netsuite_with(None).unwrap_err().to_string();
        assert!(e.contains("netsuite-mcp login"), "{e}");
    }

    #[test]
    fn login_setup_reads_the_secret_the_redirect_and_the_authorize_page() {
        let s = Settings::from_env(env(&[
            ("NETSUITE_ACCOUNT_ID", "1234567-sb1"),
            ("NETSUITE_CLIENT_ID", "cid"),
            ("NETSUITE_CLIENT_SECRET", "sec"),
            ("NETSUITE_MCP_TOKEN_STORE", "FILE"),
        ]))
        .unwrap();
        let setup = s.login_setup(None).unwrap();
        assert_eq!(setup.redirect_uri.as_str(), DEFAULT_REDIRECT_URI);
        assert_eq!(
            setup.authorize_url.as_str(),
            "https://1234567-sb1.app.netsuite.com/app/login/oauth2/authorize.nl"
        );
        assert_eq!(
            setup.endpoints.revoke_url(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/revoke"
        );
        assert_eq!(setup.client.secret.unwrap().expose_secret(), "sec");
        assert_eq!(setup.store.kind, Some(StoreKind::File));

        let e = Settings::default()
            .login_setup(None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("NETSUITE_ACCOUNT_ID") && e.contains("NETSUITE_CLIENT_ID"),
            "{e}"
        );
        let bad = Settings::from_env(env(&[
            ("NETSUITE_ACCOUNT_ID", "1"),
            ("NETSUITE_CLIENT_ID", "c"),
            ("NETSUITE_REDIRECT_URI", "callback"),
        ]))
        .unwrap();
        let e = bad.login_setup(None).unwrap_err().to_string();
        assert!(e.starts_with("NETSUITE_REDIRECT_URI"), "{e}");
        let bad = Settings::from_env(env(&[("NETSUITE_MCP_TOKEN_STORE", "vault")])).unwrap();
        let e = bad.store_config().unwrap_err().to_string();
        assert!(e.starts_with("NETSUITE_MCP_TOKEN_STORE"), "{e}");
    }
}
