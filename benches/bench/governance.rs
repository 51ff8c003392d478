//! Benchmark 3: governance, 60 calls with 200 ms sandbox latency and an account limit of 5: wall time versus
//! the ideal, and the 429s that reached the model (must be 0).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::netsuite::canned_page;
use crate::report::{Row, row, verdict};
use crate::servers::{call, concurrent_calls, text_of};
use crate::{Bench, BenchResult, QUERY_SMALL};

impl Bench {
    pub(crate) async fn governance(&self) -> BenchResult<Vec<Row>> {
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
}
