"""Reach `netsuite-mcp serve --http` with the official Python MCP SDK (both lifecycles) and check that a wrong
token is refused. Usage: NETSUITE_MCP_HTTP_TOKEN=… python http_client_check.py URL"""
import asyncio
import os
import sys

from mcp import Client
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
        return names


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
