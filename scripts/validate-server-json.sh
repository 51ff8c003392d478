#!/usr/bin/env bash
# Validates server.json against the MCP registry's published JSON Schema (the version its "$schema" names).
# The schema files come from PyPI: the `skillsaw` linter ships every released registry schema. Installs into a
# throw-away virtualenv; needs python3 and the package registry. tests/packaging.rs checks the documented rules
# offline; this is the stricter check against the schema itself.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-$(mktemp -d)/venv}
python3 -m venv "$venv"
"$venv/bin/pip" install -q "skillsaw==0.22.0" "jsonschema==4.26.0"
"$venv/bin/python" - <<'PY'
import json, pathlib, re, sys
import jsonschema, skillsaw
doc = json.loads(pathlib.Path("server.json").read_text())
date = re.search(r"/schemas/(\d{4})-(\d{2})-(\d{2})/", doc["$schema"]).groups()
schema_path = pathlib.Path(skillsaw.__file__).parent / "schemas" / "mcp_registry" / ("v" + "_".join(date)) / "server.schema.json"
schema = json.loads(schema_path.read_text())
validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print(f"server.json: {'/'.join(map(str, e.path)) or '(top)'}: {e.message}", file=sys.stderr)
if errors:
    sys.exit(1)
print(f"server.json is valid against {schema_path.parent.name} ({schema.get('$id', '')})")
PY
