//! `netsuite-mcp sandbox`: the embedded NetSuite alone, for any client (curl, Postman, other MCP servers).

use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;

use super::CommandError;
use crate::sandbox::{DEMO_ACCOUNT, LocalSandbox, start_with_generated_credentials};

/// Starts the sandbox, writes the key pair into `out` (or a fresh temporary directory), prints the settings
/// and runs until Ctrl-C or SIGTERM.
pub async fn run(port: u16, out: Option<PathBuf>) -> Result<(), CommandError> {
    let local = start_with_generated_credentials(port)
        .await
        .map_err(|e| CommandError::Io(format!("cannot start the sandbox: {e}")))?;
    let dir = match out {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!(
            "netsuite-mcp-sandbox-{}",
            local.handle.local_addr().port()
        )),
    };
    let key_path = write_credentials(&dir, &local)?;
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{}", instructions(&local, &key_path));
    let _ = stdout.flush();
    drop(stdout);
    super::shutdown_signal().await;
    local.handle.shutdown().await;
    Ok(())
}

fn write_credentials(dir: &Path, local: &LocalSandbox) -> Result<PathBuf, CommandError> {
    let io = |what: &Path, e: std::io::Error| {
        CommandError::Io(format!("cannot write {}: {e}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let key_path = dir.join("private_key.pem");
    let cert_path = dir.join("certificate.pem");
    // These are throwaway sandbox credentials, so replacing an earlier run's files is fine; the key stays 0600.
    write_private(&key_path, local.private_key_pem.expose_secret().as_bytes())
        .map_err(|e| io(&key_path, e))?;
    std::fs::write(&cert_path, &local.certificate_pem).map_err(|e| io(&cert_path, e))?;
    Ok(std::fs::canonicalize(&key_path).unwrap_or(key_path))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

fn instructions(local: &LocalSandbox, key_path: &Path) -> String {
    format!(
        "NetSuite sandbox listening on {base} (demo account {DEMO_ACCOUNT}, demo data, strict OAuth 2.0 M2M).\n\
         Point netsuite-mcp or any NetSuite client at it:\n\n\
         export NETSUITE_ACCOUNT_ID={DEMO_ACCOUNT}\n\
         export NETSUITE_CLIENT_ID={client}\n\
         export NETSUITE_CERTIFICATE_ID={cert}\n\
         export NETSUITE_PRIVATE_KEY_PATH={key}\n\
         export NETSUITE_BASE_URL={base}\n\n\
         Token endpoint: {base}/services/rest/auth/oauth2/v1/token\n\n\
         Or sign in as a person (the sandbox approves as its administrator, entity 12):\n\n\
         export NETSUITE_ACCOUNT_ID={DEMO_ACCOUNT}\n\
         export NETSUITE_CLIENT_ID={public}\n\
         export NETSUITE_BASE_URL={base}\n\
         export NETSUITE_APP_BASE_URL={base}\n\
         netsuite-mcp login\n\n\
         Press Ctrl-C to stop.\n",
        public = netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID,
        base = local.handle.base_url(),
        client = local.client_id,
        cert = local.certificate_id,
        key = key_path.display(),
    )
}
