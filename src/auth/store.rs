//! Where a person's NetSuite tokens live between runs (design.md §1.5): one entry per profile, holding nothing but
//! that profile's tokens and who they belong to. The file store writes one file per profile, mode 0600, in a
//! 0700 directory, atomically (a crash never leaves half a file). Knows nothing about MCP.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Longest profile name used in a file name.
const MAX_PROFILE_CHARS: usize = 64;
/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// A stored sign-in. `Debug` shows no token.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredLogin {
    /// The account the tokens belong to (`1234567_SB1`).
    pub account_id: String,
    /// The integration's client id the tokens were issued to.
    pub client_id: String,
    /// The refresh token (single-use for public clients: replaced on every refresh).
    #[serde(with = "secret")]
    pub refresh_token: SecretString,
    /// The current access token, if one is still worth keeping.
    #[serde(default, with = "opt_secret", skip_serializing_if = "Option::is_none")]
    pub access_token: Option<SecretString>,
    /// Unix seconds when the access token expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_expires_at: Option<u64>,
    /// Who signed in: entity (employee) id, role id, company, as NetSuite's redirect said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// The role chosen at sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The company (account) NetSuite named in the redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Unix seconds of the first sign-in of this chain (the rotation cap counts from it).
    pub signed_in_at: u64,
}

impl fmt::Debug for StoredLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredLogin")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("entity", &self.entity)
            .field("role", &self.role)
            .field("company", &self.company)
            .field("signed_in_at", &self.signed_in_at)
            .finish_non_exhaustive()
    }
}

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The profile name cannot be a file name.
    #[error(
        "profile name {0:?} cannot name a token store entry: use letters, digits, `-` and `_` (at most {MAX_PROFILE_CHARS})"
    )]
    BadProfile(String),
    /// Reading or writing failed.
    #[error("token store {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The stored entry is not one this version understands.
    #[error(
        "token store {place}: the entry cannot be read ({reason}); run `netsuite-mcp login` again"
    )]
    Corrupt {
        /// The file, or the keyring entry, as [`TokenStore::location`] names it.
        place: String,
        /// What is wrong (never the content).
        reason: String,
    },
    /// The OS keyring failed or is missing.
    #[error(
        "OS keyring: {reason}; set NETSUITE_MCP_TOKEN_STORE=file to keep tokens in a 0600 file instead"
    )]
    Keyring {
        /// What went wrong (never a secret).
        reason: String,
    },
}

/// Checks that `profile` can name a store entry: 1 to 64 ASCII letters, digits, `-` and `_`, so it can never
/// leave the token directory nor collide with another profile's keyring entry.
pub(crate) fn check_profile(profile: &str) -> Result<(), StoreError> {
    let ok = !profile.is_empty()
        && profile.len() <= MAX_PROFILE_CHARS
        && profile
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadProfile(profile.to_owned()))
    }
}

/// Why a stored entry is not a [`StoredLogin`], without quoting it: serde_json's `invalid type` and
/// `invalid value` messages repeat the offending value, which could be a token.
pub(crate) fn json_reason(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Data => "a field is missing or has the wrong type",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// A place that keeps one [`StoredLogin`] per profile.
pub trait TokenStore: Send + Sync {
    /// The profile's entry, if any.
    fn load(&self, profile: &str) -> Result<Option<StoredLogin>, StoreError>;
    /// Replaces the profile's entry; when this returns `Ok`, the new entry is durable.
    fn save(&self, profile: &str, login: &StoredLogin) -> Result<(), StoreError>;
    /// Deletes the profile's entry; `Ok(false)` when there was none.
    fn delete(&self, profile: &str) -> Result<bool, StoreError>;
    /// Where the profile's entry lives, for messages ("tokens saved to …").
    fn location(&self, profile: &str) -> String;
}

/// One JSON file per profile in a directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir` (created with mode 0700 on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, profile: &str) -> Result<PathBuf, StoreError> {
        check_profile(profile)?;
        Ok(self.dir.join(format!("{profile}.json")))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

impl TokenStore for FileStore {
    fn load(&self, profile: &str) -> Result<Option<StoredLogin>, StoreError> {
        let path = self.path(profile)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                place: path.display().to_string(),
                reason: json_reason(&e),
            })
    }

    fn save(&self, profile: &str, login: &StoredLogin) -> Result<(), StoreError> {
        let path = self.path(profile)?;
        create_private_dir(&self.dir)?;
        let json = serde_json::to_vec_pretty(login).map_err(|e| StoreError::Corrupt {
            place: path.display().to_string(),
            reason: json_reason(&e),
        })?;
        let tmp = self
            .dir
            .join(format!(".{profile}.json.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = private_file(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // The rename is durable only once the directory entry is.
            if let Ok(d) = std::fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(io(&path))
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        let path = self.path(profile)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn location(&self, profile: &str) -> String {
        self.path(profile)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| self.dir.display().to_string())
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io(dir))
}

fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

mod secret {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.expose_secret())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        String::deserialize(d).map(SecretString::from)
    }
}

mod opt_secret {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(v.expose_secret()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
        Option::<String>::deserialize(d).map(|o| o.map(SecretString::from))
    }
}

/// Logins kept in memory only: the authorization server's per-person sessions (whose refresh tokens it keeps
/// itself) and tests.
#[derive(Default)]
pub struct MemoryStore {
    entries: std::sync::Mutex<std::collections::HashMap<String, StoredLogin>>,
}

impl MemoryStore {
    /// A store holding `login` for `profile`.
    pub fn with(profile: &str, login: StoredLogin) -> Self {
        let store = MemoryStore::default();
        store.lock().insert(profile.to_owned(), login);
        store
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, StoredLogin>> {
        // Plain values behind the lock: a panic elsewhere cannot leave them half-written.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for MemoryStore {
    fn load(&self, profile: &str) -> Result<Option<StoredLogin>, StoreError> {
        Ok(self.lock().get(profile).cloned())
    }

    fn save(&self, profile: &str, login: &StoredLogin) -> Result<(), StoreError> {
        self.lock().insert(profile.to_owned(), login.clone());
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        Ok(self.lock().remove(profile).is_some())
    }

    fn location(&self, _profile: &str) -> String {
        "this process's memory".to_owned()
    }
}

impl StoredLogin {
    /// Whether the stored access token is still good `margin_secs` from `now` (Unix seconds).
    pub fn access_token_fresh(&self, now: u64, margin_secs: u64) -> Option<&SecretString> {
        match (&self.access_token, self.access_expires_at) {
            (Some(t), Some(exp)) if exp > now.saturating_add(margin_secs) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    pub(crate) fn login(refresh: &str) -> StoredLogin {
        StoredLogin {
            account_id: "1234567_SB1".into(),
            client_id: "cid".into(),
            refresh_token: refresh.into(),
            access_token: Some("access-secret".into()),
            access_expires_at: Some(2_000),
            entity: Some("12".into()),
            role: Some("1000".into()),
            company: Some("1234567_SB1".into()),
            signed_in_at: 1_000,
        }
    }

    #[test]
    fn saves_load_back_and_replace_atomically_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("tokens"));
        assert!(store.load("prod").unwrap().is_none());
        store.save("prod", &login("r1")).unwrap();
        store.save("prod", &login("r2")).unwrap();
        let back = store.load("prod").unwrap().unwrap();
        assert_eq!(back.refresh_token.expose_secret(), "r2");
        assert_eq!(back.entity.as_deref(), Some("12"));
        let names: Vec<String> = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["prod.json"], "no temporary file left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&store.dir().join("prod.json")), 0o600);
            assert_eq!(mode(store.dir()), 0o700);
        }
        assert!(store.delete("prod").unwrap());
        assert!(!store.delete("prod").unwrap());
    }

    #[test]
    fn profile_names_cannot_escape_the_directory() {
        let store = FileStore::new("/tmp/x");
        for bad in ["../evil", "a/b", "", ".hidden", &"p".repeat(65)] {
            assert!(
                matches!(store.load(bad), Err(StoreError::BadProfile(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_damaged_file_is_a_clear_error_that_quotes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        std::fs::write(
            dir.path().join("p.json"),
            r#"{"refresh_token":"leaky-secret""#,
        )
        .unwrap();
        let err = store.load("p").unwrap_err().to_string();
        assert!(err.contains("netsuite-mcp login"), "{err}");
        assert!(!err.contains("leaky-secret"), "{err}");
    }

    #[test]
    fn a_field_of_the_wrong_type_is_reported_without_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        std::fs::write(
            dir.path().join("p.json"),
            r#"{"account_id":"a","client_id":"c","refresh_token":"r","signed_in_at":"leaky-secret"}"#,
        )
        .unwrap();
        let err = store.load("p").unwrap_err().to_string();
        assert!(err.contains("wrong type"), "{err}");
        assert!(!err.contains("leaky-secret"), "{err}");
    }

    #[test]
    fn debug_shows_no_token() {
        let shown = format!("{:?}", login("refresh-secret"));
        assert!(!shown.contains("refresh-secret") && !shown.contains("access-secret"));
    }

    #[test]
    fn the_access_token_counts_as_fresh_only_before_the_margin() {
        let l = login("r");
        assert!(l.access_token_fresh(1_000, 60).is_some());
        assert!(l.access_token_fresh(1_950, 60).is_none());
        assert!(l.access_token_fresh(2_000, 0).is_none());
    }
}
