//! Helpers for the `login` tests: the environment pointing `login`, `serve` and `logout` at a sandbox's public
//! integration, a running `login` whose browser side the test plays, and the token file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub use super::common::free_port;
use super::common::{self, ACCOUNT, TestAccount, text};

/// The environment `login`, `serve` and `logout` get: the public integration of the sandbox, the token store in
/// `dir`.
pub fn login_env(account: &TestAccount, dir: &Path) -> Vec<(String, String)> {
    vec![
        ("NETSUITE_ACCOUNT_ID".into(), ACCOUNT.into()),
        ("NETSUITE_CLIENT_ID".into(), DEFAULT_PUBLIC_CLIENT_ID.into()),
        ("NETSUITE_BASE_URL".into(), account.sandbox.base_url()),
        ("NETSUITE_APP_BASE_URL".into(), account.sandbox.base_url()),
        ("NETSUITE_MCP_TOKEN_STORE".into(), "file".into()),
        ("NETSUITE_MCP_TOKEN_DIR".into(), dir.display().to_string()),
        ("RUST_LOG".into(), "trace".into()),
    ]
}

/// A running `login`, its stderr collected.
pub struct LoginRun {
    pub child: tokio::process::Child,
    pub authorize_url: String,
    pub stderr: Arc<Mutex<String>>,
}

pub async fn start_login(env: &[(String, String)], args: &[&str]) -> LoginRun {
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.arg("login")
        .arg("--no-browser")
        .args(args)
        .current_dir(common::neutral_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let stderr = Arc::new(Mutex::new(String::new()));
    let authorize_url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            stderr.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(url) = line.split_whitespace().find(|w| w.contains("authorize.nl")) {
                return url.to_owned();
            }
        }
        panic!(
            "login exited before printing the URL:\n{}",
            stderr.lock().unwrap()
        );
    })
    .await
    .expect("login prints the authorize URL");
    let sink = stderr.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    LoginRun {
        child,
        authorize_url,
        stderr,
    }
}

impl LoginRun {
    /// What the browser does at NetSuite: load the authorize page and read where it redirects.
    pub async fn approve(&self) -> String {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = browser.get(&self.authorize_url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 302, "authorize page answered");
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    /// The browser follows the redirect to the loopback listener (accepting its one-off certificate).
    pub async fn deliver(&self, location: &str) -> (u16, String) {
        let browser = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let response = browser.get(location).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub async fn paste(&mut self, text: &str) {
        let mut stdin = self.child.stdin.take().unwrap();
        stdin
            .write_all(format!("{text}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
    }

    /// Waits for the exit; returns (success, stdout, stderr).
    pub async fn finish(self) -> (bool, String, String) {
        let output = tokio::time::timeout(Duration::from_secs(30), self.child.wait_with_output())
            .await
            .expect("login exits")
            .unwrap();
        // Let the stderr reader catch up.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let stderr = self.stderr.lock().unwrap().clone();
        (output.status.success(), text(&output.stdout), stderr)
    }
}

pub fn token_file(dir: &Path) -> PathBuf {
    dir.join("default.json")
}

pub fn stored(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(token_file(dir)).unwrap()).unwrap()
}

/// Signs in over an https loopback listener and returns login's stdout and stderr.
pub async fn sign_in(account: &TestAccount, dir: &Path) -> (String, String) {
    let port = free_port().to_string();
    let run = start_login(&login_env(account, dir), &["--port", &port]).await;
    let location = run.approve().await;
    let (status, page) = run.deliver(&location).await;
    assert_eq!(status, 200, "{page}");
    let (ok, stdout, stderr) = run.finish().await;
    assert!(ok, "login failed:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

/// Runs every future on its own task, all at once, and collects the outputs in order.
pub async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
