"""Sign in to `netsuite-mcp serve --http --sandbox` (NETSUITE_MCP_AUTH=oauth) with the official Python MCP SDK's
OAuth client: protected-resource and authorization-server discovery, dynamic registration, PKCE, the person's
consent page and sign-in at the sandbox's NetSuite page (this script plays the browser), the token, tools/call in both lifecycles,
and a later session that reuses the stored tokens. Usage: python oauth_client_check.py URL"""
import asyncio
import re
import sys
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://127.0.0.1:9/callback"


class Memory(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Browser:
    """Follows the authorization URL through the server and the sandbox's sign-in page, as a browser would,
    until it lands on the client's redirect URI."""

    def __init__(self) -> None:
        self.landed: str | None = None
        self.visits = 0

    async def open(self, url: str) -> None:
        self.visits += 1
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            response = await http.get(url)
            # The server's consent page: the person clicks "Continue to NetSuite".
            assert response.status_code == 200, (response.status_code, response.text[:300])
            match = re.search(r'name="request" value="([^"]+)"', response.text)
            assert match, response.text[:500]
            origin = "{0.scheme}://{0.netloc}".format(urlparse(url))
            response = await http.post(f"{origin}/authorize", data={"request": match.group(1), "decision": "allow"})
            for _ in range(6):
                assert response.status_code in (302, 303), (response.status_code, response.text[:300])
                url = response.headers["location"]
                if url.startswith(REDIRECT):
                    self.landed = url
                    return
                response = await http.get(url)
        raise SystemExit(f"never reached the redirect URI (last: {url})")

    async def callback(self) -> AuthorizationCodeResult:
        assert self.landed, "no redirect captured"
        q = {k: v[0] for k, v in parse_qs(urlparse(self.landed).query).items()}
        assert "error" not in q, q
        return AuthorizationCodeResult(code=q["code"], state=q.get("state"), iss=q.get("iss"))


async def session(url: str, provider: OAuthClientProvider, mode: str) -> list[str]:
    http = create_mcp_http_client(auth=provider)
    async with http, Client(streamable_http_client(url, http_client=http), mode=mode) as client:
        names = sorted(t.name for t in (await client.list_tools()).tools)
        result = await client.call_tool("run_suiteql", {"query": "SELECT id, companyname FROM customer", "limit": 2})
        assert not result.is_error, result.content
        assert (result.structured_content or {}).get("rows"), result.structured_content
        return names


async def main(url: str) -> None:
    storage, browser = Memory(), Browser()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="python sdk oauth check",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
    )
    names = await session(url, provider, "legacy")
    assert "run_suiteql" in names, names
    assert storage.client is not None and storage.tokens is not None
    print(f"python mcp oauth: registered, signed in, {len(names)} tools, run_suiteql ok")
    names = await session(url, provider, "auto")
    assert browser.visits == 1, f"signed in {browser.visits} times; the stored tokens should have been reused"
    print("python mcp oauth (2026-07-28 lifecycle): the stored tokens were reused")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
