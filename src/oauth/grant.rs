//! A person's NetSuite tokens inside a grant of the authorization server.

use std::sync::{Arc, Mutex};

use crate::auth::store::{StoreError, StoredLogin, TokenStore};

/// A person's NetSuite tokens, kept for their session (as its [`TokenStore`]): a rotation is saved here and
/// reported through the hook, so the server can seal the new refresh token to disk before it is used.
pub struct GrantLogin {
    login: Mutex<StoredLogin>,
    on_change: Mutex<Option<ChangeHook>>,
}

/// Called after a person's tokens change; an error means they are not safely stored.
pub type ChangeHook = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The one profile name the session of a grant uses.
pub const GRANT_PROFILE: &str = "grant";

impl GrantLogin {
    /// Holds `login`.
    pub fn new(login: StoredLogin) -> Arc<Self> {
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
    pub fn current(&self) -> StoredLogin {
        self.login.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl TokenStore for GrantLogin {
    fn load(&self, _profile: &str) -> Result<Option<StoredLogin>, StoreError> {
        Ok(Some(self.current()))
    }

    fn save(&self, _profile: &str, login: &StoredLogin) -> Result<(), StoreError> {
        *self.login.lock().unwrap_or_else(|p| p.into_inner()) = login.clone();
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
