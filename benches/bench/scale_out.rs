//! Benchmark 7: scale-out. 60 calls with 100 ms sandbox latency on an account limit of 3, through 1 instance,
//! 3 instances each with its own limiter (no Redis), and 3 instances sharing the limit and token through a real
//! `redis-server`: upstream 429s, token requests, wall time versus the ideal 20 × 100 ms. Skipped (one row
//! saying so) when `redis-server` is not installed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::netsuite::canned_page;
use crate::report::{Row, row, verdict};
use crate::servers::{Server, concurrent_calls};
use crate::{Bench, BenchResult, QUERY_SMALL};

const CALLS: usize = 60;
const LIMIT: usize = 3;
const LATENCY: Duration = Duration::from_millis(100);
const STATE_KEY: &str = "bench-scale-out-state-key-0123456789abcdef";

/// A `redis-server` on a free port, killed on drop.
struct RedisProcess(std::process::Child, u16);

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Option<RedisProcess> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let process = RedisProcess(child, port);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(process);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    None
}

struct Outcome {
    wall: Duration,
    upstream_429: u64,
    token_requests: u64,
    max_in_flight: u64,
    failed: usize,
}

impl Bench {
    pub(crate) async fn scale_out(&self) -> BenchResult<Vec<Row>> {
        let Some(redis) = start_redis() else {
            return Ok(vec![row(
                "7. scale-out (1 vs 3 instances)",
                "skipped: redis-server is not installed".into(),
                "-".into(),
                "-".into(),
            )]);
        };
        let url = format!("redis://127.0.0.1:{}/0", redis.1);
        let limit = LIMIT.to_string();
        let base = [("NETSUITE_MAX_CONCURRENCY", limit.as_str())];
        let shared = [
            ("NETSUITE_MAX_CONCURRENCY", limit.as_str()),
            ("NETSUITE_MCP_REDIS_URL", url.as_str()),
            ("NETSUITE_MCP_STATE_KEY", STATE_KEY),
        ];
        let one = self.run_spread(1, &base).await?;
        let local = self.run_spread(3, &base).await?;
        let redis_shared = self.run_spread(3, &shared).await?;
        let ideal = LATENCY * (CALLS / LIMIT) as u32;
        let describe = |o: &Outcome| {
            format!(
                "{:.2} s ({:.2}× ideal); {} upstream 429s; {} token requests; max in flight {}; {} failed",
                o.wall.as_secs_f64(),
                o.wall.as_secs_f64() / ideal.as_secs_f64(),
                o.upstream_429,
                o.token_requests,
                o.max_in_flight,
                o.failed
            )
        };
        let baseline = format!(
            "ideal {} × 100 ms = {:.1} s, 0 × 429, 1 token",
            CALLS / LIMIT,
            ideal.as_secs_f64()
        );
        Ok(vec![
            row(
                "7. 60 calls, limit 3: 1 instance",
                describe(&one),
                baseline.clone(),
                verdict(one.upstream_429 == 0 && one.failed == 0),
            ),
            row(
                "7. 60 calls, limit 3: 3 instances, no Redis",
                describe(&local),
                baseline.clone(),
                "(for comparison)".into(),
            ),
            row(
                "7. 60 calls, limit 3: 3 instances sharing Redis",
                describe(&redis_shared),
                baseline,
                verdict(
                    redis_shared.upstream_429 == 0
                        && redis_shared.token_requests == 1
                        && redis_shared.max_in_flight <= LIMIT as u64
                        && redis_shared.failed == 0,
                ),
            ),
        ])
    }

    /// `CALLS` calls spread evenly over `instances` fresh HTTP instances (cold token caches).
    async fn run_spread(&self, instances: usize, env: &[(&str, &str)]) -> BenchResult<Outcome> {
        let mut servers: Vec<Server> = Vec::new();
        for _ in 0..instances {
            servers.push(self.spawn_http_with(env).await?);
        }
        self.local.handle.set_latency(LATENCY);
        self.local.handle.set_concurrency_limit(LIMIT);
        self.local.handle.reset_counters();
        self.prime(|| canned_page(10, 3), CALLS * 2);
        let started = Instant::now();
        let per = CALLS / instances;
        let runs = servers.iter().map(|s| {
            concurrent_calls(
                s,
                per,
                "run_suiteql",
                json!({"query": QUERY_SMALL, "limit": 10}),
            )
        });
        let results: Vec<_> = futures_util::future::join_all(runs)
            .await
            .into_iter()
            .flatten()
            .collect();
        let wall = started.elapsed();
        self.local.handle.set_latency(Duration::ZERO);
        // The benchmarks share one sandbox: give the next one the default account limit back.
        self.local
            .handle
            .set_concurrency_limit(netsuite_sandbox::DEFAULT_CONCURRENCY_LIMIT);
        self.local.handle.faults().clear();
        let counters = self.local.handle.counters();
        for s in servers {
            s.close().await;
        }
        let failed = results
            .iter()
            .filter(|r| !matches!(r, Ok(r) if r.is_error != Some(true)))
            .count();
        Ok(Outcome {
            wall,
            upstream_429: counters.rejected_concurrency,
            token_requests: counters.token_requests,
            max_in_flight: counters.max_in_flight,
            failed,
        })
    }
}
