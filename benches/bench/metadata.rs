//! Benchmark 7: the metadata cache. 20 describes of one record type, one after another, with the sandbox answering
//! in 100 ms (NetSuite's metadata catalog takes seconds on real accounts): NetSuite calls and wall time with the
//! cache off (TTL zero, the old behaviour) versus on, measured in the same run; then 20 concurrent first
//! describes of another type (single flight: one call).

use std::time::{Duration, Instant};

use netsuite_mcp::netsuite::{ClientOptions, MetadataCacheOptions, NetSuiteClient, RecordType};

use crate::report::{Row, ms, row, verdict};
use crate::{Bench, BenchResult};

const DESCRIBES: usize = 20;

impl Bench {
    fn metadata_client(&self, cache: MetadataCacheOptions) -> BenchResult<NetSuiteClient> {
        let options = ClientOptions {
            metadata_cache: cache,
            ..ClientOptions::default()
        };
        Ok(netsuite_mcp::commands::wiring::netsuite_client(
            self.local.settings.netsuite()?,
            options,
        )?)
    }

    /// NetSuite calls and wall time of [`DESCRIBES`] sequential describes of `customer`.
    async fn repeated_describes(&self, client: &NetSuiteClient) -> BenchResult<(u64, Duration)> {
        let customer = RecordType::parse("customer").map_err(|e| e.to_string())?;
        client
            .tokens()
            .ok_or("no token manager")?
            .access_token()
            .await?;
        self.local.handle.reset_counters();
        let started = Instant::now();
        for _ in 0..DESCRIBES {
            client.record_type_fields(&customer).await?;
        }
        Ok((self.local.handle.counters().api_requests, started.elapsed()))
    }

    pub(crate) async fn metadata_cache(&self) -> BenchResult<Vec<Row>> {
        self.local.handle.set_latency(Duration::from_millis(100));
        let off = self.metadata_client(MetadataCacheOptions {
            ttl: Duration::ZERO,
            ..MetadataCacheOptions::default()
        })?;
        let on = self.metadata_client(MetadataCacheOptions::default())?;
        let (calls_off, wall_off) = self.repeated_describes(&off).await?;
        let (calls_on, wall_on) = self.repeated_describes(&on).await?;

        let vendor = RecordType::parse("vendor").map_err(|e| e.to_string())?;
        self.local.handle.reset_counters();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..DESCRIBES {
            let (client, vendor) = (on.clone(), vendor.clone());
            tasks.spawn(async move { client.record_type_fields(&vendor).await });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        let concurrent_calls = self.local.handle.counters().api_requests;
        self.local.handle.set_latency(Duration::ZERO);

        let speedup = wall_off.as_secs_f64() / wall_on.as_secs_f64().max(1e-9);
        Ok(vec![
            row(
                "8. NetSuite calls for 20 repeated describes (cache on / off)",
                format!("{calls_on} / {calls_off}"),
                "1 / 20".into(),
                verdict(calls_on == 1 && calls_off == DESCRIBES as u64),
            ),
            row(
                "8. wall time of 20 repeated describes, 100 ms NetSuite latency (cache on / off)",
                format!(
                    "{:.0} ms / {:.0} ms ({speedup:.1}× faster)",
                    ms(wall_on),
                    ms(wall_off)
                ),
                "on ≤ off / 10".into(),
                verdict(speedup >= 10.0),
            ),
            row(
                "8. NetSuite calls for 20 concurrent first describes (single flight)",
                concurrent_calls.to_string(),
                "1".into(),
                verdict(concurrent_calls == 1),
            ),
        ])
    }
}
