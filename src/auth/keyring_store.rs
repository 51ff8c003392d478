//! Tokens in the OS keyring (design.md §1.5): one entry per profile, service `netsuite-mcp`, account = the
//! profile name, secret = the [`StoredLogin`] as compact JSON. The backends: the macOS Keychain, the Windows
//! Credential Manager, and (with the `secret-service` feature) the freedesktop Secret Service over D-Bus.
//! Built only with the `keyring` feature. Never logs a secret nor puts one into an error.

use std::fmt;
use std::sync::{Arc, OnceLock};

use keyring_core::{CredentialStore, Entry, Error as KeyringError};
use secrecy::zeroize::Zeroizing;

use super::store::{StoreError, StoredLogin, TokenStore, check_profile, json_reason};

/// The keyring service every entry is filed under.
pub const SERVICE: &str = "netsuite-mcp";

/// A [`TokenStore`] over a keyring-core credential store (the OS keyring, or a mock in tests).
pub struct KeyringStore {
    store: Arc<CredentialStore>,
    backend: &'static str,
}

impl fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl KeyringStore {
    /// The OS keyring, opened once per process (it also becomes keyring-core's default store). The error says
    /// why this system or build has none. Never prompts: opening touches no entry.
    pub fn open_os() -> Result<Self, StoreError> {
        match os_store() {
            Ok(store) => Ok(KeyringStore::with_store(Arc::clone(store), OS_BACKEND)),
            Err(reason) => Err(StoreError::Keyring {
                reason: reason.clone(),
            }),
        }
    }

    /// A store over any keyring-core credential store; `backend` names it in messages ("macOS Keychain").
    pub fn with_store(store: Arc<CredentialStore>, backend: &'static str) -> Self {
        KeyringStore { store, backend }
    }

    /// The backend's name, as messages show it.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    fn entry(&self, profile: &str) -> Result<Entry, StoreError> {
        check_profile(profile)?;
        Entry::new_in_store(&self.store, SERVICE, profile)
            .map_err(|e| self.failure("open", profile, &e))
    }

    fn failure(&self, doing: &str, profile: &str, e: &KeyringError) -> StoreError {
        StoreError::Keyring {
            reason: format!(
                "the {} could not {doing} the entry for profile {profile:?}: {}",
                self.backend,
                describe(e)
            ),
        }
    }

    fn corrupt(&self, profile: &str, reason: String) -> StoreError {
        StoreError::Corrupt {
            place: self.location(profile),
            reason,
        }
    }
}

/// What went wrong, in words that never include a secret: keyring-core's own `Display` is safe for most
/// errors, but `Ambiguous` prints the matching entries' `Debug`, which a store may fill with anything.
fn describe(e: &KeyringError) -> String {
    match e {
        KeyringError::PlatformFailure(err) => format!("the keyring failed ({err})"),
        KeyringError::NoStorageAccess(err) => {
            format!("the keyring cannot be reached or is locked ({err})")
        }
        KeyringError::NoEntry => "there is no such entry".to_owned(),
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => {
            "the entry is not in the expected format".to_owned()
        }
        KeyringError::TooLong(what, limit) => {
            format!("the {what} is longer than the keyring allows ({limit})")
        }
        KeyringError::Invalid(what, why) => format!("the {what} is invalid ({why})"),
        KeyringError::Ambiguous(matches) => {
            format!("{} entries match where one was expected", matches.len())
        }
        other => other.to_string(),
    }
}

fn to_json(login: &StoredLogin) -> Result<Zeroizing<Vec<u8>>, serde_json::Error> {
    serde_json::to_vec(login).map(Zeroizing::new)
}

impl TokenStore for KeyringStore {
    fn load(&self, profile: &str) -> Result<Option<StoredLogin>, StoreError> {
        let entry = self.entry(profile)?;
        match entry.get_secret() {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| self.corrupt(profile, json_reason(&e)))
            }
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e @ (KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..))) => {
                Err(self.corrupt(profile, describe(&e)))
            }
            Err(e) => Err(self.failure("read", profile, &e)),
        }
    }

    fn save(&self, profile: &str, login: &StoredLogin) -> Result<(), StoreError> {
        let entry = self.entry(profile)?;
        let json = to_json(login).map_err(|e| self.corrupt(profile, json_reason(&e)))?;
        match entry.set_secret(&json) {
            Ok(()) => Ok(()),
            // The Windows Credential Manager holds at most 2,560 bytes; NetSuite's two JWTs can exceed that
            // together. The access token is only a cache, so keep the refresh token and drop it.
            Err(KeyringError::TooLong(..)) if login.access_token.is_some() => {
                let lean = StoredLogin {
                    access_token: None,
                    access_expires_at: None,
                    ..login.clone()
                };
                let json = to_json(&lean).map_err(|e| self.corrupt(profile, json_reason(&e)))?;
                entry
                    .set_secret(&json)
                    .map_err(|e| self.failure("write", profile, &e))
            }
            Err(e) => Err(self.failure("write", profile, &e)),
        }
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        let entry = self.entry(profile)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(self.failure("delete", profile, &e)),
        }
    }

    fn location(&self, profile: &str) -> String {
        format!(
            "the {} (service {SERVICE:?}, account {profile:?})",
            self.backend
        )
    }
}

/// The OS keyring's name in messages.
#[cfg(target_os = "macos")]
const OS_BACKEND: &str = "macOS Keychain";
#[cfg(target_os = "windows")]
const OS_BACKEND: &str = "Windows Credential Manager";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const OS_BACKEND: &str = "Secret Service keyring";

/// The OS keyring store, built on first use; `Err` says why there is none.
fn os_store() -> &'static Result<Arc<CredentialStore>, String> {
    static STORE: OnceLock<Result<Arc<CredentialStore>, String>> = OnceLock::new();
    STORE.get_or_init(|| {
        let built = build_os_store();
        if let Ok(store) = &built {
            keyring_core::set_default_store(Arc::clone(store));
        }
        built
    })
}

#[cfg(target_os = "macos")]
fn build_os_store() -> Result<Arc<CredentialStore>, String> {
    // Building the store only records which keychain to use; nothing is read, so nothing prompts.
    apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| format!("the macOS Keychain cannot be opened: {}", describe(&e)))
}

#[cfg(target_os = "windows")]
fn build_os_store() -> Result<Arc<CredentialStore>, String> {
    windows_native_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| {
            format!(
                "the Windows Credential Manager cannot be opened: {}",
                describe(&e)
            )
        })
}

/// How long the Secret Service may take to answer before we take it as absent (a session bus can
/// D-Bus-activate a keyring daemon, or hang).
#[cfg(all(
    feature = "secret-service",
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
const SECRET_SERVICE_PROBE: std::time::Duration = std::time::Duration::from_secs(3);

#[cfg(all(
    feature = "secret-service",
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn build_os_store() -> Result<Arc<CredentialStore>, String> {
    // The store connects to the session bus and opens a Secret Service session (no unlock, so no prompt).
    // It runs on its own thread so that a bus that never answers costs at most the probe time.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("secret-service-probe".into())
        .spawn(move || {
            let built = zbus_secret_service_keyring_store::Store::new()
                .map(|s| s as Arc<CredentialStore>)
                .map_err(|e| describe(&e));
            let _ = tx.send(built);
        })
        .map_err(|e| format!("cannot start the Secret Service probe: {e}"))?;
    match rx.recv_timeout(SECRET_SERVICE_PROBE) {
        Ok(Ok(store)) => Ok(store),
        Ok(Err(why)) => Err(format!(
            "the Secret Service is not available (is a keyring such as GNOME Keyring or KWallet running in this \
             session?): {why}"
        )),
        Err(_) => Err(format!(
            "the Secret Service did not answer within {} s",
            SECRET_SERVICE_PROBE.as_secs()
        )),
    }
}

#[cfg(all(
    not(feature = "secret-service"),
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn build_os_store() -> Result<Arc<CredentialStore>, String> {
    let os = if cfg!(target_os = "linux") {
        "Linux"
    } else {
        std::env::consts::OS
    };
    Err(format!(
        "this build has no keyring backend for {os} (build with `--features secret-service` to use the Secret \
         Service)"
    ))
}

#[cfg(not(any(
    target_os = "macos",
    target_os = "windows",
    all(unix, not(any(target_os = "ios", target_os = "android")))
)))]
fn build_os_store() -> Result<Arc<CredentialStore>, String> {
    Err(format!(
        "this build has no keyring backend for {}",
        std::env::consts::OS
    ))
}

#[cfg(test)]
mod tests {
    use super::super::store::tests::login;
    use super::*;
    use keyring_core::mock;
    use secrecy::ExposeSecret;

    fn mock_store() -> (Arc<CredentialStore>, KeyringStore) {
        let raw: Arc<CredentialStore> = mock::Store::new().unwrap();
        let store = KeyringStore::with_store(Arc::clone(&raw), "test keyring");
        (raw, store)
    }

    /// The raw entry a profile's tokens live in.
    fn raw_entry(raw: &Arc<CredentialStore>, profile: &str) -> Entry {
        Entry::new_in_store(raw, SERVICE, profile).unwrap()
    }

    fn fail_next_call(entry: &Entry, err: KeyringError) {
        let cred: &mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(err);
    }

    #[test]
    fn saves_load_back_replace_and_delete_under_the_service_and_profile() {
        let (raw, store) = mock_store();
        assert!(store.load("prod").unwrap().is_none());
        store.save("prod", &login("r1")).unwrap();
        store.save("prod", &login("r2")).unwrap();
        let back = store.load("prod").unwrap().unwrap();
        assert_eq!(back.refresh_token.expose_secret(), "r2");
        assert_eq!(
            back.access_token.as_ref().map(|t| t.expose_secret()),
            Some("access-secret")
        );
        assert_eq!(back.entity.as_deref(), Some("12"));
        let json: serde_json::Value =
            serde_json::from_slice(&raw_entry(&raw, "prod").get_secret().unwrap()).unwrap();
        assert_eq!(json["refresh_token"], "r2");
        assert!(
            store.load("other").unwrap().is_none(),
            "profiles are separate"
        );
        assert!(store.delete("prod").unwrap());
        assert!(store.load("prod").unwrap().is_none());
        assert!(!store.delete("prod").unwrap());
    }

    #[test]
    fn a_value_that_is_not_a_login_is_corrupt_and_quoted_nowhere() {
        let (raw, store) = mock_store();
        raw_entry(&raw, "p")
            .set_secret(br#"{"refresh_token":"leaky-secret""#)
            .unwrap();
        raw_entry(&raw, "q")
            .set_secret(br#"{"account_id":"a","client_id":"c","refresh_token":"r","signed_in_at":"leaky-secret"}"#)
            .unwrap();
        for profile in ["p", "q"] {
            let err = store.load(profile).unwrap_err();
            assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
            let shown = err.to_string();
            assert!(shown.contains("netsuite-mcp login"), "{shown}");
            assert!(shown.contains(r#"account "#), "{shown}");
            assert!(!shown.contains("leaky-secret"), "{shown}");
        }
    }

    #[test]
    fn a_keyring_failure_says_how_to_use_the_file_instead() {
        let (raw, store) = mock_store();
        store.save("p", &login("r")).unwrap();
        fail_next_call(
            &raw_entry(&raw, "p"),
            KeyringError::NoStorageAccess("locked".into()),
        );
        let err = store.load("p").unwrap_err();
        assert!(matches!(err, StoreError::Keyring { .. }), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains("NETSUITE_MCP_TOKEN_STORE=file"), "{shown}");
        assert!(
            shown.contains("locked") && shown.contains("\"p\""),
            "{shown}"
        );
        fail_next_call(
            &raw_entry(&raw, "p"),
            KeyringError::PlatformFailure("boom".into()),
        );
        let err = store.delete("p").unwrap_err().to_string();
        assert!(
            err.contains("could not delete") && err.contains("boom"),
            "{err}"
        );
        assert!(
            store.load("p").unwrap().is_some(),
            "a failed delete kept the entry"
        );
    }

    #[test]
    fn a_login_too_long_for_the_keyring_is_kept_without_its_access_token() {
        let (raw, store) = mock_store();
        fail_next_call(
            &raw_entry(&raw, "p"),
            KeyringError::TooLong("secret".into(), 2560),
        );
        store.save("p", &login("r")).unwrap();
        let back = store.load("p").unwrap().unwrap();
        assert_eq!(back.refresh_token.expose_secret(), "r");
        assert!(back.access_token.is_none() && back.access_expires_at.is_none());
    }

    #[test]
    fn a_login_too_long_even_without_access_token_is_an_error_naming_no_secret() {
        let (raw, store) = mock_store();
        let mut lean = login("refresh-secret");
        lean.access_token = None;
        fail_next_call(
            &raw_entry(&raw, "p"),
            KeyringError::TooLong("secret".into(), 2560),
        );
        let err = store.save("p", &lean).unwrap_err().to_string();
        assert!(err.contains("longer than the keyring allows"), "{err}");
        assert!(!err.contains("refresh-secret"), "{err}");
        assert!(store.load("p").unwrap().is_none());
    }

    #[test]
    fn profile_names_that_could_not_name_a_file_are_refused_before_the_keyring() {
        let (raw, store) = mock_store();
        for bad in ["../evil", "a/b", "", ".hidden", &"p".repeat(65)] {
            assert!(
                matches!(store.save(bad, &login("r")), Err(StoreError::BadProfile(_))),
                "{bad}"
            );
            assert!(
                matches!(store.load(bad), Err(StoreError::BadProfile(_))),
                "{bad}"
            );
        }
        let spec = std::collections::HashMap::new();
        assert!(
            raw.search(&spec).unwrap().is_empty(),
            "no entry was created"
        );
    }

    #[test]
    fn the_location_names_backend_service_and_account() {
        let (_, store) = mock_store();
        assert_eq!(
            store.location("prod"),
            r#"the test keyring (service "netsuite-mcp", account "prod")"#
        );
        assert!(!format!("{store:?}").is_empty());
    }
}
