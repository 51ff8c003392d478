//! Reading, backing up and atomically replacing a client's configuration file.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::InstallError;

/// The file a symlink points at (dotfile managers link these files), so that the link itself survives.
pub(super) fn resolve_symlink(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
        }
        _ => path.to_owned(),
    }
}

/// The file's text, `None` when it does not exist.
pub(super) fn read_existing(path: &Path) -> Result<Option<String>, InstallError> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| InstallError::Unreadable {
                path: path.to_owned(),
                reason: "not UTF-8 text".into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(InstallError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// Backs the existing file up (when `existed`), then writes `text` to a temporary file beside `path` and renames
/// it over `path`. Returns the backup's path. On any error the original is untouched.
pub(super) fn write_atomically(
    path: &Path,
    existed: bool,
    text: &str,
) -> Result<Option<PathBuf>, InstallError> {
    let err = |reason: String| InstallError::Write {
        path: path.to_owned(),
        reason,
    };
    let permissions = if existed {
        let meta = fs::metadata(path).map_err(|e| err(e.to_string()))?;
        // A rename would replace a read-only file without asking (the directory is what is checked); honour the
        // user's read-only bit instead.
        if meta.permissions().readonly() {
            return Err(err(
                "the file is read-only; make it writable (e.g. chmod u+w) or add the entry by hand (install --print shows it)".into(),
            ));
        }
        Some(meta.permissions())
    } else {
        None
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
    let backup = if existed {
        let backup = backup_path(path);
        fs::copy(path, &backup)
            .map_err(|e| err(format!("cannot back it up to {}: {e}", backup.display())))?;
        Some(backup)
    } else {
        None
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into());
    let tmp = dir.join(format!(
        ".{file_name}.netsuite-mcp-{}.tmp",
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Some(p) = &permissions {
            fs::set_permissions(&tmp, p.clone())?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        if let Some(b) = &backup {
            let _ = fs::remove_file(b);
        }
        return Err(err(e.to_string()));
    }
    Ok(backup)
}

/// `<file>.<UTC timestamp>.bak`, e.g. `mcp.json.20261130-142501.bak`; `-2`, `-3`, … when taken. Backups are
/// never overwritten, so the file as it was before the first install stays available.
fn backup_path(path: &Path) -> PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let base = path.as_os_str().to_string_lossy().into_owned();
    let mut candidate = PathBuf::from(format!("{base}.{stamp}.bak"));
    let mut n = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}.{stamp}-{n}.bak"));
        n += 1;
    }
    candidate
}
