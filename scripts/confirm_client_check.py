"""Write confirmations through the official Python MCP SDK (both lifecycles): a delete the user declines sends
nothing and the record stays; an accepted one deletes it; over stateless HTTP an older client (which cannot be
asked) runs the delete as before, while a 2026-07-28 client is still asked.
Usage: NETSUITE_MCP_HTTP_TOKEN=… python confirm_client_check.py STATEFUL_URL STATELESS_URL"""
import asyncio
import os
import sys

from mcp import Client, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def answering(action: str, asked: list[str]):
    async def callback(context, params):  # noqa: ARG001 - the SDK's callback signature
        asked.append(params.message)
        return types.ElicitResult(action=action, content={} if action == "accept" else None)

    return callback


async def delete_one(url: str, mode: str, action: str) -> tuple[bool, bool, list[str], str]:
    """Creates a customer, deletes it answering `action`; returns (delete failed, still exists, asked, text)."""
    token = os.environ["NETSUITE_MCP_HTTP_TOKEN"]
    asked: list[str] = []
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(
        streamable_http_client(url, http_client=http), mode=mode, elicitation_callback=answering(action, asked)
    ) as client:
        made = await client.call_tool(
            "create_record",
            {"record_type": "customer", "values": {"companyname": f"Confirm {mode} {action}", "subsidiary": {"id": "1"}}},
        )
        assert not made.is_error, made.content
        rid = made.structured_content["id"]
        deleted = await client.call_tool("delete_record", {"record_type": "customer", "id": rid})
        text = " ".join(getattr(c, "text", "") for c in deleted.content)
        got = await client.call_tool("get_record", {"record_type": "customer", "id": rid})
        return bool(deleted.is_error), not got.is_error, asked, text


async def main(stateful: str, stateless: str) -> None:
    for mode in ("legacy", "auto"):
        failed, exists, asked, text = await delete_one(stateful, mode, "decline")
        assert failed and exists and "declined" in text and "nothing was sent" in text, (failed, exists, text)
        assert len(asked) == 1 and "delete customer" in asked[0], asked
        failed, exists, asked, text = await delete_one(stateful, mode, "accept")
        assert not failed and not exists and len(asked) == 1, (failed, exists, asked, text)
        print(f"python mcp ({mode}): declined delete sent nothing, accepted delete ran")
    failed, exists, asked, text = await delete_one(stateless, "legacy", "decline")
    assert not failed and not exists and not asked, (failed, exists, asked, text)
    print("python mcp (legacy, stateless): not asked (no session to ask on), ran as before")
    failed, exists, asked, text = await delete_one(stateless, "auto", "decline")
    assert failed and exists and len(asked) == 1, (failed, exists, asked, text)
    failed, exists, asked, text = await delete_one(stateless, "auto", "accept")
    assert not failed and not exists and len(asked) == 1, (failed, exists, asked, text)
    print("python mcp (auto, stateless): asked through input_required; declined sent nothing, accepted ran")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
