//! Benchmark 2: token single-flight, 200 concurrent calls on a cold token cache must make one token request.

use serde_json::json;

use crate::netsuite::canned_page;
use crate::report::{Row, row, verdict};
use crate::servers::concurrent_calls;
use crate::{Bench, BenchResult, QUERY_SMALL};

impl Bench {
    pub(crate) async fn single_flight(&self) -> BenchResult<Row> {
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
}
