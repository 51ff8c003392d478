//! A person's NetSuite tokens inside a grant of the authorization server, and the NetSuite session built on
//! them ([`People`]).

use std::sync::{Arc, Mutex};

use crate::auth::store::{StoreError, StoredLogin, TokenStore};
use crate::auth::{LoginSession, RequestAuth, SessionParams, SharedLogin, TokenManager, WhenEmpty};
use crate::config::LoginSetup;
use crate::netsuite::NetSuiteClient;
use crate::scale::ScaleOut;
use crate::scale::tokens::RedisTokenSlot;

use super::state::Grant;

/// A person's NetSuite tokens, kept for their session (as its [`TokenStore`]): a rotation is saved here and
/// reported through the hook, so the server can seal the new refresh token to disk before it is used.
pub struct GrantLogin {
    /// Empty only for a grant whose tokens live in Redis and have not been read yet.
    login: Mutex<Option<StoredLogin>>,
    on_change: Mutex<Option<ChangeHook>>,
}

/// Called after a person's tokens change; an error means they are not safely stored.
pub type ChangeHook = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The one profile name the session of a grant uses.
pub const GRANT_PROFILE: &str = "grant";

impl GrantLogin {
    /// Holds `login`.
    pub fn new(login: StoredLogin) -> Arc<Self> {
        Self::holding(Some(login))
    }

    fn holding(login: Option<StoredLogin>) -> Arc<Self> {
        Arc::new(GrantLogin {
            login: Mutex::new(login),
            on_change: Mutex::new(None),
        })
    }

    /// Calls `hook` after every change.
    pub fn on_change(&self, hook: ChangeHook) {
        *self.on_change.lock().unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    /// The current tokens.
    pub fn current(&self) -> Option<StoredLogin> {
        self.login.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl TokenStore for GrantLogin {
    fn load(&self, _profile: &str) -> Result<Option<StoredLogin>, StoreError> {
        Ok(self.current())
    }

    fn save(&self, _profile: &str, login: &StoredLogin) -> Result<(), StoreError> {
        *self.login.lock().unwrap_or_else(|p| p.into_inner()) = Some(login.clone());
        let hook = self
            .on_change
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match hook {
            Some(hook) => hook().map_err(|reason| StoreError::Io {
                path: std::path::PathBuf::from("the OAuth state"),
                source: std::io::Error::other(reason),
            }),
            None => Ok(()),
        }
    }

    fn delete(&self, _profile: &str) -> Result<bool, StoreError> {
        Ok(false)
    }

    fn location(&self, _profile: &str) -> String {
        "the authorization server's state".to_owned()
    }
}

/// Builds people's NetSuite sessions: same account, HTTP client and concurrency limit as the base client, each
/// acting with its own tokens.
pub struct People {
    pub(super) netsuite: LoginSetup,
    pub(super) base: NetSuiteClient,
    /// With scale-out, grants' tokens live in Redis (one copy, refreshed under one lock by any instance).
    pub(super) scale: Option<ScaleOut>,
}

impl People {
    /// A grant acting with `login` (kept in this process).
    pub fn local(&self, client_id: String, subject: String, login: StoredLogin) -> Grant {
        self.grant(client_id, subject, GrantLogin::new(login), None)
    }

    /// A grant whose tokens live in Redis under grant `id` (read before first use).
    pub fn shared(&self, id: u64, client_id: String, subject: String) -> Result<Grant, String> {
        let Some(scale) = &self.scale else {
            return Err("grants in Redis need NETSUITE_MCP_REDIS_URL".into());
        };
        let slot = RedisTokenSlot::at(
            scale.redis().clone(),
            &grant_login_key(self.netsuite.account.realm(), id),
        );
        let shared = SharedLogin::new(
            Arc::new(slot),
            scale.state_key(),
            &grant_identity(id),
            WhenEmpty::Ended,
            self.netsuite
                .tuning
                .request_timeout
                .unwrap_or(crate::netsuite::client::REQUEST_TIMEOUT),
        )?;
        Ok(self.grant(client_id, subject, GrantLogin::holding(None), Some(shared)))
    }

    fn grant(
        &self,
        client_id: String,
        subject: String,
        login: Arc<GrantLogin>,
        shared: Option<SharedLogin>,
    ) -> Grant {
        let mut session = LoginSession::new(
            SessionParams {
                token_url: self.netsuite.endpoints.token_url(),
                revoke_url: self.netsuite.endpoints.revoke_url(),
                client: self.netsuite.client.clone(),
                account_id: self.netsuite.account.realm().to_owned(),
                profile: GRANT_PROFILE.to_owned(),
                lock_dir: None,
            },
            login.clone(),
        );
        if let Some(shared) = shared {
            session = session.with_shared(shared);
        }
        let netsuite = self
            .base
            .acting_as(RequestAuth::Bearer(TokenManager::for_login(
                self.base.http().clone(),
                session,
            )));
        Grant {
            client_id,
            subject,
            netsuite,
            login,
        }
    }
}

/// Where grant `id`'s NetSuite tokens live in Redis (under the prefix): with the rest of the account's OAuth
/// state (see `redis_scripts`).
pub fn grant_login_key(account: &str, id: u64) -> String {
    format!("oauth:{account}:grant:{id}:login")
}

/// What grant `id`'s sealed tokens are bound to.
pub fn grant_identity(id: u64) -> String {
    format!("oauth grant {id}")
}
