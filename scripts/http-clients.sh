#!/usr/bin/env bash
# Independent clients against `netsuite-mcp serve --http 127.0.0.1:0 --sandbox` with a bearer token: the
# official Python MCP SDK (initialize and 2026-07-28 lifecycles, wrong token refused) and the MCP Inspector CLI
# (tools/list, tools/call, resources/list, prompts/list, no token refused); then the Python SDK's OAuth client against the built-in
# authorization server (NETSUITE_MCP_AUTH=oauth). Installs them into $HTTP_CLIENTS_DIR (default: under $TMPDIR).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIR="${HTTP_CLIENTS_DIR:-${TMPDIR:-/tmp}/netsuite-mcp-http-clients}"
mkdir -p "$DIR"

echo "== installing the Python MCP SDK and the MCP Inspector into $DIR"
[ -x "$DIR/venv/bin/python" ] || python3 -m venv "$DIR/venv"
"$DIR/venv/bin/pip" install --quiet --disable-pip-version-check "mcp==2.3.0"
npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error "@modelcontextprotocol/inspector@2.12.0" >/dev/null

echo "== building netsuite-mcp"
cargo build --locked --quiet --bin netsuite-mcp
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/netsuite-mcp"

NETSUITE_MCP_HTTP_TOKEN="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
export NETSUITE_MCP_HTTP_TOKEN
LOG="$DIR/serve.log"
: >"$LOG"
"$BIN" serve --http 127.0.0.1:0 --sandbox 2>"$LOG" &
SERVER_PID=$!
trap 'kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 120); do
  URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*/mcp' "$LOG" | head -n 1 || true)"
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.5
done
[ -n "$URL" ] || { echo "serve did not announce its URL" >&2; cat "$LOG" >&2; exit 1; }
echo "== server at $URL"

"$DIR/venv/bin/python" "$ROOT/scripts/http_client_check.py" "$URL"

INSPECTOR="$DIR/node_modules/.bin/mcp-inspector"
listed="$("$INSPECTOR" --cli "$URL" --header "Authorization: Bearer $NETSUITE_MCP_HTTP_TOKEN" --method tools/list)"
grep -q '"run_suiteql"' <<<"$listed" || { echo "inspector: run_suiteql not listed: $listed" >&2; exit 1; }
echo "inspector: tools/list ok"
called="$("$INSPECTOR" --cli "$URL" --header "Authorization: Bearer $NETSUITE_MCP_HTTP_TOKEN" \
  --method tools/call --tool-name run_suiteql --tool-arg 'query=SELECT id, companyname FROM customer' --tool-arg limit=2)"
grep -q '"row_count": 2' <<<"$called" || { echo "inspector: tools/call failed: $called" >&2; exit 1; }
echo "inspector: tools/call ok"
for method in resources/list prompts/list; do
  out="$("$INSPECTOR" --cli "$URL" --header "Authorization: Bearer $NETSUITE_MCP_HTTP_TOKEN" --method "$method")"
  want='"netsuite://guides/suiteql"'
  [ "$method" = prompts/list ] && want='"ar_aging"'
  grep -q "$want" <<<"$out" || { echo "inspector: $method lacks $want: $out" >&2; exit 1; }
  echo "inspector: $method ok"
done
if "$INSPECTOR" --cli "$URL" --method tools/list </dev/null >"$DIR/no-token.out" 2>&1 && grep -q '"tools"' "$DIR/no-token.out"; then
  echo "inspector: listed tools without a token" >&2
  exit 1
fi
echo "inspector: no token refused"
if grep -q "$NETSUITE_MCP_HTTP_TOKEN" "$LOG"; then
  echo "the bearer token appears in the server log" >&2
  exit 1
fi

echo "== write confirmations (elicitation) through the Python SDK, stateful and stateless"
EXTRA_PIDS=()
trap 'kill -TERM "$SERVER_PID" "${EXTRA_PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
start_server() { # LOG ARGS...: starts serve with ARGS in the background; sets STARTED_PID and STARTED_URL
  local log="$1"; shift
  : >"$log"
  NETSUITE_MCP_TOOLSETS=records,records_write,records_delete "$BIN" serve --http 127.0.0.1:0 --sandbox "$@" >/dev/null 2>"$log" &
  STARTED_PID=$!
  EXTRA_PIDS+=("$STARTED_PID")
  STARTED_URL=""
  for _ in $(seq 1 120); do
    STARTED_URL="$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*/mcp' "$log" || true)"
    [ -n "$STARTED_URL" ] && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "serve $* did not start:" >&2; cat "$log" >&2; return 1
}
start_server "$DIR/serve-confirm.log"; CONFIRM_URL="$STARTED_URL"
start_server "$DIR/serve-stateless.log" --stateless; STATELESS_URL="$STARTED_URL"
"$DIR/venv/bin/python" "$ROOT/scripts/confirm_client_check.py" "$CONFIRM_URL" "$STATELESS_URL"
if grep -q "$NETSUITE_MCP_HTTP_TOKEN" "$DIR/serve-confirm.log" "$DIR/serve-stateless.log"; then
  echo "the bearer token appears in a server log" >&2
  exit 1
fi

echo "== the Python SDK's OAuth client against NETSUITE_MCP_AUTH=oauth (the sandbox's NetSuite sign-in)"
OAUTH_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
OAUTH_LOG="$DIR/serve-oauth.log"
NETSUITE_MCP_AUTH=oauth NETSUITE_MCP_PUBLIC_URL="http://127.0.0.1:$OAUTH_PORT" RUST_LOG=info \
  "$BIN" serve --http "127.0.0.1:$OAUTH_PORT" --sandbox 2>"$OAUTH_LOG" &
OAUTH_PID=$!
trap 'kill -TERM "$SERVER_PID" "$OAUTH_PID" "${EXTRA_PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  grep -q "serving MCP at" "$OAUTH_LOG" && break
  kill -0 "$OAUTH_PID" 2>/dev/null || { cat "$OAUTH_LOG" >&2; exit 1; }
  sleep 0.5
done
"$DIR/venv/bin/python" "$ROOT/scripts/oauth_client_check.py" "http://127.0.0.1:$OAUTH_PORT/mcp"
echo "== independent HTTP clients: all checks passed"
