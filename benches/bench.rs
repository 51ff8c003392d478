//! The benchmark suite: `cargo bench --bench bench` (or `scripts/bench.sh`). Everything runs against the embedded
//! sandbox on this machine; every figure is printed next to a baseline measured in the same run (or the
//! physical limit it is compared with), and the run ends with one Markdown table.
//!
//! 1. Per-call overhead: `run_suiteql` and `get_record` through the MCP server (stdio and streamable HTTP)
//!    versus the same request sent directly to the sandbox, zero latency, p50/p95, interleaved.
//! 2. Token single-flight: 200 concurrent calls on a cold token cache → token requests (must be 1).
//! 3. Governance: 60 calls, 200 ms sandbox latency, account limit 5 → wall time versus the ideal 12 × 200 ms,
//!    and the 429s that reached the model (must be 0).
//! 4. Cold start to the first `tools/list` answer over stdio; idle RSS; peak RSS over a 10 000-row SuiteQL read
//!    in pages of 1000.
//! 5. Model-facing cost: `tools/list` of the default toolsets (characters, characters/4), and a 100-row ×
//!    6-column `run_suiteql` result versus NetSuite's raw JSON for the same rows.
//!
//! While the sandbox has no data endpoints (they return 404), the SuiteQL and record answers are injected into
//! the sandbox as canned NetSuite responses (same bytes for the direct request and the MCP call); the table
//! says which source was used. `BENCH_ITERS` (default 300) sets the samples of benchmark 1.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netsuite_mcp::netsuite::ClientOptions;
use netsuite_mcp::sandbox::{LocalSandbox, start_with_generated_credentials};
use netsuite_sandbox::Fault;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{Peer, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The binary under test: `NETSUITE_MCP_BIN` when set, else the one cargo built for this bench.
fn bin() -> String {
    std::env::var("NETSUITE_MCP_BIN")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_netsuite-mcp").to_owned())
}
/// Bearer token MCP clients send in HTTP mode (benchmark only).
const HTTP_TOKEN: &str = "bench-token-8f2d6b1e9a4c7053";
const SUITEQL_PATH: &str = "/services/rest/query/v1/suiteql";
const QUERY_6_COLUMNS: &str =
    "SELECT id, tranid, trandate, entity, status, foreigntotal FROM transaction ORDER BY id";
/// 660 transactions × 125 customers = 82 500 rows of 6 columns in the sandbox's demo data.
const QUERY_10K: &str = "SELECT t.id, t.tranid, t.trandate, t.entity, t.status, c.companyname FROM transaction t CROSS JOIN customer c";
const QUERY_SMALL: &str = "SELECT id, companyname, email FROM customer ORDER BY id";

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run()) {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

/// One line of the final table.
struct Row {
    figure: String,
    measured: String,
    baseline: String,
    verdict: String,
}

fn row(figure: &str, measured: String, baseline: String, verdict: String) -> Row {
    Row {
        figure: figure.to_owned(),
        measured,
        baseline,
        verdict,
    }
}

/// Where SuiteQL and record answers come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The sandbox's own data endpoints.
    Sandbox,
    /// Canned NetSuite responses queued as sandbox faults (the data endpoints are not there yet).
    Injected,
}

struct Bench {
    local: LocalSandbox,
    http: reqwest::Client,
    bearer: String,
    source: Source,
    record_id: String,
}

async fn run() -> BenchResult<()> {
    let iters: usize = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
        .max(20);
    let local = start_with_generated_credentials(0).await?;
    let direct = netsuite_mcp::commands::wiring::netsuite_client(
        local.settings.netsuite()?,
        ClientOptions::default(),
    )?;
    let bearer = direct
        .tokens()
        .ok_or("no token manager")?
        .access_token()
        .await?
        .expose()
        .to_owned();
    let http = reqwest::Client::builder().build()?;
    let mut bench = Bench {
        local,
        http,
        bearer,
        source: Source::Injected,
        record_id: "1".into(),
    };
    bench.detect_source().await?;
    let mut rows = Vec::new();
    let source_note = match bench.source {
        Source::Sandbox => "sandbox demo data",
        Source::Injected => "canned NetSuite answers (sandbox data endpoints absent)",
    };
    eprintln!("bench: answers come from {source_note}; {iters} samples per path");

    eprintln!("bench: 1. per-call overhead (stdio)");
    rows.extend(bench.per_call_overhead("stdio", iters).await?);
    eprintln!("bench: 1. per-call overhead (streamable HTTP)");
    rows.extend(bench.per_call_overhead("http", iters).await?);
    eprintln!("bench: 2. token single-flight");
    rows.push(bench.single_flight().await?);
    eprintln!("bench: 3. governance");
    rows.extend(bench.governance().await?);
    eprintln!("bench: 4. cold start and memory");
    rows.extend(bench.startup_and_memory().await?);
    eprintln!("bench: 5. model-facing cost");
    rows.extend(bench.model_cost().await?);
    eprintln!("bench: 6. sandbox start-up");
    rows.push(sandbox_startup().await?);

    print_table(&rows, source_note, iters);
    bench.local.handle.shutdown().await;
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r.verdict == "FAILED")
        .map(|r| r.figure.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("figures that missed their target: {}", failed.join("; ")).into())
    }
}

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
    async fn spawn_stdio(&self, args: &[&str], extra: &[(&str, &str)]) -> BenchResult<Server> {
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
    async fn spawn_http(&self) -> BenchResult<Server> {
        let mut cmd = self.command(
            &["--http", "127.0.0.1:0"],
            &[("NETSUITE_MCP_HTTP_TOKEN", HTTP_TOKEN)],
        );
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

    /// Uses the sandbox's SuiteQL when it answers; otherwise canned answers.
    async fn detect_source(&mut self) -> BenchResult<()> {
        let (status, body) = self
            .direct_suiteql("SELECT id FROM customer ORDER BY id", 1)
            .await?;
        if status == 200 {
            let page: Value = serde_json::from_str(&body)?;
            if let Some(id) = page["items"][0]["id"].as_str() {
                self.source = Source::Sandbox;
                self.record_id = id.to_owned();
            }
        }
        self.local.handle.reset_counters();
        Ok(())
    }

    /// Queues the NetSuite answer for the next request when answers are canned.
    fn prime(&self, fault: impl FnOnce() -> Fault, count: usize) {
        if self.source == Source::Injected {
            self.local.handle.faults().api(fault(), count);
        }
    }

    async fn direct_suiteql(&self, query: &str, limit: u32) -> BenchResult<(u16, String)> {
        let url = format!("{}{SUITEQL_PATH}", self.local.handle.base_url());
        let resp = self
            .http
            .post(url)
            .query(&[("limit", limit.to_string()), ("offset", "0".to_owned())])
            .bearer_auth(&self.bearer)
            .header("Prefer", "transient")
            .json(&json!({ "q": query }))
            .send()
            .await?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().await?))
    }

    async fn direct_get(&self) -> BenchResult<(u16, String)> {
        let url = format!(
            "{}/services/rest/record/v1/customer/{}",
            self.local.handle.base_url(),
            self.record_id
        );
        let resp = self.http.get(url).bearer_auth(&self.bearer).send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().await?))
    }

    async fn per_call_overhead(&self, transport: &str, iters: usize) -> BenchResult<Vec<Row>> {
        let server = if transport == "http" {
            self.spawn_http().await?
        } else {
            self.spawn_stdio(&[], &[]).await?
        };
        let peer = server.client.peer().clone();
        let suiteql_args = json!({"query": QUERY_SMALL, "limit": 10});
        let get_args = json!({"record_type": "customer", "id": self.record_id});
        let mut samples: [Vec<Duration>; 4] = Default::default();
        let warmup = 20;
        for i in 0..iters + warmup {
            self.prime(|| canned_page(10, 3), 1);
            let t = Instant::now();
            let (status, _) = self.direct_suiteql(QUERY_SMALL, 10).await?;
            let d0 = t.elapsed();
            self.prime(|| canned_page(10, 3), 1);
            let t = Instant::now();
            let r = call(&peer, "run_suiteql", &suiteql_args).await?;
            let d1 = t.elapsed();
            check_same_outcome("run_suiteql", status, &r)?;
            self.prime(canned_record, 1);
            let t = Instant::now();
            let (status, _) = self.direct_get().await?;
            let d2 = t.elapsed();
            self.prime(canned_record, 1);
            let t = Instant::now();
            let r = call(&peer, "get_record", &get_args).await?;
            let d3 = t.elapsed();
            check_same_outcome("get_record", status, &r)?;
            if i >= warmup {
                for (s, d) in samples.iter_mut().zip([d0, d1, d2, d3]) {
                    s.push(d);
                }
            }
        }
        server.close().await;
        let [dq, mq, dg, mg] = samples.map(Percentiles::of);
        Ok(vec![
            overhead_row(
                &format!("1. run_suiteql via MCP {transport}, p50 / p95"),
                &mq,
                &dq,
            ),
            overhead_row(
                &format!("1. get_record via MCP {transport}, p50 / p95"),
                &mg,
                &dg,
            ),
        ])
    }

    async fn single_flight(&self) -> BenchResult<Row> {
        let server = self.spawn_stdio(&[], &[]).await?;
        self.local.handle.reset_counters();
        self.prime(|| canned_page(10, 3), 200);
        let results = concurrent_calls(
            &server,
            200,
            "run_suiteql",
            json!({"query": QUERY_SMALL, "limit": 10}),
        )
        .await;
        let counters = self.local.handle.counters();
        self.local.handle.faults().clear();
        server.close().await;
        let failed = results
            .iter()
            .filter(|r| !matches!(r, Ok(r) if r.is_error != Some(true)))
            .count();
        Ok(row(
            "2. token requests for 200 concurrent calls, cold cache",
            format!(
                "{} ({} of 200 calls failed)",
                counters.token_requests, failed
            ),
            "1".into(),
            verdict(counters.token_requests == 1 && failed == 0),
        ))
    }

    async fn governance(&self) -> BenchResult<Vec<Row>> {
        let server = self.spawn_stdio(&[], &[]).await?;
        // Warm the token first: the ideal counts only the API time.
        self.prime(|| canned_page(10, 3), 1);
        call(
            server.client.peer(),
            "run_suiteql",
            &json!({"query": QUERY_SMALL, "limit": 10}),
        )
        .await?;
        let latency = Duration::from_millis(200);
        self.local.handle.set_latency(latency);
        self.local.handle.set_concurrency_limit(5);
        self.local.handle.reset_counters();
        self.prime(|| canned_page(10, 3), 60);
        let started = Instant::now();
        let results = concurrent_calls(
            &server,
            60,
            "run_suiteql",
            json!({"query": QUERY_SMALL, "limit": 10}),
        )
        .await;
        let wall = started.elapsed();
        self.local.handle.set_latency(Duration::ZERO);
        let counters = self.local.handle.counters();
        self.local.handle.faults().clear();
        server.close().await;
        let mut reached_model = 0;
        let mut failed = 0;
        for r in &results {
            match r {
                Ok(r) if r.is_error == Some(true) => {
                    failed += 1;
                    let text = text_of(r);
                    if text.contains("429") || text.contains("CONCURRENCY_LIMIT_EXCEEDED") {
                        reached_model += 1;
                    }
                }
                Ok(_) => {}
                Err(_) => failed += 1,
            }
        }
        let ideal = latency * 12;
        Ok(vec![
            row(
                "3. 60 calls, 200 ms latency, account limit 5: wall time",
                format!("{:.2} s", wall.as_secs_f64()),
                format!("ideal 12 × 200 ms = {:.2} s", ideal.as_secs_f64()),
                format!("{:.2}× ideal", wall.as_secs_f64() / ideal.as_secs_f64()),
            ),
            row(
                "3. 429s that reached the model (upstream 429s; most in flight)",
                format!(
                    "{reached_model} ({} upstream; max in flight {}; {failed} calls failed)",
                    counters.rejected_concurrency, counters.max_in_flight
                ),
                "0 (limit 5)".into(),
                verdict(reached_model == 0 && failed == 0 && counters.max_in_flight <= 5),
            ),
        ])
    }

    async fn startup_and_memory(&self) -> BenchResult<Vec<Row>> {
        let mut starts = Vec::new();
        let mut idle_kib = 0;
        for _ in 0..7 {
            let (elapsed, _, pid, child) = self.raw_tools_list(&[]).await?;
            starts.push(elapsed);
            tokio::time::sleep(Duration::from_millis(300)).await;
            idle_kib = proc_status_kib(pid, "VmRSS:").unwrap_or(0);
            drop(child);
        }
        let starts = Percentiles::of(starts);

        // 10 000 rows in pages of 1000, following next_offset as a model does: with the default result budget
        // (pages come back cut, the model continues where they stop), and with a budget so large that every
        // 1000-row page comes back whole (the worst case for memory).
        let whole = self.paged_read("5000000").await?;
        let default_budget = match self.source {
            Source::Sandbox => Some(self.paged_read("").await?),
            // Canned answers cannot follow arbitrary offsets.
            Source::Injected => None,
        };
        Ok(vec![
            row(
                "4. cold start to first tools/list answer (stdio), p50 of 7",
                format!("{:.1} ms", ms(starts.p50)),
                format!("min {:.1} ms, max {:.1} ms", ms(starts.min), ms(starts.max)),
                "—".into(),
            ),
            row(
                "4. idle RSS after tools/list",
                format!("{:.1} MiB", mib(idle_kib)),
                "—".into(),
                "—".into(),
            ),
            row(
                "4. peak RSS (VmHWM), 10 000-row SuiteQL read, 1000-row pages returned whole",
                format!("{:.1} MiB", mib(whole.peak_kib)),
                format!(
                    "before the read {:.1} MiB; {} rows in {} calls",
                    mib(whole.before_kib),
                    whole.rows,
                    whole.calls
                ),
                format!(
                    "+{:.1} MiB",
                    mib(whole.peak_kib.saturating_sub(whole.before_kib))
                ),
            ),
            match default_budget {
                Some(d) => row(
                    "4. peak RSS (VmHWM), same read with the default 50 000-char result budget",
                    format!("{:.1} MiB", mib(d.peak_kib)),
                    format!(
                        "before the read {:.1} MiB; {} rows in {} calls",
                        mib(d.before_kib),
                        d.rows,
                        d.calls
                    ),
                    format!("+{:.1} MiB", mib(d.peak_kib.saturating_sub(d.before_kib))),
                ),
                None => row(
                    "4. peak RSS, default result budget",
                    "not measured".into(),
                    "needs the sandbox data endpoints".into(),
                    "—".into(),
                ),
            },
        ])
    }

    /// Reads 10 000 rows of [`QUERY_10K`] with `limit` 1000, following `next_offset`, and reports the peak RSS.
    /// `budget` is `NETSUITE_MCP_MAX_RESULT_CHARS` ("" for the default).
    async fn paged_read(&self, budget: &str) -> BenchResult<PagedRead> {
        let extra: Vec<(&str, &str)> = if budget.is_empty() {
            Vec::new()
        } else {
            vec![("NETSUITE_MCP_MAX_RESULT_CHARS", budget)]
        };
        let server = self.spawn_stdio(&[], &extra).await?;
        let before_kib = proc_status_kib(server.pid, "VmHWM:").unwrap_or(0);
        let mut rows = 0u64;
        let mut offset = 0u64;
        let mut calls = 0;
        while rows < 10_000 && calls < 100 {
            self.prime(|| canned_rows_page(offset, 1000, 10_000), 1);
            let limit = 1000.min(10_000 - rows);
            let r = call(
                server.client.peer(),
                "run_suiteql",
                &json!({"query": QUERY_10K, "limit": limit, "offset": offset}),
            )
            .await?;
            calls += 1;
            let structured = r.structured_content.clone().unwrap_or(Value::Null);
            let n = structured["row_count"].as_u64().unwrap_or(0);
            if r.is_error == Some(true) || n == 0 {
                return Err(
                    format!("the 10 000-row read stopped at {rows}: {}", text_of(&r)).into(),
                );
            }
            rows += n;
            match structured["next_offset"].as_u64() {
                Some(next) => offset = next,
                None => break,
            }
        }
        let peak_kib = proc_status_kib(server.pid, "VmHWM:").unwrap_or(0);
        server.close().await;
        Ok(PagedRead {
            before_kib,
            peak_kib,
            rows,
            calls,
        })
    }

    /// Spawns the server by hand and speaks raw JSON-RPC: time from spawn to the `tools/list` answer, and
    /// that answer's exact bytes.
    async fn raw_tools_list(
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

    async fn model_cost(&self) -> BenchResult<Vec<Row>> {
        let (_, answer, _, child) = self.raw_tools_list(&[]).await?;
        drop(child);
        let parsed: Value = serde_json::from_str(&answer)?;
        let tools = parsed["result"]["tools"].as_array().map_or(0, Vec::len);
        let result_chars = parsed["result"].to_string().chars().count();

        let server = self.spawn_stdio(&[], &[]).await?;
        self.prime(|| canned_rows_page(0, 100, 100), 1);
        let (status, raw) = self.direct_suiteql(QUERY_6_COLUMNS, 100).await?;
        self.prime(|| canned_rows_page(0, 100, 100), 1);
        let r = call(
            server.client.peer(),
            "run_suiteql",
            &json!({"query": QUERY_6_COLUMNS, "limit": 100}),
        )
        .await?;
        server.close().await;
        check_same_outcome("run_suiteql", status, &r)?;
        let structured = r.structured_content.clone().unwrap_or(Value::Null);
        let shape = format!(
            "{} rows × {} columns",
            structured["row_count"],
            structured["columns"].as_array().map_or(0, Vec::len)
        );
        let model_chars = text_of(&r).chars().count();
        let raw_chars = raw.chars().count();
        Ok(vec![
            row(
                "5. tools/list, default toolsets: characters (≈ tokens = chars/4)",
                format!(
                    "{} chars ≈ {} tokens, {tools} tools",
                    answer.chars().count(),
                    answer.chars().count() / 4
                ),
                format!("result object alone {result_chars} chars"),
                format!("{} chars/tool", answer.chars().count() / tools.max(1)),
            ),
            row(
                &format!("5. run_suiteql result, {shape}: characters the model reads"),
                format!("{model_chars} chars ≈ {} tokens", model_chars / 4),
                format!(
                    "NetSuite raw JSON {raw_chars} chars ≈ {} tokens",
                    raw_chars / 4
                ),
                format!(
                    "{:.2}× raw ({:.0}% smaller)",
                    model_chars as f64 / raw_chars as f64,
                    100.0 * (1.0 - model_chars as f64 / raw_chars as f64)
                ),
            ),
        ])
    }
}

struct PagedRead {
    before_kib: u64,
    peak_kib: u64,
    rows: u64,
    calls: u32,
}

/// A server spawned by hand; dropping it closes stdin and kills the process.
struct RawServer {
    _stdin: tokio::process::ChildStdin,
    _child: tokio::process::Child,
}

/// A running server and its MCP client.
struct Server {
    client: RunningService<RoleClient, ()>,
    pid: u32,
    /// The process when spawned for HTTP (killed on drop).
    _child: Option<tokio::process::Child>,
}

impl Server {
    async fn close(self) {
        let _ = self.client.cancel().await;
    }
}

async fn call(peer: &Peer<RoleClient>, name: &str, args: &Value) -> BenchResult<CallToolResult> {
    let Value::Object(args) = args.clone() else {
        return Err("arguments must be an object".into());
    };
    Ok(peer
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args))
        .await?)
}

async fn concurrent_calls(
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

/// A direct request and the MCP call must have met the same NetSuite answer, or the comparison is void.
fn check_same_outcome(tool: &str, direct_status: u16, r: &CallToolResult) -> BenchResult<()> {
    let mcp_ok = r.is_error != Some(true);
    if direct_status != 200 {
        return Err(format!(
            "{tool}: the sandbox answered the direct request with HTTP {direct_status}"
        )
        .into());
    }
    if mcp_ok != (direct_status == 200) {
        return Err(format!(
            "{tool}: direct HTTP {direct_status} but the MCP call {}: {}",
            if mcp_ok { "succeeded" } else { "failed" },
            text_of(r)
        )
        .into());
    }
    Ok(())
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

fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A NetSuite SuiteQL page of `n` small customer rows (`cols` columns), as NetSuite sends it.
fn canned_page(n: usize, cols: usize) -> Fault {
    let names = [
        "id",
        "companyname",
        "email",
        "phone",
        "datecreated",
        "balance",
    ];
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let mut row = serde_json::Map::new();
            row.insert("links".into(), json!([]));
            for (c, name) in names.iter().take(cols).enumerate() {
                row.insert((*name).into(), json!(format!("{}-{i}", c * 7 + 1)));
            }
            Value::Object(row)
        })
        .collect();
    ok_json(
        json!({"links": [], "count": n, "hasMore": false, "offset": 0, "totalResults": n, "items": items}),
    )
}

/// Rows `offset..offset+n` of a `total`-row transaction query with 6 columns, as NetSuite pages them (links
/// on the page and on every row, all values strings).
fn canned_rows_page(offset: u64, n: u64, total: u64) -> Fault {
    let end = (offset + n).min(total);
    let items: Vec<Value> = (offset..end)
        .map(|i| {
            json!({"links": [], "id": (1000 + i).to_string(), "tranid": format!("INV{:06}", 1000 + i),
                "trandate": format!("{}/{}/2025", 1 + i % 12, 1 + i % 28), "entity": (100 + i % 125).to_string(),
                "status": if i % 3 == 0 { "B" } else { "A" }, "foreigntotal": format!("{}.{:02}", 100 + (i * 37) % 9000, i % 100)})
        })
        .collect();
    let base = "https://demo123.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql";
    let mut links =
        vec![json!({"rel": "self", "href": format!("{base}?limit={n}&offset={offset}")})];
    if end < total {
        links.push(json!({"rel": "next", "href": format!("{base}?limit={n}&offset={end}")}));
    }
    links.push(json!({"rel": "last", "href": format!("{base}?limit={n}&offset={}", total.saturating_sub(n))}));
    ok_json(
        json!({"links": links, "count": end - offset, "hasMore": end < total, "offset": offset,
        "totalResults": total, "items": items}),
    )
}

fn canned_record() -> Fault {
    ok_json(
        json!({"links": [{"rel": "self", "href": "https://demo123.suitetalk.api.netsuite.com/services/rest/record/v1/customer/1"}],
        "id": "1", "companyName": "Acme Logistics Inc.", "email": "ap@acme.example", "phone": "555-0100",
        "isInactive": false, "dateCreated": "2024-03-01T10:00:00Z",
        "currency": {"links": [], "id": "1", "refName": "USD"},
        "subsidiary": {"links": [], "id": "1", "refName": "Parent Company"}}),
    )
}

fn ok_json(body: Value) -> Fault {
    Fault::status(200)
        .with_body(body.to_string())
        .with_content_type("application/json")
}

struct Percentiles {
    p50: Duration,
    p95: Duration,
    min: Duration,
    max: Duration,
}

impl Percentiles {
    fn of(mut v: Vec<Duration>) -> Self {
        v.sort();
        let at = |q: usize| {
            v.get((v.len() * q / 100).min(v.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Percentiles {
            p50: at(50),
            p95: at(95),
            min: v.first().copied().unwrap_or_default(),
            max: v.last().copied().unwrap_or_default(),
        }
    }
}

fn overhead_row(figure: &str, mcp: &Percentiles, direct: &Percentiles) -> Row {
    row(
        figure,
        format!("{:.3} / {:.3} ms", ms(mcp.p50), ms(mcp.p95)),
        format!(
            "direct HTTP {:.3} / {:.3} ms",
            ms(direct.p50),
            ms(direct.p95)
        ),
        format!(
            "{:.2}× at p50 (+{:.3} ms)",
            ms(mcp.p50) / ms(direct.p50).max(1e-6),
            ms(mcp.p50) - ms(direct.p50)
        ),
    )
}

fn verdict(ok: bool) -> String {
    if ok { "ok".into() } else { "FAILED".into() }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// A `VmRSS:`/`VmHWM:` line of `/proc/<pid>/status`, in KiB.
fn proc_status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = proc_meminfo_total_gib();
    format!(
        "{cores} cores ({cpu}), {mem:.1} GiB RAM, {}",
        std::env::consts::OS
    )
}

fn proc_meminfo_total_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0)
}

fn print_table(rows: &[Row], source: &str, iters: usize) {
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!();
    println!(
        "netsuite-mcp {} benchmarks, {date}",
        env!("CARGO_PKG_VERSION")
    );
    println!("machine: {}", machine());
    println!(
        "answers: {source}; benchmark 1: {iters} interleaved samples per path after 20 warm-up rounds"
    );
    println!();
    println!("| figure | measured | baseline / target | ratio / verdict |");
    println!("|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.figure, r.measured, r.baseline, r.verdict
        );
    }
}

/// Start-up of the embedded sandbox (demo data built, key pair generated, port bound), as `serve --sandbox`
/// and every integration test pay it: median of 7 starts.
async fn sandbox_startup() -> BenchResult<Row> {
    let mut samples = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let local = start_with_generated_credentials(0).await?;
        samples.push(started.elapsed());
        local.handle.shutdown().await;
    }
    samples.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    Ok(row(
        "6. sandbox start-up (demo data, key pair, bind), p50 of 7",
        ms(samples[samples.len() / 2]),
        format!(
            "min {}, max {}",
            ms(samples[0]),
            ms(samples[samples.len() - 1])
        ),
        "—".into(),
    ))
}
