"""A small gateway for the local stack: one address, each /<service>/ forwarded unchanged to the
process that serves it (what Caddy does in the containers mode), so the pages' links work."""

from __future__ import annotations

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from llo_shared.pages import not_found
from llo_shared.problems import problem_response

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}
# A kept-alive connection the service closed just as it was reused fails before any answer: safe to
# send again once when the request changes nothing (measured: one 502 in a 50-user search load).
IDEMPOTENT = {"GET", "HEAD", "OPTIONS"}
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class Gateway:
    def __init__(self, upstreams: dict[str, str]) -> None:
        self.upstreams = upstreams
        # retries=1: a connection that could not be opened is tried once more (nothing was sent)
        self.client = httpx.AsyncClient(timeout=60, transport=httpx.AsyncHTTPTransport(retries=1))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        first = request.url.path.strip("/").split("/", 1)[0]
        if not first:  # the start page lives with the portal
            first = "catalogue"
        if first not in self.upstreams:
            await not_found(request)(scope, receive, send)
            return
        await self._forward(request, self.upstreams[first])(scope, receive, send)

    def _forward(self, request: Request, upstream: str) -> Response:
        async def forwarded() -> Response:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
            outgoing = self.client.build_request(
                request.method,
                upstream + request.url.path,
                params=request.query_params,
                headers=headers,
                content=await request.body(),
            )
            try:
                answer = await self._send(outgoing)
            except httpx.HTTPError as error:
                return problem_response(502, "bad-gateway", "Service unreachable", str(error))
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            return StreamingResponse(
                answer.aiter_raw(), answer.status_code, kept, background=BackgroundTask(answer.aclose)
            )

        return _Deferred(forwarded)

    async def _send(self, outgoing: httpx.Request) -> httpx.Response:
        try:
            return await self.client.send(outgoing, stream=True)
        except DROPPED:
            if outgoing.method not in IDEMPOTENT:
                raise
            again = httpx.Request(
                outgoing.method, outgoing.url, headers=outgoing.headers, content=outgoing.content
            )
            return await self.client.send(again, stream=True)


class _Deferred(Response):
    """A response produced by a coroutine when the ASGI server calls it."""

    def __init__(self, produce) -> None:
        self._produce = produce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (await self._produce())(scope, receive, send)
