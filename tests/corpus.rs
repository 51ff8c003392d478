//! The bad-input corpus (`tests/corpus/*.jsonl`): tool arguments of wrong types and sizes, path and query
//! injection, SuiteQL injection through the parameters of the example custom tools in `tools/`, malformed JSON-RPC, malformed config files and keys. For each case: no panic, a clear error, and
//! the server still answers afterwards. Every failing case is listed, not just the first.
//!
//! `"{PAD:N}"` inside any corpus string stands for N `x` characters, `"{VALID_KEY}"` for a freshly generated EC
//! private key (so that a case can get past key loading to the setting it is about).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::process::Stdio;
use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use mcp_support::{spawn, text_of};

fn corpus(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{name}:{}: not JSON: {e}", i + 1));
            expand(v)
        })
        .collect()
}

/// Replaces every `{PAD:N}` in strings (keys included) with N `x`.
fn expand(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(expand_str(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(expand).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (expand_str(&k), expand(v)))
                .collect(),
        ),
        other => other,
    }
}

fn expand_str(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{PAD:") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let n: usize = rest[start + 5..start + len].parse().expect("{PAD:N}");
        out.push_str(&rest[..start]);
        out.push_str(&"x".repeat(n));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn mentions(case: &Value) -> Vec<String> {
    match &case["mentions"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

#[tokio::test]
async fn every_bad_tool_argument_gets_a_clear_error_and_the_server_keeps_answering() {
    let cases = corpus("tool_arguments.jsonl");
    assert!(cases.len() >= 200, "the corpus shrank to {}", cases.len());
    let account = common::start(Algorithm::ES256).await;
    // The example custom tools of this repository, for SuiteQL injection through their parameters.
    let tools_dir = format!("{}/tools", env!("CARGO_MANIFEST_DIR"));
    let mcp = spawn(
        &account,
        &["--toolsets", "all"],
        &[("NETSUITE_MCP_TOOLS_DIR", tools_dir.as_str())],
    )
    .await;
    let served = mcp.tool_names().await;
    let mut failures = Vec::new();
    let mut skipped = 0;
    let mut ran = 0;
    for (i, case) in cases.iter().enumerate() {
        let line = i + 1;
        let tool = case["tool"].as_str().expect("tool");
        // Cases for the example custom tools run once `serve` loads the tools directory.
        if case["expect"] != "protocol_error" && !served.iter().any(|t| t == tool) {
            skipped += 1;
            continue;
        }
        ran += 1;
        let args = case["arguments"].clone();
        let expect = case["expect"].as_str().expect("expect");
        let before = account.sandbox.counters().api_requests;
        let result = mcp.try_call(tool, args.clone()).await;
        let sent = account.sandbox.counters().api_requests - before;
        let what = format!("line {line}: {tool}({})", short(&args));
        match (expect, result) {
            ("protocol_error", Err(_)) => {}
            ("protocol_error", Ok(r)) => {
                failures.push(format!("{what}: expected a protocol error, got {r:?}"))
            }
            (_, Err(e)) => failures.push(format!("{what}: protocol error {e}")),
            ("ok" | "ok_rows", Ok(r)) => {
                if r.is_error == Some(true) {
                    failures.push(format!("{what}: failed: {}", text_of(&r)));
                    continue;
                }
                let rows = r
                    .structured_content
                    .as_ref()
                    .map(|s| s["row_count"].clone());
                if expect == "ok_rows" && rows != Some(case["rows"].clone()) {
                    failures.push(format!(
                        "{what}: {rows:?} rows instead of {} — the value was not kept a literal",
                        case["rows"]
                    ));
                }
            }
            (expect, Ok(r)) => {
                let text = text_of(&r);
                if r.is_error != Some(true) {
                    failures.push(format!("{what}: accepted: {}", short(&json!(text))));
                    continue;
                }
                let wanted = mentions(case);
                if !wanted.is_empty() && !wanted.iter().any(|m| text.contains(m.as_str())) {
                    failures.push(format!("{what}: error does not mention {wanted:?}: {text}"));
                }
                if expect == "refused" && sent != 0 {
                    failures.push(format!("{what}: {sent} request(s) reached NetSuite"));
                }
                if text.len() > 2000 {
                    failures.push(format!(
                        "{what}: the error is {} characters long",
                        text.len()
                    ));
                }
            }
        }
    }
    if skipped > 0 {
        eprintln!("{skipped} corpus cases skipped: their custom tools are not served (yet)");
    }
    assert!(ran >= 200, "only {ran} cases ran");
    // Still serving, with real data, after the whole corpus.
    let r = mcp
        .ok(
            "run_suiteql",
            json!({"query": "SELECT id FROM customer", "limit": 1}),
        )
        .await;
    assert_eq!(r["row_count"], 1);
    let stderr = mcp.close().await;
    assert!(!stderr.contains("panicked"), "a panic was logged");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn malformed_json_rpc_gets_an_error_or_is_ignored_and_the_server_keeps_answering() {
    let cases = corpus("jsonrpc.jsonl");
    let account = common::start(Algorithm::ES256).await;
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in account.env() {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = child.stderr.take().unwrap();
    let stderr_text = tokio::spawn(async move {
        let mut s = String::new();
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut s).await;
        s
    });
    let init = json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "corpus", "version": "1"}}});
    let send = |line: String| format!("{line}\n");
    stdin
        .write_all(send(init.to_string()).as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    read_until(&mut lines, &mut seen, |v| v["id"] == "init")
        .await
        .expect("initialize answered");
    stdin
        .write_all(
            send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string())
                .as_bytes(),
        )
        .await
        .unwrap();

    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let line = case["line"].as_str().expect("line");
        let expect = case["expect"].as_str().expect("expect");
        let probe = format!("probe-{i}");
        stdin
            .write_all(send(line.to_owned()).as_bytes())
            .await
            .unwrap();
        let ping = json!({"jsonrpc": "2.0", "id": probe, "method": "ping"});
        stdin
            .write_all(send(ping.to_string()).as_bytes())
            .await
            .unwrap();
        let mut got = Vec::new();
        let mut answered = false;
        let mut errored = false;
        let outcome = read_until(&mut lines, &mut got, |v| {
            answered |= v["id"] == probe.as_str();
            errored |= v.get("error").is_some();
            answered && (expect != "error" || errored)
        })
        .await;
        let what = format!("jsonrpc.jsonl line {}: {}", i + 1, short(&json!(line)));
        // Where the case names a JSON-RPC code (-32602 for bad params of a known method), the error has it.
        if let Some(code) = case["code"].as_i64() {
            let id = serde_json::from_str::<Value>(line).map(|v| v["id"].clone());
            let codes: Vec<i64> = got
                .iter()
                // An invalid request is answered without an id (rmcp's stdio transport).
                .filter(|v| v["id"].is_null() || id.as_ref().is_ok_and(|id| v["id"] == *id))
                .filter_map(|v| v["error"]["code"].as_i64())
                .collect();
            if !codes.contains(&code) {
                failures.push(format!("{what}: expected error code {code}, got {codes:?}"));
            }
        }
        match outcome {
            Ok(()) => {}
            Err(e) if !answered => {
                failures.push(format!("{what}: the server stopped answering ({e})"))
            }
            Err(_) => failures.push(format!("{what}: no error response; got {}", got.len())),
        }
        if failures.iter().any(|f| f.contains("stopped answering")) {
            break;
        }
        seen.extend(got);
    }
    // A real call still works.
    let call = json!({"jsonrpc": "2.0", "id": "last", "method": "tools/call",
        "params": {"name": "run_suiteql", "arguments": {"query": "SELECT id FROM customer", "limit": 1}}});
    stdin
        .write_all(send(call.to_string()).as_bytes())
        .await
        .unwrap();
    let mut last = Vec::new();
    read_until(&mut lines, &mut last, |v| v["id"] == "last")
        .await
        .expect("a tool call after the corpus");
    let answer = last.last().cloned().unwrap_or_default();
    assert_eq!(
        answer["result"]["structuredContent"]["row_count"], 1,
        "{answer}"
    );
    drop(stdin);
    // Keep reading stdout to its end: answers still in flight (e.g. to the 1 MB query) must not block the server.
    let drain = tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let status = match tokio::time::timeout(Duration::from_secs(10), child.wait()).await {
        Ok(status) => status.unwrap(),
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            let stderr = stderr_text.await.unwrap();
            let tail: String = stderr
                .chars()
                .rev()
                .take(3000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            panic!("the server did not exit after stdin closed; stderr ends with:\n{tail}");
        }
    };
    assert!(
        status.success(),
        "the server exits cleanly on EOF: {status}"
    );
    let _ = drain.await;
    let stderr = stderr_text.await.unwrap();
    assert!(!stderr.contains("panicked"), "a panic was logged");
    mcp_support::assert_no_secrets(&stderr, std::slice::from_ref(&account.key_pem));
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Reads JSON lines into `seen` until `done` holds for one of them; 10 s at most.
async fn read_until(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    seen: &mut Vec<Value>,
    mut done: impl FnMut(&Value) -> bool,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .map_err(|_| "no answer within 10 s".to_owned())?
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "stdout closed".to_owned())?;
        let v: Value = serde_json::from_str(&line)
            .map_err(|e| format!("stdout carried a non-JSON line: {e}"))?;
        let finished = done(&v);
        seen.push(v);
        if finished {
            return Ok(());
        }
    }
}

#[tokio::test]
async fn malformed_config_files_and_keys_stop_with_exit_code_2_and_a_clear_message() {
    let cases = corpus("config.jsonl");
    let (valid_key, _) = common::key_pair(Algorithm::ES256, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let dir = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = Vec::new();
        let extra: Vec<String> = case["args"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let serve = extra.first().is_some_and(|a| a == "serve");
        if !serve {
            args.extend(["tools".to_owned(), "list".to_owned()]);
        }
        if let Some(toml) = case["toml"].as_str() {
            let path = dir.path().join("netsuite-mcp.toml");
            std::fs::write(&path, toml).unwrap();
            args.extend(["--config".to_owned(), path.display().to_string()]);
        }
        args.extend(extra);
        let env: Vec<(String, String)> = case["env"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().unwrap_or_default();
                        let v = if v == "{VALID_KEY}" {
                            valid_key.clone()
                        } else {
                            v.to_owned()
                        };
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = common::run_bin(&argv, &env).await;
        let stderr = common::text(&out.stderr);
        let wanted = mentions(case);
        let first_line = stderr.lines().next().unwrap_or_default().to_owned();
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{name}: exit {:?}, stderr {first_line}",
                out.status.code()
            ));
        }
        if stderr.contains("panicked") {
            failures.push(format!("{name}: panicked"));
        }
        if !stderr.contains("error:") || !wanted.iter().all(|m| stderr.contains(m.as_str())) {
            failures.push(format!(
                "{name}: message does not name {wanted:?}: {first_line}"
            ));
        }
        if stderr.len() > 4000 {
            failures.push(format!(
                "{name}: the message is {} bytes long",
                stderr.len()
            ));
        }
        if let Some(key) = case["env"]["NETSUITE_PRIVATE_KEY"].as_str() {
            for l in key
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 16)
            {
                if stderr.contains(l) {
                    failures.push(format!("{name}: the key text was echoed"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
