//! One refresh at a time per profile across processes: `serve` in two clients, `token` in a shell and `doctor`
//! may share one stored sign-in, and two of them spending the same single-use refresh token would make NetSuite
//! revoke the whole chain. An advisory lock on a file next to the tokens serialises them; the lock goes with
//! the file handle, so a crashed process never leaves it held.
//!
//! `std::fs::File::try_lock` (Rust 1.89) does this on every OS; no crate needed.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiting process tries the lock again.
const POLL: Duration = Duration::from_millis(25);

/// The held lock; released when dropped.
#[derive(Debug)]
pub struct ProfileLock {
    _file: File,
}

/// The lock file of `profile` in `dir`.
pub fn lock_path(dir: &Path, profile: &str) -> PathBuf {
    dir.join(format!(".{profile}.lock"))
}

/// Takes the profile's lock, waiting up to `wait` for another process to finish its refresh.
pub async fn acquire(dir: &Path, profile: &str, wait: Duration) -> Result<ProfileLock, String> {
    super::store::check_profile(profile).map_err(|e| e.to_string())?;
    let path = lock_path(dir, profile);
    let file = open(dir, &path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(ProfileLock { _file: file }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(POLL).await;
            }
            Err(TryLockError::WouldBlock) => {
                return Err(format!(
                    "another netsuite-mcp process has been refreshing this sign-in for {} s without finishing \
                     (lock {}); try again, or stop that process",
                    wait.as_secs(),
                    path.display()
                ));
            }
            Err(TryLockError::Error(e)) => {
                return Err(format!("cannot lock {}: {e}", path.display()));
            }
        }
    }
}

fn open(dir: &Path, path: &Path) -> std::io::Result<File> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_and_gives_up_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), "p", Duration::from_secs(1))
            .await
            .unwrap();
        let err = acquire(dir.path(), "p", Duration::from_millis(60))
            .await
            .unwrap_err();
        assert!(err.contains("another netsuite-mcp process"), "{err}");
        // Other profiles are independent.
        let _other = acquire(dir.path(), "q", Duration::from_millis(60))
            .await
            .unwrap();
        drop(first);
        let _again = acquire(dir.path(), "p", Duration::from_millis(60))
            .await
            .unwrap();
    }
}
