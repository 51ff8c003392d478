#!/usr/bin/env bash
# The saved-search RESTlet (suitescript/) under Node, outside NetSuite: its behaviour against a fake of the
# SuiteScript modules it uses (N/search, N/runtime, N/error), and its SDF project XML. No npm packages: node:test only.
# Needs Node >= 18; installs Debian's nodejs when node is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "== installing Debian nodejs"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
  echo "suitescript tests need Node >= 18 (node:test), got $(node --version)" >&2
  exit 1
fi

echo "== suitescript: RESTlet against fake N/search, N/runtime, N/error; SDF XML"
node --test suitescript/test/
