#!/usr/bin/env bash
# Rebuilds apps/table/dist/table.html (embedded in the binary by src/server/apps.rs) from apps/table/src.
# `--check` fails when the committed file differs from a fresh build (CI): the build is deterministic.
set -euo pipefail
cd "$(dirname "$0")/../apps/table"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs
if [ "${1:-}" = "--check" ]; then
  if ! git diff --exit-code --stat -- dist/table.html; then
    echo "apps/table/dist/table.html does not match its sources: run scripts/build-app.sh and commit it" >&2
    exit 1
  fi
  echo "apps/table/dist/table.html matches its sources"
fi
