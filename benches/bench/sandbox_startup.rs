//! Benchmark 6: start-up of the embedded sandbox.

use std::time::{Duration, Instant};

use netsuite_mcp::sandbox::start_with_generated_credentials;

use crate::BenchResult;
use crate::report::{Row, row};

/// Start-up of the embedded sandbox (demo data built, key pair generated, port bound), as `serve --sandbox`
/// and every integration test pay it: median of 7 starts.
pub(crate) async fn sandbox_startup() -> BenchResult<Row> {
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
