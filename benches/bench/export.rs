//! Benchmark 9: `export_suiteql` of 80 000 rows (80 NetSuite pages) with 200 ms per page and the default
//! concurrency limit of 5: wall time versus the ideal, pages ÷ concurrency × 200 ms (the export asks for the
//! first pages together, before the first one tells how many there are, so the floor is the ideal).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::report::{Row, row, verdict};
use crate::servers::{call, text_of};
use crate::{Bench, BenchResult, Source};

/// Rows exported by default: 640 transactions × 125 customers (80 NetSuite pages); `BENCH_EXPORT_ROWS` changes it
/// (a multiple of 125, at most 82 500).
const DEFAULT_ROWS: u64 = 80_000;

/// The export's query: a join without ORDER BY, so that the sandbox's own work (SQLite runs it once, then keeps
/// the result for the next pages) stays small next to the 200 ms NetSuite latency being measured.
fn query(rows: u64) -> String {
    format!(
        "SELECT t.id AS tran, t.tranid, t.trandate, c.id AS cust, c.companyname \
         FROM transaction t CROSS JOIN customer c WHERE t.id <= {}",
        rows / 125
    )
}
const PAGE_ROWS: u64 = 1000;
const CONCURRENCY: u64 = 5;
/// What the wall time should come close to; timings vary too much on shared machines to fail the run on it.
const GOAL: f64 = 1.15;

impl Bench {
    pub(crate) async fn export(&self) -> BenchResult<Vec<Row>> {
        if self.source != Source::Sandbox {
            return Ok(vec![row(
                "9. export_suiteql",
                "skipped".into(),
                "needs the sandbox's data endpoints".into(),
                "-".into(),
            )]);
        }
        let server = self.spawn_stdio(&[], &[]).await?;
        let peer = server.client.peer();
        let rows_wanted: u64 = std::env::var("BENCH_EXPORT_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_ROWS);
        let args = json!({"query": query(rows_wanted), "format": "csv"});
        // The account limit this benchmark assumes, whatever an earlier benchmark left on the shared sandbox.
        self.local
            .handle
            .set_concurrency_limit(CONCURRENCY as usize);
        // Warm the token, and measure the same export with no latency: the sandbox's own work per export.
        self.local.handle.set_latency(Duration::ZERO);
        let started = Instant::now();
        let warm = call(peer, "export_suiteql", &args).await?;
        let no_latency = started.elapsed();
        if warm.is_error == Some(true) {
            return Err(format!("export failed: {}", text_of(&warm)).into());
        }
        let latency = Duration::from_millis(200);
        self.local.handle.set_latency(latency);
        self.local.handle.reset_counters();
        // The warm-up's result must not serve this run: its first page runs the query as NetSuite would.
        self.local.handle.store().clear_query_cache();
        let started = Instant::now();
        let result = call(peer, "export_suiteql", &args).await?;
        let wall = started.elapsed();
        self.local.handle.set_latency(Duration::ZERO);
        let counters = self.local.handle.counters();
        server.close().await;
        let rows = result
            .structured_content
            .as_ref()
            .and_then(|s| s["row_count"].as_u64())
            .unwrap_or(0);
        let pages = rows_wanted.div_ceil(PAGE_ROWS);
        let ideal = latency * u32::try_from(pages).unwrap_or(u32::MAX)
            / u32::try_from(CONCURRENCY).unwrap_or(1);
        let ratio = wall.as_secs_f64() / ideal.as_secs_f64();
        eprintln!(
            "bench: export of {rows} rows: {:.2} s with 200 ms/page, ideal {:.2} s, {ratio:.3}× ideal ({:.2} s with no latency)",
            wall.as_secs_f64(),
            ideal.as_secs_f64(),
            no_latency.as_secs_f64()
        );
        Ok(vec![
            row(
                &format!(
                    "9. export_suiteql, {rows_wanted} rows ({pages} pages), 200 ms/page, limit 5: wall time"
                ),
                format!(
                    "{:.2} s ({:.2} s with no latency; max in flight {})",
                    wall.as_secs_f64(),
                    no_latency.as_secs_f64(),
                    counters.max_in_flight
                ),
                format!(
                    "ideal {pages} ÷ {CONCURRENCY} × 200 ms = {:.2} s",
                    ideal.as_secs_f64()
                ),
                format!("{ratio:.3}× ideal (goal ≤ {GOAL}; timing, not a pass/fail check)"),
            ),
            row(
                "9. export_suiteql: rows exported, 429s upstream, most in flight",
                format!(
                    "{rows}, {}, {}",
                    counters.rejected_concurrency, counters.max_in_flight
                ),
                format!("{rows_wanted}, 0, {CONCURRENCY}"),
                verdict(
                    rows == rows_wanted
                        && counters.rejected_concurrency == 0
                        && counters.max_in_flight == CONCURRENCY,
                ),
            ),
        ])
    }
}
