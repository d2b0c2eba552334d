"""The local stack's gateway sends a request that changes nothing once more when the service dropped
a kept-alive connection under it; a request that may change something is never sent twice."""

from __future__ import annotations

import httpx

from llo.gateway import Gateway


class Body(httpx.AsyncByteStream):
    """A body streamed as from a real connection (the gateway passes it through unread)."""

    async def __aiter__(self):  # type: ignore[override]
        yield b'{"ok": true}'


def gateway_with_flaky_upstream() -> tuple[Gateway, list[str]]:
    seen: list[str] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if len(seen) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, stream=Body())

    gateway = Gateway({"catalogue": "http://catalogue.test"})
    gateway.client = httpx.AsyncClient(transport=httpx.MockTransport(upstream))
    return gateway, seen


async def test_a_dropped_connection_is_retried_once_for_a_get():
    gateway, seen = gateway_with_flaky_upstream()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as client:
        answer = await client.get("/catalogue/api/v1/search")
    assert answer.status_code == 200 and seen == ["GET", "GET"]


async def test_a_post_is_never_sent_twice():
    gateway, seen = gateway_with_flaky_upstream()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as client:
        answer = await client.post("/catalogue/api/v1/cohorts", json={})
    assert answer.status_code == 502 and seen == ["POST"]
