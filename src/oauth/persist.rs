//! The authorization server's state on disk (`NETSUITE_MCP_STATE_KEY`, `NETSUITE_MCP_STATE_DIR`): one file,
//! sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the configured secret, written atomically with
//! mode 0600. It holds registered clients, grants with each person's NetSuite tokens, and the digests (never the
//! values) of the access and refresh tokens issued. Codes and sign-ins in progress are not kept: they last
//! minutes.
//!
//! aws-lc-rs (already our crypto library) provides the AEAD and HKDF; no new dependency.

use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::auth::store::StoredLogin;
use crate::seal::{NONCE_LEN, Sealer};

/// Name of the state file in the state directory.
pub const STATE_FILE: &str = "oauth-state.sealed";
/// Bumped when the layout changes; an older file is refused with a clear error rather than misread.
const VERSION: u32 = 1;
/// Binds the ciphertext to its purpose (and the key derivation to this product).
const CONTEXT: &str = "netsuite-mcp oauth state v1";

/// What is kept.
#[derive(Debug, Serialize, Deserialize, Default)]
pub struct Snapshot {
    pub version: u32,
    pub next_grant: u64,
    pub clients: Vec<SavedClient>,
    pub grants: Vec<SavedGrant>,
    pub access: Vec<SavedToken>,
    pub refresh: Vec<SavedRefresh>,
}

/// A registered client.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedClient {
    pub id: String,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub created: u64,
}

/// A person's sign-in through one client.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedGrant {
    pub id: u64,
    pub client_id: String,
    pub subject: String,
    pub login: StoredLogin,
}

/// An access token's digest.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedToken {
    pub digest: String,
    pub grant: u64,
    pub write: bool,
    pub expires: u64,
}

/// A refresh token's digest.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedRefresh {
    pub digest: String,
    pub grant: u64,
    pub client_id: String,
    pub write: bool,
    pub spent: bool,
}

/// The sealed file: version, nonce and ciphertext.
#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    version: u32,
    nonce: String,
    data: String,
}

/// Seals and opens snapshots in one file.
pub struct Vault {
    path: PathBuf,
    key: Sealer,
    /// Serialises writers, and holds the change count last written: the snapshot is taken inside the turn
    /// ([`Vault::save_snapshot`]), so an older one never lands after a newer one, and an unchanged state is not
    /// written again.
    write: std::sync::Mutex<u64>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A vault in `dir` whose key derives from `secret`.
    pub fn new(dir: &Path, secret: &SecretString) -> Result<Self, String> {
        let key =
            Sealer::new(secret, CONTEXT).map_err(|_| "cannot derive the state key".to_owned())?;
        Ok(Vault {
            path: dir.join(STATE_FILE),
            key,
            write: std::sync::Mutex::new(0),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored snapshot; `None` when there is no file yet.
    pub fn load(&self) -> Result<Option<Snapshot>, String> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let unreadable = |why: &str| {
            format!(
                "{} cannot be opened ({why}): NETSUITE_MCP_STATE_KEY is not the key it was written with, or the \
                 file is damaged. Restore the key, or delete the file to start over (everyone signs in again)",
                self.path.display()
            )
        };
        let sealed: Sealed =
            serde_json::from_slice(&bytes).map_err(|_| unreadable("not a state file"))?;
        if sealed.version != VERSION {
            return Err(unreadable(&format!(
                "version {} is not {VERSION}",
                sealed.version
            )));
        }
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let nonce: [u8; NONCE_LEN] = b64
            .decode(&sealed.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| unreadable("bad nonce"))?;
        let data = b64
            .decode(&sealed.data)
            .map_err(|_| unreadable("bad data"))?;
        let plain = self
            .key
            .open_parts(nonce, data)
            .ok_or_else(|| unreadable("authentication failed"))?;
        let snapshot: Snapshot =
            serde_json::from_slice(&plain).map_err(|_| unreadable("unexpected content"))?;
        Ok(Some(snapshot))
    }

    /// Takes the snapshot (as JSON) while holding the writers' turn, then seals it and replaces the file: the
    /// file never goes back to an older state than one already written. `changes` is the state's change count
    /// (read before the snapshot); when it is the one written last, nothing is written.
    pub fn save_snapshot(
        &self,
        changes: u64,
        snapshot: impl FnOnce() -> Snapshot,
    ) -> Result<(), String> {
        let mut written = self.write.lock().unwrap_or_else(|p| p.into_inner());
        if changes != 0 && changes <= *written {
            return Ok(());
        }
        let plain = serde_json::to_vec(&snapshot()).map_err(|e| e.to_string())?;
        let (nonce, data) = self
            .key
            .seal_parts(plain)
            .map_err(|_| "cannot seal the state".to_owned())?;
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let file = serde_json::to_vec(&Sealed {
            version: VERSION,
            nonce: b64.encode(nonce),
            data: b64.encode(&data),
        })
        .map_err(|e| e.to_string())?;
        write_private(&self.path, &file)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        *written = (*written).max(changes);
        Ok(())
    }
}

/// Writes `bytes` to `path` through a 0600 temporary file in the same (0700) directory, then renames.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    let tmp = dir.join(format!(".{STATE_FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_snapshot_round_trips_and_only_opens_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::new(dir.path(), &key("a-long-random-secret-0123456789abcdef")).unwrap();
        assert!(vault.load().unwrap().is_none());
        let snapshot = Snapshot {
            version: 1,
            next_grant: 7,
            clients: vec![SavedClient {
                id: "c".into(),
                redirect_uris: vec!["https://claude.ai/cb".into()],
                name: None,
                created: 1,
            }],
            ..Snapshot::default()
        };
        vault.save_snapshot(1, || snapshot).unwrap();
        // An unchanged state is not written again: the snapshot is not even taken.
        vault
            .save_snapshot(1, || panic!("nothing changed since change 1"))
            .unwrap();
        let raw = std::fs::read_to_string(vault.path()).unwrap();
        assert!(!raw.contains("claude.ai"), "sealed, not plain: {raw}");
        let back = vault.load().unwrap().unwrap();
        assert_eq!(back.next_grant, 7);
        assert_eq!(back.clients[0].redirect_uris, ["https://claude.ai/cb"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(vault.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let other = Vault::new(dir.path(), &key("another-long-random-secret-0123456789")).unwrap();
        let e = other.load().unwrap_err();
        assert!(
            e.contains("NETSUITE_MCP_STATE_KEY") && e.contains("delete the file"),
            "{e}"
        );
        std::fs::write(vault.path(), b"garbage").unwrap();
        assert!(vault.load().is_err());
    }
}
