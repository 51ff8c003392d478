//! Drives the real `netsuite-mcp serve` binary through rmcp's client over stdio, against a sandbox.
//!
//! Every server runs with `RUST_LOG=trace` unless a test says otherwise, and [`Mcp::close`] asserts that
//! nothing secret (private key, assertion, access token, HTTP bearer) appears in its stderr or in any tool
//! result it returned: the whole MCP suite doubles as the secrets check.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult, ProgressNotificationParam, Tool};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceError, ServiceExt};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::common::{TestAccount, neutral_dir};

/// A client handler that counts `notifications/tools/list_changed` and keeps every `notifications/progress`.
#[derive(Clone, Default)]
pub struct Recorder {
    pub tool_list_changed: Arc<AtomicUsize>,
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Recorder {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.tool_list_changed.fetch_add(1, Ordering::SeqCst);
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }
}

/// A running server process and a connected MCP client.
pub struct Mcp {
    pub client: RunningService<RoleClient, Recorder>,
    recorder: Recorder,
    stderr: Arc<Mutex<String>>,
    /// Every text the server returned to the client (results and protocol errors).
    returned: Arc<Mutex<String>>,
    /// Secret values given to the server; none may come back out.
    secrets: Vec<String>,
    /// The server's process id.
    pub pid: Option<u32>,
}

/// Spawns `netsuite-mcp serve ARGS` with the account's environment plus `env`, stderr captured.
pub async fn spawn(account: &TestAccount, args: &[&str], env: &[(&str, &str)]) -> Mcp {
    spawn_in(neutral_dir(), account, args, env).await
}

/// [`spawn`] with `cwd` as the working directory (where `./tools` is looked for).
pub async fn spawn_in(
    cwd: &Path,
    account: &TestAccount,
    args: &[&str],
    env: &[(&str, &str)],
) -> Mcp {
    let mut vars = account.env();
    vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    spawn_with_env_in(cwd, args, &vars).await
}

/// Spawns `netsuite-mcp serve ARGS` with exactly `env` (plus PATH), in a directory without `tools/`.
pub async fn spawn_with_env(args: &[&str], env: &[(String, String)]) -> Mcp {
    spawn_with_env_in(neutral_dir(), args, env).await
}

async fn spawn_with_env_in(cwd: &Path, args: &[&str], env: &[(String, String)]) -> Mcp {
    let mut cmd = tokio::process::Command::new(super::common::bin());
    cmd.arg("serve")
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    if !env.iter().any(|(k, _)| k == "RUST_LOG") {
        cmd.env("RUST_LOG", "trace");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn netsuite-mcp serve");
    let pid = transport.id();
    let secrets = env
        .iter()
        .filter(|(k, _)| k == "NETSUITE_PRIVATE_KEY" || k == "NETSUITE_MCP_HTTP_TOKEN")
        .map(|(_, v)| v.clone())
        .collect();
    let captured = Arc::new(Mutex::new(String::new()));
    if let Some(mut stderr) = stderr {
        let sink = Arc::clone(&captured);
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
    }
    let recorder = Recorder::default();
    let client = recorder
        .clone()
        .serve(transport)
        .await
        .expect("MCP handshake with netsuite-mcp");
    Mcp {
        client,
        recorder,
        stderr: captured,
        returned: Arc::default(),
        secrets,
        pid,
    }
}

impl Mcp {
    pub async fn tools(&self) -> Vec<Tool> {
        self.client.list_all_tools().await.expect("tools/list")
    }

    pub async fn tool_names(&self) -> Vec<String> {
        self.tools()
            .await
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    /// Calls a tool; protocol errors are returned as `Err`.
    pub async fn try_call(&self, name: &str, args: Value) -> Result<CallToolResult, ServiceError> {
        let Value::Object(args) = args else {
            panic!("arguments must be an object")
        };
        let result = self
            .client
            .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args))
            .await;
        let seen = match &result {
            Ok(r) => format!("{}\n{:?}\n", text_of(r), r.structured_content),
            Err(e) => format!("{e}\n"),
        };
        self.returned.lock().unwrap().push_str(&seen);
        result
    }

    /// Calls a tool that must succeed and returns its structured content.
    pub async fn ok(&self, name: &str, args: Value) -> Value {
        let r = self.try_call(name, args.clone()).await.expect("tools/call");
        assert_ne!(
            r.is_error,
            Some(true),
            "{name}({args}) failed: {}",
            text_of(&r)
        );
        let structured = r.structured_content.clone().expect("structuredContent");
        // The text copy for older clients is the same JSON.
        let copy: Value = serde_json::from_str(&text_of(&r)).expect("text content is JSON");
        assert_eq!(copy, structured);
        structured
    }

    /// Calls a tool that must fail with an `isError` result and returns its text.
    pub async fn err(&self, name: &str, args: Value) -> String {
        let r = self.try_call(name, args.clone()).await.expect("tools/call");
        assert_eq!(r.is_error, Some(true), "{name}({args}) should fail: {r:?}");
        text_of(&r)
    }

    /// How many `notifications/tools/list_changed` the client received.
    pub fn tool_list_changes(&self) -> usize {
        self.recorder.tool_list_changed.load(Ordering::SeqCst)
    }

    /// The `notifications/progress` received so far (rmcp's client gives every request a progress token), and
    /// forgets them.
    pub fn take_progress(&self) -> Vec<ProgressNotificationParam> {
        std::mem::take(&mut *self.recorder.progress.lock().unwrap())
    }

    /// How many `notifications/progress` arrived since the last [`Mcp::take_progress`].
    pub fn progress_count(&self) -> usize {
        self.recorder.progress.lock().unwrap().len()
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Everything the server returned so far, as text.
    pub fn returned(&self) -> String {
        self.returned.lock().unwrap().clone()
    }

    /// Closes stdin, waits for the process to exit, asserts that no secret appears in its stderr or in what
    /// it returned and that its stderr has no colour codes, and returns its stderr.
    pub async fn close(self) -> String {
        let Mcp {
            client,
            stderr,
            returned,
            secrets,
            ..
        } = self;
        let _ = client.cancel().await;
        // Let the reader task drain the pipe.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let stderr = stderr.lock().unwrap().clone();
        let returned = returned.lock().unwrap().clone();
        for output in [&stderr, &returned] {
            assert_no_secrets(output, &secrets);
        }
        // stderr is a pipe here, as when a client writes it to a log file: no colour codes.
        assert!(
            !stderr.contains('\u{1b}'),
            "terminal escape codes in a log that is not a terminal:\n{stderr}"
        );
        stderr
    }
}

pub fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether the sandbox has no request in flight within 5 s (dropped or cancelled requests have landed).
pub async fn sandbox_idle(account: &TestAccount) -> bool {
    eventually(Duration::from_secs(5), || {
        account.sandbox.counters().in_flight == 0
    })
    .await
}

/// Polls `cond` every 20 ms for up to `within`.
pub async fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// Asserts that `output` holds no line of a secret (PEM bodies are checked line by line), nothing JWT-shaped
/// (assertions and NetSuite access tokens start with `eyJ`), and no bearer or assertion field.
pub fn assert_no_secrets(output: &str, secrets: &[String]) {
    for secret in secrets {
        for part in secret
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        {
            assert!(
                !output.contains(part),
                "secret material leaked into captured output"
            );
        }
    }
    for marker in ["eyJ", "Bearer ey", "client_assertion="] {
        assert!(
            !output.contains(marker),
            "{marker:?} (a token or assertion) leaked into captured output:\n{}",
            context(output, marker)
        );
    }
}

fn context(output: &str, marker: &str) -> String {
    let at = output.find(marker).unwrap_or(0);
    let start = output[..at]
        .char_indices()
        .rev()
        .nth(200)
        .map_or(0, |(i, _)| i);
    output[start..].chars().take(400).collect()
}
