"""A small rate limit for public forms: a token bucket per client address, in the process.

Anonymous posts to the listed paths spend one token each; an empty bucket answers 429 with
Retry-After (a Dutch page for a page, problem+json for the API). Signed-in callers (a bearer token)
are staff of a known organisation and are not limited here. Each replica keeps its own buckets, so
N replicas allow N times the rate: enough to stop a script filling a form, not a quota.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from llo_shared.auth import is_api_path
from llo_shared.problems import MEDIA_TYPE, PROBLEM_SCHEMA, problem_response

MAX_CLIENTS = 10_000  # buckets kept; full ones are forgotten first when there are more


class RateLimitSettings(BaseSettings):
    """`LLO_RATE_LIMIT_PER_MINUTE` / `LLO_RATE_LIMIT_BURST`; a load test raises them."""

    model_config = SettingsConfigDict(env_prefix="LLO_RATE_LIMIT_", extra="ignore")

    per_minute: float = 10
    burst: int = 5


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Spend one token of `key`'s bucket: 0 if allowed, else the seconds until one is back."""
        now = self.clock()
        bucket = self._buckets.get(key) or self._new(now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[key] = bucket
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _new(self, now: float) -> _Bucket:
        if len(self._buckets) >= MAX_CLIENTS:
            self._forget_idle(now)
        return _Bucket(float(self.burst), now)

    def _forget_idle(self, now: float) -> None:
        refill = self.burst / self.rate
        idle = [k for k, b in self._buckets.items() if now - b.at >= refill]
        for key in idle or list(self._buckets)[: MAX_CLIENTS // 10]:
            del self._buckets[key]


TOO_MANY_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Even wachten · LLO-match</title></head><body><main>
<h1>Te veel aanmeldingen tegelijk</h1>
<p>Vanaf dit adres zijn net veel formulieren verstuurd. Probeer het over {seconds} seconden opnieuw.</p>
</main></body></html>"""


class RateLimitMiddleware:
    """Limits anonymous POSTs to `paths` (exact paths), per client address."""

    def __init__(self, app: ASGIApp, paths: Iterable[str], settings: RateLimitSettings | None = None) -> None:
        self.app = app
        self.paths = frozenset(p.rstrip("/") for p in paths)
        settings = settings or RateLimitSettings()
        self.buckets = TokenBuckets(settings.per_minute, settings.burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._limited(scope):
            client = scope.get("client") or ("unknown", 0)
            wait = self.buckets.take(str(client[0]))
            if wait > 0:
                await self._too_many(scope, math.ceil(wait))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _limited(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        if scope.get("path", "").rstrip("/") not in self.paths:
            return False
        return not any(k.lower() == b"authorization" for k, _ in scope.get("headers", []))

    @staticmethod
    def _too_many(scope: Scope, seconds: int) -> Response:
        response: Response
        if is_api_path(scope.get("path", "")):
            response = problem_response(
                429,
                "too-many-requests",
                "Te veel aanvragen",
                f"probeer het over {seconds} seconden opnieuw",
                instance=scope.get("path"),
            )
        else:
            response = HTMLResponse(TOO_MANY_PAGE.format(seconds=seconds), status_code=429)
        response.headers["Retry-After"] = str(seconds)
        return response


def limit_public_posts(app: FastAPI, paths: Iterable[str], settings: RateLimitSettings | None = None) -> None:
    """Rate-limit anonymous POSTs to `paths`, and say so in the OpenAPI document (429)."""
    paths = [p.rstrip("/") for p in paths]
    app.add_middleware(RateLimitMiddleware, paths=paths, settings=settings)
    build_openapi = app.openapi

    def openapi_with_429() -> dict[str, Any]:
        document = build_openapi()
        for path, item in document.get("paths", {}).items():
            if path.rstrip("/") in paths and "post" in item:
                item["post"].setdefault("responses", {})["429"] = {
                    "description": "Too many anonymous posts from this address; see Retry-After",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
                }
        return document

    app.openapi = openapi_with_429  # type: ignore[method-assign]
