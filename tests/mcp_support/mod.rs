//! Drives the real `netsuite-mcp serve` binary through rmcp's client over stdio, against a sandbox.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceError, ServiceExt};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::common::{TestAccount, neutral_dir};

/// A client handler that counts `notifications/tools/list_changed`.
#[derive(Clone, Default)]
pub struct Recorder {
    pub tool_list_changed: Arc<AtomicUsize>,
}

impl ClientHandler for Recorder {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.tool_list_changed.fetch_add(1, Ordering::SeqCst);
    }
}

/// A running server process and a connected MCP client.
pub struct Mcp {
    pub client: RunningService<RoleClient, Recorder>,
    recorder: Recorder,
    stderr: Arc<Mutex<String>>,
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
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_netsuite-mcp"));
    cmd.arg("serve")
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    if !env.iter().any(|(k, _)| k == "RUST_LOG") {
        cmd.env("RUST_LOG", "info");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn netsuite-mcp serve");
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
        self.client
            .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args))
            .await
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

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Closes stdin, waits for the process to exit, and returns its stderr.
    pub async fn close(self) -> String {
        let Mcp { client, stderr, .. } = self;
        let _ = client.cancel().await;
        // Let the reader task drain the pipe.
        tokio::time::sleep(Duration::from_millis(200)).await;
        stderr.lock().unwrap().clone()
    }
}

pub fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
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
