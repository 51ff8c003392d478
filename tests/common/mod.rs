//! Helpers shared by the integration tests: a sandbox account with a freshly generated key pair, and the
//! settings that point netsuite-mcp at it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Output;
use std::sync::OnceLock;

use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::cert::{CertOptions, generate};
use netsuite_mcp::config::Settings;
use netsuite_mcp::netsuite::{ClientOptions, NetSuiteClient, RetryPolicy};
use netsuite_sandbox::{Sandbox, SandboxCertificate, SandboxConfig, SandboxHandle};
use secrecy::SecretString;

pub const ACCOUNT: &str = "1234567_SB1";
pub const CLIENT_ID: &str = "3f1c8a0b9d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a";
pub const CERT_ID: &str = "HRril7VwkkW2y0wAzFR9GKk1LVTHSZPeq5EeWT2Fgks";

/// A running sandbox and the key pair mapped in it.
pub struct TestAccount {
    pub sandbox: SandboxHandle,
    pub key_pem: String,
    pub cert_pem: String,
}

pub fn key_pair(algorithm: Algorithm, rsa_bits: usize) -> (String, String) {
    let g = generate(&CertOptions {
        algorithm,
        rsa_bits,
        days: 365, // more than doctor's 30-day expiry warning
        common_name: "test".into(),
    })
    .unwrap();
    (g.private_key_pem, g.certificate_pem)
}

pub async fn start(algorithm: Algorithm) -> TestAccount {
    start_with(algorithm, 3072, |_| {}).await
}

pub async fn start_with(
    algorithm: Algorithm,
    rsa_bits: usize,
    tweak: impl FnOnce(&mut SandboxConfig),
) -> TestAccount {
    let (key_pem, cert_pem) = key_pair(algorithm, rsa_bits);
    let mut config = SandboxConfig::new(
        ACCOUNT,
        CLIENT_ID,
        vec![SandboxCertificate {
            certificate_id: CERT_ID.into(),
            certificate_pem: cert_pem.clone(),
        }],
    );
    tweak(&mut config);
    let sandbox = Sandbox::start(config).await.unwrap();
    TestAccount {
        sandbox,
        key_pem,
        cert_pem,
    }
}

impl TestAccount {
    /// Settings as a user would give them, pointing at the sandbox.
    pub fn settings(&self) -> Settings {
        Settings {
            account_id: Some(ACCOUNT.into()),
            client_id: Some(CLIENT_ID.into()),
            certificate_id: Some(CERT_ID.into()),
            private_key: Some(SecretString::from(self.key_pem.clone())),
            base_url: Some(self.sandbox.base_url()),
            ..Default::default()
        }
    }

    /// A client with fast retries so fault tests stay quick.
    pub fn client(&self) -> NetSuiteClient {
        client_for(self.settings())
    }

    /// The environment the binary needs, key passed by value.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("NETSUITE_ACCOUNT_ID".into(), ACCOUNT.into()),
            ("NETSUITE_CLIENT_ID".into(), CLIENT_ID.into()),
            ("NETSUITE_CERTIFICATE_ID".into(), CERT_ID.into()),
            ("NETSUITE_PRIVATE_KEY".into(), self.key_pem.clone()),
            ("NETSUITE_BASE_URL".into(), self.sandbox.base_url()),
        ]
    }
}

pub fn fast_retries() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: std::time::Duration::from_millis(20),
            max_delay: std::time::Duration::from_millis(200),
            max_total: std::time::Duration::from_secs(5),
        },
        ..ClientOptions::default()
    }
}

pub fn client_for(settings: Settings) -> NetSuiteClient {
    netsuite_mcp::commands::wiring::netsuite_client(settings.netsuite().unwrap(), fast_retries())
        .unwrap()
}

/// The binary under test: `NETSUITE_MCP_BIN` when set (several worktrees sharing one `CARGO_TARGET_DIR`
/// overwrite each other's `target/debug/netsuite-mcp`; point this at your own `target/debug/deps/netsuite_mcp-*`),
/// else the one cargo built for this test.
pub fn bin() -> String {
    std::env::var("NETSUITE_MCP_BIN")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_netsuite-mcp").to_owned())
}

/// An empty working directory for the binary, so that the repository's `tools/` (the default tools directory)
/// does not add custom tools to tests that are not about them.
pub fn neutral_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Runs the real binary with exactly `env` (plus PATH) in [`neutral_dir`] and returns its output.
pub async fn run_bin(args: &[&str], env: &[(String, String)]) -> Output {
    run_bin_in(neutral_dir(), args, env).await
}

/// [`run_bin`] in `cwd`.
pub async fn run_bin_in(cwd: &Path, args: &[&str], env: &[(String, String)]) -> Output {
    let mut cmd = tokio::process::Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.unwrap()
}

/// A loopback port free a moment ago (for a server whose URL must be known before it starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The base64 body of a PEM, the part that must never appear in output.
pub fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("")
}

/// Asserts that none of the key's base64 lines, no JWT (assertions start with `eyJ`) and no `secret` appear.
pub fn assert_no_secrets(output: &str, key_pem: &str, secrets: &[&str]) {
    for line in key_pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
    {
        assert!(
            !output.contains(line),
            "private key material leaked:\n{output}"
        );
    }
    assert!(
        !output.contains("eyJ"),
        "something JWT-shaped leaked:\n{output}"
    );
    for s in secrets {
        assert!(!output.contains(s), "secret leaked:\n{output}");
    }
}

/// `netsuite-mcp serve --http <listen>` in [`neutral_dir`] with nothing of this process's environment but PATH, and
/// `RUST_LOG=info`; stdin and stdout discarded, stderr piped for [`announced_url`], killed on drop. Callers add the
/// account's settings and their own (a later value for the same variable wins), or another working directory.
pub fn serve_http_command(listen: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(bin());
    cmd.args(["serve", "--http", listen])
        .current_dir(neutral_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// A `serve --http` child that announced its URL, with its stderr so far (still being collected).
pub struct Serving {
    /// The server process (killed when dropped).
    pub child: tokio::process::Child,
    /// Its MCP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub url: String,
    /// Everything it wrote to stderr so far.
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

/// Spawns a [`serve_http_command`] and waits up to 60 s for the URL it announces.
pub async fn spawn_serving(cmd: &mut tokio::process::Command) -> Serving {
    let mut child = cmd.spawn().expect("spawn serve --http");
    let (url, stderr) = announced_url(&mut child, std::time::Duration::from_secs(60)).await;
    Serving { child, url, stderr }
}

/// Reads the stderr of a spawned `serve --http` until it announces `serving MCP at URL`, and keeps collecting
/// stderr afterwards. Panics (failing the test) if the server exits first or stays silent for `within`.
pub async fn announced_url(
    child: &mut tokio::process::Child,
    within: std::time::Duration,
) -> (String, std::sync::Arc<std::sync::Mutex<String>>) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut lines = BufReader::new(child.stderr.take().expect("stderr piped")).lines();
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let url = tokio::time::timeout(within, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            stderr.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(rest) = line.split("serving MCP at ").nth(1) {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("serve exited early:\n{}", stderr.lock().unwrap());
    })
    .await
    .expect("the server announces its URL");
    let sink = stderr.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    (url, stderr)
}
