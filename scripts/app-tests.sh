#!/usr/bin/env bash
# The MCP App (ui://netsuite/table.html) in a real browser: checks the committed build matches its sources, then
# runs apps/table/test/app.test.mjs, which starts `netsuite-mcp serve --sandbox --http`, speaks MCP to it and drives
# the app in headless Debian Chromium through the SDK's host side. Installs Chromium and the npm packages itself.
# Screenshots go to target/app-test/; APP_TEST_DOCS_IMG=docs/img also refreshes the README screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "== app build is deterministic and committed"
bash scripts/build-app.sh --check

echo "== building netsuite-mcp"
cargo build --locked --quiet --bin netsuite-mcp
export NETSUITE_MCP_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/netsuite-mcp"
export APP_TEST_OUT="${APP_TEST_OUT:-${CARGO_TARGET_DIR:-$ROOT/target}/app-test}"

echo "== browser test"
cd apps/table
node test/app.test.mjs
