"""Reach `netsuite-mcp serve --http` with the official Python MCP SDK (both lifecycles): tools, resources (the
SuiteQL guide, the record-type template, an unknown URI refused as not found), prompts and completions, an export
with progress read back as a resource; and check that a wrong token is refused.
Usage: NETSUITE_MCP_HTTP_TOKEN=… python http_client_check.py URL"""
import asyncio
import csv
import io
import json
import os
import re
import sys

from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import PromptReference, ResourceTemplateReference
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


async def session(url: str, token: str, mode: str) -> list[str]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http), mode=mode) as client:
        names = sorted(t.name for t in (await client.list_tools()).tools)
        result = await client.call_tool("run_suiteql", {"query": "SELECT id, companyname FROM customer", "limit": 2})
        assert not result.is_error, result.content
        rows = (result.structured_content or {}).get("rows")
        assert rows, result.structured_content
        await resources_prompts_completions(client, mode)
        await export(client, mode)
        return names


async def resources_prompts_completions(client: Client, mode: str) -> None:
    uris = [r.uri for r in (await client.list_resources()).resources]
    assert "netsuite://guides/suiteql" in [str(u) for u in uris], uris
    guide = (await client.read_resource("netsuite://guides/suiteql")).contents[0]
    assert "FETCH FIRST" in guide.text and guide.mime_type == "text/markdown", guide
    templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
    assert templates == ["netsuite://record-types/{record_type}"], templates
    schema = json.loads((await client.read_resource("netsuite://record-types/customer")).contents[0].text)
    assert schema["record_type"] == "customer" and any(f["name"] == "email" for f in schema["fields"]), schema
    try:
        await client.read_resource("netsuite://no-such-resource")
    except MCPError as e:
        # Resource not found: -32002 before protocol 2026-07-28, -32602 on it (SEP-2164).
        assert e.code == (-32002 if mode == "legacy" else -32602), (mode, e)
    else:
        raise SystemExit("an unknown resource URI was accepted")

    prompts = [p.name for p in (await client.list_prompts()).prompts]
    assert "top_items_by_revenue" in prompts, prompts
    rendered = await client.get_prompt("top_items_by_revenue", {"start_date": "2025-01-01", "end_date": "2025-12-31", "limit": "3"})
    query = re.search(r"```sql\n(.*?)\n```", rendered.messages[0].content.text, re.S).group(1)
    result = await client.call_tool("run_suiteql", {"query": query})
    assert not result.is_error and (result.structured_content or {}).get("rows"), result.content
    try:
        await client.get_prompt("top_items_by_revenue", {"start_date": "2025-02-30", "end_date": "2025-12-31"})
    except MCPError as e:
        assert e.code == -32602 and "start_date" in e.message, e
    else:
        raise SystemExit("an impossible date was accepted")

    types = (await client.complete(ResourceTemplateReference(uri="netsuite://record-types/{record_type}"), {"name": "record_type", "value": "cust"})).completion
    assert "customer" in types.values and all(v.startswith("cust") for v in types.values), types
    dates = (await client.complete(PromptReference(name="top_items_by_revenue"), {"name": "start_date", "value": "20"})).completion
    assert dates.values, dates
    print(f"python mcp ({mode}): {len(prompts)} prompts, guide, record-type template, completions ok")


# 24 transactions x 125 customers = 3000 rows: three NetSuite pages.
EXPORT_QUERY = (
    "SELECT t.id AS tran, c.id AS cust, c.companyname FROM transaction t CROSS JOIN customer c "
    "WHERE t.id <= 24 ORDER BY t.id, c.id"
)


async def export(client: Client, mode: str) -> None:
    """export_suiteql with a progress callback, then the file through resources/read (CSV and JSON Lines)."""
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    result = await client.call_tool("export_suiteql", {"query": EXPORT_QUERY}, progress_callback=on_progress)
    assert not result.is_error, result.content
    out = result.structured_content or {}
    assert out.get("row_count") == 3000 and out.get("limit_reached") is False, out
    links = [c for c in result.content if getattr(c, "type", None) == "resource_link"]
    assert links and str(links[0].uri) == out["uri"], result.content
    done = [p for p, _ in progress]
    assert len(done) >= 3 and all(b > a for a, b in zip(done, done[1:])), progress
    assert progress[-1] == (3000, 3000), progress
    contents = (await client.read_resource(out["uri"])).contents[0]
    assert contents.mime_type == "text/csv", contents.mime_type
    records = list(csv.reader(io.StringIO(contents.text, newline="")))
    assert records[0] == out["columns"] and len(records) == 3001, records[:2]
    assert contents.text.endswith("\r\n")

    result = await client.call_tool(
        "export_suiteql", {"query": EXPORT_QUERY, "format": "jsonl", "max_rows": 1500}
    )
    out = result.structured_content or {}
    assert out.get("row_count") == 1500 and out.get("limit_reached") is True, out
    contents = (await client.read_resource(out["uri"])).contents[0]
    assert contents.mime_type == "application/jsonl", contents.mime_type
    lines = [json.loads(line) for line in contents.text.splitlines()]
    assert len(lines) == 1500 and list(lines[0]) == out["columns"], lines[:1]
    print(f"python mcp ({mode}): export of 3000 rows with {len(progress)} progress notifications, read back")


async def main(url: str) -> None:
    token = os.environ["NETSUITE_MCP_HTTP_TOKEN"]
    for mode in ("legacy", "auto"):
        names = await session(url, token, mode)
        assert "run_suiteql" in names, names
        print(f"python mcp ({mode}): {len(names)} tools: {', '.join(names)}")
    try:
        await session(url, "wrong-" + token, "legacy")
    except Exception:  # noqa: BLE001 - any failure is the expected refusal
        print("python mcp: wrong token refused")
    else:
        raise SystemExit("a wrong token was accepted")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
