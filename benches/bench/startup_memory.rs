//! Benchmark 4: cold start to the first `tools/list` answer over stdio, idle RSS, and peak RSS over a
//! 10 000-row SuiteQL read in pages of 1000.

use std::time::Duration;

use serde_json::{Value, json};

use crate::netsuite::canned_rows_page;
use crate::overhead::Percentiles;
use crate::report::{Row, ms, row};
use crate::servers::{call, text_of};
use crate::{Bench, BenchResult, QUERY_10K, Source};

impl Bench {
    pub(crate) async fn startup_and_memory(&self) -> BenchResult<Vec<Row>> {
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
}

struct PagedRead {
    before_kib: u64,
    peak_kib: u64,
    rows: u64,
    calls: u32,
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
