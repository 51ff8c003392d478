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
//! 6. Sandbox start-up.
//! 7. Scale-out: 60 calls on an account limit of 3 through 1 instance, 3 with their own limiters, and 3 sharing
//!    the limit and token through Redis → upstream 429s, token requests, wall time versus the ideal.
//! 8. Metadata cache: NetSuite calls and wall time of 20 repeated describes with the cache off versus on, and 20
//!    concurrent first describes (one call).
//! 9. `export_suiteql` of 80 000 rows with 200 ms per page: wall time versus pages ÷ concurrency × 200 ms.
//!
//! `BENCH_ONLY=N[,N…]` runs only those benchmarks (e.g. `BENCH_ONLY=8` for a quick check of the metadata cache).
//!
//! While the sandbox has no data endpoints (they return 404), the SuiteQL and record answers are injected into
//! the sandbox as canned NetSuite responses (same bytes for the direct request and the MCP call); the table
//! says which source was used. `BENCH_ITERS` (default 300) sets the samples of benchmark 1.

mod export;
mod governance;
mod metadata;
mod model_cost;
mod netsuite;
mod overhead;
mod report;
mod sandbox_startup;
mod scale_out;
mod servers;
mod startup_memory;
mod tokens;

use netsuite_mcp::netsuite::ClientOptions;
use netsuite_mcp::sandbox::{LocalSandbox, start_with_generated_credentials};

use crate::report::print_table;
use crate::sandbox_startup::sandbox_startup;

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

    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let want = |n: &str| only.is_empty() || only.split(',').any(|o| o.trim() == n);
    if want("1") {
        eprintln!("bench: 1. per-call overhead (stdio)");
        rows.extend(bench.per_call_overhead("stdio", iters).await?);
        eprintln!("bench: 1. per-call overhead (streamable HTTP)");
        rows.extend(bench.per_call_overhead("http", iters).await?);
    }
    if want("2") {
        eprintln!("bench: 2. token single-flight");
        rows.push(bench.single_flight().await?);
    }
    if want("3") {
        eprintln!("bench: 3. governance");
        rows.extend(bench.governance().await?);
    }
    if want("4") {
        eprintln!("bench: 4. cold start and memory");
        rows.extend(bench.startup_and_memory().await?);
    }
    if want("5") {
        eprintln!("bench: 5. model-facing cost");
        rows.extend(bench.model_cost().await?);
    }
    if want("6") {
        eprintln!("bench: 6. sandbox start-up");
        rows.push(sandbox_startup().await?);
    }
    if want("7") {
        eprintln!("bench: 7. scale-out");
        rows.extend(bench.scale_out().await?);
    }
    if want("8") {
        eprintln!("bench: 8. metadata cache");
        rows.extend(bench.metadata_cache().await?);
    }
    if want("9") {
        eprintln!("bench: 9. export_suiteql");
        rows.extend(bench.export().await?);
    }

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
