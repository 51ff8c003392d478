//! `netsuite-mcp cert generate`: write a key pair for NetSuite's M2M setup without overwriting anything.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::CommandError;
use crate::cert::{CertOptions, generate};

/// File names written by `cert generate`.
pub const KEY_FILE: &str = "private_key.pem";
pub const CERT_FILE: &str = "certificate.pem";

/// Generates and writes both files into `out`; returns the message for the user.
pub fn generate_files(options: &CertOptions, out: &Path) -> Result<String, CommandError> {
    let (key_path, cert_path) = write_pair(out, options)?;
    let key_abs = std::fs::canonicalize(&key_path).unwrap_or(key_path);
    Ok(format!(
        "Wrote {} (private key, mode 0600; keep it secret) and {} ({}; valid {} days).\n\n\
         Next, in NetSuite: Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup > \
         Create New: choose the entity, the role and the integration record, upload {CERT_FILE}, save, and copy the \
         Certificate ID. Then:\n\n  export NETSUITE_CERTIFICATE_ID=<the Certificate ID>\n  export NETSUITE_PRIVATE_KEY_PATH={}\n",
        key_abs.display(),
        cert_path.display(),
        options.algorithm,
        options.days,
        key_abs.display(),
    ))
}

/// Writes `private_key.pem` (0600) and `certificate.pem` into `dir`; refuses if either exists.
pub fn write_pair(dir: &Path, options: &CertOptions) -> Result<(PathBuf, PathBuf), CommandError> {
    let key_path = dir.join(KEY_FILE);
    let cert_path = dir.join(CERT_FILE);
    for p in [&key_path, &cert_path] {
        if p.exists() {
            return Err(CommandError::Io(format!(
                "{} already exists; refusing to overwrite it (choose another --out)",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| CommandError::Io(format!("cannot create {}: {e}", dir.display())))?;
    let generated = generate(options)?;
    write_new(&key_path, generated.private_key_pem.as_bytes(), 0o600)?;
    write_new(&cert_path, generated.certificate_pem.as_bytes(), 0o644)?;
    Ok((key_path, cert_path))
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), CommandError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .map_err(|e| CommandError::Io(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(bytes)
        .map_err(|e| CommandError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}
