//! The final Markdown table: its rows, verdicts, units and the machine line.

use std::time::Duration;

/// One line of the final table.
pub(crate) struct Row {
    pub(crate) figure: String,
    pub(crate) measured: String,
    pub(crate) baseline: String,
    pub(crate) verdict: String,
}

pub(crate) fn row(figure: &str, measured: String, baseline: String, verdict: String) -> Row {
    Row {
        figure: figure.to_owned(),
        measured,
        baseline,
        verdict,
    }
}

pub(crate) fn verdict(ok: bool) -> String {
    if ok { "ok".into() } else { "FAILED".into() }
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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

pub(crate) fn print_table(rows: &[Row], source: &str, iters: usize) {
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
