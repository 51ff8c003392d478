//! Which token store to use (`NETSUITE_MCP_TOKEN_STORE`, design.md §1.5): the OS keyring where this system
//! and build have one, else one 0600 file per profile.

use std::path::PathBuf;
use std::sync::Arc;

use super::store::{FileStore, StoreError, TokenStore};

/// `NETSUITE_MCP_TOKEN_STORE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The OS keyring (macOS Keychain, Windows Credential Manager, Secret Service).
    Keyring,
    /// One JSON file per profile, mode 0600, in a 0700 directory.
    File,
}

impl StoreKind {
    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Keyring => "keyring",
            StoreKind::File => "file",
        }
    }
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `NETSUITE_MCP_TOKEN_STORE` value that is neither `keyring` nor `file`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store {0:?} is not one of `keyring` or `file`")]
pub struct UnknownStoreKind(pub String);

impl std::str::FromStr for StoreKind {
    type Err = UnknownStoreKind;

    /// `keyring` or `file`, in any case, surrounding blanks ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("keyring") {
            Ok(StoreKind::Keyring)
        } else if s.eq_ignore_ascii_case("file") {
            Ok(StoreKind::File)
        } else {
            Err(UnknownStoreKind(s.to_owned()))
        }
    }
}

/// Opens the store: `Some(File)` → [`FileStore::new`]`(file_dir)`; `Some(Keyring)` → the OS keyring or a
/// [`StoreError::Keyring`] saying why there is none; `None` → the keyring when one is usable, else the file
/// store. "Usable" means the platform store could be built, which reads no entry, so never prompts; the
/// Secret Service probe is bounded to a few seconds. The keyring is opened once per process.
pub fn open_token_store(
    kind: Option<StoreKind>,
    file_dir: PathBuf,
) -> Result<Arc<dyn TokenStore>, StoreError> {
    match kind {
        Some(StoreKind::File) => Ok(Arc::new(FileStore::new(file_dir))),
        Some(StoreKind::Keyring) => os_keyring(),
        None => match os_keyring() {
            Ok(store) => Ok(store),
            Err(e) => {
                tracing::debug!(
                    "token store: using the file store in {}: {e}",
                    file_dir.display()
                );
                Ok(Arc::new(FileStore::new(file_dir)))
            }
        },
    }
}

#[cfg(feature = "keyring")]
fn os_keyring() -> Result<Arc<dyn TokenStore>, StoreError> {
    super::keyring_store::KeyringStore::open_os().map(|s| Arc::new(s) as Arc<dyn TokenStore>)
}

#[cfg(not(feature = "keyring"))]
fn os_keyring() -> Result<Arc<dyn TokenStore>, StoreError> {
    Err(StoreError::Keyring {
        reason: "this netsuite-mcp was built without the `keyring` feature".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds_in_any_case_and_trimmed() {
        for (text, kind) in [
            ("keyring", StoreKind::Keyring),
            (" KeyRing\n", StoreKind::Keyring),
            ("file", StoreKind::File),
            ("FILE ", StoreKind::File),
        ] {
            assert_eq!(text.parse::<StoreKind>(), Ok(kind), "{text:?}");
            assert_eq!(kind.to_string().parse::<StoreKind>(), Ok(kind));
        }
    }

    #[test]
    fn an_unknown_kind_is_refused_naming_both_choices() {
        for bad in ["", "keychain", "files", "key ring"] {
            let err = bad.parse::<StoreKind>().unwrap_err().to_string();
            assert!(err.contains("`keyring`") && err.contains("`file`"), "{err}");
        }
    }

    #[test]
    fn file_is_the_file_store_in_the_given_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = open_token_store(Some(StoreKind::File), dir.path().to_owned()).unwrap();
        assert_eq!(
            store.location("prod"),
            dir.path().join("prod.json").display().to_string()
        );
    }

    /// This machine's builds without the Secret Service (and builds without any keyring) have no keyring.
    #[cfg(any(
        not(feature = "keyring"),
        all(target_os = "linux", not(feature = "secret-service"))
    ))]
    mod without_a_keyring {
        use super::*;

        #[test]
        fn the_default_falls_back_to_the_file_store() {
            let dir = tempfile::tempdir().unwrap();
            let store = open_token_store(None, dir.path().to_owned()).unwrap();
            assert_eq!(
                store.location("prod"),
                dir.path().join("prod.json").display().to_string()
            );
        }

        #[test]
        fn asking_for_the_keyring_says_why_there_is_none_and_what_to_do() {
            let dir = tempfile::tempdir().unwrap();
            let Err(err) = open_token_store(Some(StoreKind::Keyring), dir.path().to_owned()) else {
                panic!("a keyring store opened");
            };
            assert!(matches!(err, StoreError::Keyring { .. }), "{err:?}");
            let shown = err.to_string();
            assert!(shown.contains("NETSUITE_MCP_TOKEN_STORE=file"), "{shown}");
            if cfg!(feature = "keyring") {
                assert!(
                    shown.contains("no keyring backend for Linux")
                        && shown.contains("--features secret-service"),
                    "{shown}"
                );
            } else {
                assert!(shown.contains("without the `keyring` feature"), "{shown}");
            }
        }
    }

    /// With the Secret Service built in, what this machine offers decides, but the answer is quick and clear.
    #[cfg(all(target_os = "linux", feature = "secret-service"))]
    #[test]
    fn the_secret_service_probe_is_bounded_and_a_missing_one_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let default = open_token_store(None, dir.path().to_owned()).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        match open_token_store(Some(StoreKind::Keyring), dir.path().to_owned()) {
            Ok(keyring) => assert_eq!(default.location("p"), keyring.location("p")),
            Err(err) => {
                let shown = err.to_string();
                assert!(shown.contains("Secret Service"), "{shown}");
                assert!(shown.contains("NETSUITE_MCP_TOKEN_STORE=file"), "{shown}");
                assert_eq!(
                    default.location("p"),
                    dir.path().join("p.json").display().to_string()
                );
                eprintln!("{shown}");
            }
        }
    }
}
