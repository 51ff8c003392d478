#!/usr/bin/env bash
# Runs every benchmark against the embedded sandbox and prints one Markdown table (see docs/benchmarks.md).
#   scripts/bench.sh                 # release build, 300 samples per path for the per-call overhead
#   BENCH_ITERS=1000 scripts/bench.sh
#   BENCH_ONLY=3,9 scripts/bench.sh      # only benchmarks 3 and 9
# Progress goes to stderr, the table to stdout: `scripts/bench.sh > bench.md`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi
exec cargo bench --quiet --bench bench -- "$@"
