#!/usr/bin/env bash
# Builds this worktree's debug netsuite-mcp and copies it to a private path, which it prints. Worktrees that share
# one CARGO_TARGET_DIR overwrite each other's target/debug/netsuite-mcp; run the tests with
#   NETSUITE_MCP_BIN=$(scripts/test-bin.sh) cargo test
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(cargo build --quiet --message-format=json --bin netsuite-mcp \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])')
dest="${TMPDIR:-/tmp}/netsuite-mcp-$(pwd | cksum | cut -d" " -f1)"
cp "$exe" "$dest.tmp" && mv "$dest.tmp" "$dest"
echo "$dest"
