//! The server under test: `netsuite-mcp serve` spawned over stdio or streamable HTTP with rmcp's client, or by
//! hand speaking raw JSON-RPC, and the tool calls made through it.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{Peer, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::{Bench, BenchResult, HTTP_TOKEN, bin};

impl Bench {
    fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = vec![
            ("NETSUITE_ACCOUNT_ID".to_owned(), "DEMO123".to_owned()),
            (
                "NETSUITE_CLIENT_ID".to_owned(),
                self.local.client_id.clone(),
            ),
            (
                "NETSUITE_CERTIFICATE_ID".to_owned(),
                self.local.certificate_id.clone(),
            ),
            (
                "NETSUITE_PRIVATE_KEY".to_owned(),
                self.local.private_key_pem.expose_secret().to_owned(),
            ),
            ("NETSUITE_BASE_URL".to_owned(), self.local.handle.base_url()),
            ("RUST_LOG".to_owned(), "warn".to_owned()),
        ];
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        env
    }

    fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(bin());
        // Outside the repository, so that its example `tools/` directory does not add custom tools: the figures
        // are for the built-in default toolsets.
        cmd.current_dir(std::env::temp_dir());
        cmd.arg("serve")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in self.env(extra) {
            cmd.env(k, v);
        }
        cmd
    }

    /// `netsuite-mcp serve` over stdio with rmcp's client.
    pub(crate) async fn spawn_stdio(
        &self,
        args: &[&str],
        extra: &[(&str, &str)],
    ) -> BenchResult<Server> {
        let (transport, _) = TokioChildProcess::builder(self.command(args, extra))
            .stderr(Stdio::null())
            .spawn()?;
        let pid = transport.id().ok_or("the server exited at once")?;
        let client = ().serve(transport).await?;
        Ok(Server {
            client,
            pid,
            _child: None,
        })
    }

    /// `netsuite-mcp serve --http 127.0.0.1:0` with a bearer token, and rmcp's streamable HTTP client.
    pub(crate) async fn spawn_http(&self) -> BenchResult<Server> {
        self.spawn_http_with(&[]).await
    }

    /// [`Bench::spawn_http`] with more environment.
    pub(crate) async fn spawn_http_with(&self, extra: &[(&str, &str)]) -> BenchResult<Server> {
        let mut env = vec![("NETSUITE_MCP_HTTP_TOKEN", HTTP_TOKEN)];
        env.extend_from_slice(extra);
        let mut cmd = self.command(&["--http", "127.0.0.1:0"], &env);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn()?;
        let pid = child.id().ok_or("the server exited at once")?;
        let mut lines = BufReader::new(child.stderr.take().ok_or("no stderr")?).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.split("serving MCP at ").nth(1) {
                    return rest.split_whitespace().next().map(str::to_owned);
                }
            }
            None
        })
        .await
        .map_err(|_| "serve --http did not announce its URL")?
        .ok_or("serve --http exited before announcing its URL")?;
        // Keep draining stderr so the server never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let config = StreamableHttpClientTransportConfig::with_uri(url).auth_header(HTTP_TOKEN);
        let client = ().serve(StreamableHttpClientTransport::from_config(config)).await?;
        Ok(Server {
            client,
            pid,
            _child: Some(child),
        })
    }

    /// Spawns the server by hand and speaks raw JSON-RPC: time from spawn to the `tools/list` answer, and
    /// that answer's exact bytes.
    pub(crate) async fn raw_tools_list(
        &self,
        args: &[&str],
    ) -> BenchResult<(Duration, String, u32, RawServer)> {
        let mut cmd = self.command(args, &[]);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = cmd.spawn()?;
        let pid = child.id().ok_or("the server exited at once")?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}});
        stdin.write_all(format!("{init}\n").as_bytes()).await?;
        read_response(&mut lines, 1).await?;
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
        stdin
            .write_all(format!("{initialized}\n{list}\n").as_bytes())
            .await?;
        let answer = read_response(&mut lines, 2).await?;
        let elapsed = started.elapsed();
        // stdin stays open (the server exits on EOF) until the caller drops the pair; the child is killed then.
        Ok((
            elapsed,
            answer,
            pid,
            RawServer {
                _stdin: stdin,
                _child: child,
            },
        ))
    }
}

/// A server spawned by hand; dropping it closes stdin and kills the process.
pub(crate) struct RawServer {
    _stdin: tokio::process::ChildStdin,
    _child: tokio::process::Child,
}

/// A running server and its MCP client.
pub(crate) struct Server {
    pub(crate) client: RunningService<RoleClient, ()>,
    pub(crate) pid: u32,
    /// The process when spawned for HTTP (killed on drop).
    _child: Option<tokio::process::Child>,
}

impl Server {
    pub(crate) async fn close(self) {
        let _ = self.client.cancel().await;
    }
}

pub(crate) async fn call(
    peer: &Peer<RoleClient>,
    name: &str,
    args: &Value,
) -> BenchResult<CallToolResult> {
    let Value::Object(args) = args.clone() else {
        return Err("arguments must be an object".into());
    };
    Ok(peer
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args))
        .await?)
}

pub(crate) async fn concurrent_calls(
    server: &Server,
    n: usize,
    name: &'static str,
    args: Value,
) -> Vec<BenchResult<CallToolResult>> {
    let args = Arc::new(args);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let peer = server.client.peer().clone();
        let args = Arc::clone(&args);
        set.spawn(async move { (i, call(&peer, name, &args).await) });
    }
    let mut out: Vec<Option<BenchResult<CallToolResult>>> = (0..n).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((i, r)) => out[i] = Some(r),
            Err(e) => eprintln!("bench: a call task failed: {e}"),
        }
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err("lost".into())))
        .collect()
}

async fn read_response(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    id: u64,
) -> BenchResult<String> {
    let deadline = Duration::from_secs(30);
    loop {
        let line = tokio::time::timeout(deadline, lines.next_line())
            .await
            .map_err(|_| "no answer from the server within 30 s")??
            .ok_or("the server closed stdout")?;
        let v: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => continue,
        };
        if v["id"].as_u64() == Some(id) {
            return Ok(line);
        }
    }
}

pub(crate) fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}
