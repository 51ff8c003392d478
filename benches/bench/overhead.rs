//! Benchmark 1: per-call overhead of `run_suiteql` and `get_record` through the MCP server versus the same
//! request sent directly to the sandbox, interleaved, p50/p95.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::netsuite::{canned_page, canned_record, check_same_outcome};
use crate::report::{Row, ms, row};
use crate::servers::call;
use crate::{Bench, BenchResult, QUERY_SMALL};

impl Bench {
    pub(crate) async fn per_call_overhead(
        &self,
        transport: &str,
        iters: usize,
    ) -> BenchResult<Vec<Row>> {
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
}

pub(crate) struct Percentiles {
    pub(crate) p50: Duration,
    pub(crate) p95: Duration,
    pub(crate) min: Duration,
    pub(crate) max: Duration,
}

impl Percentiles {
    pub(crate) fn of(mut v: Vec<Duration>) -> Self {
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
