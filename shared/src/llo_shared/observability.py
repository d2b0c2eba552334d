"""JSON logs carrying correlation_id, request metrics, and trace context from HTTP to events."""

from __future__ import annotations

import logging
import time
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llo_shared.context import (
    checked_correlation_id,
    checked_traceparent,
    current_correlation_id,
    set_correlation_id,
    set_traceparent,
)
from llo_shared.metrics import HTTP_LATENCY

CORRELATION_HEADER = "x-correlation-id"


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id()
        return True


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(getattr(h, "_llo", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler()
    handler._llo = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{correlation_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_CorrelationFilter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)


class RequestContextMiddleware:
    """Sets correlation id and traceparent for the request and records its latency."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        correlation_id = checked_correlation_id(headers.get(CORRELATION_HEADER))
        set_correlation_id(correlation_id)
        set_traceparent(checked_traceparent(headers.get("traceparent")))
        status = {"code": 500}
        started = time.perf_counter()

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append(
                    (CORRELATION_HEADER.encode(), correlation_id.encode())
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            template = _route_template(scope)
            HTTP_LATENCY.labels(self.service, scope["method"], template, str(status["code"])).observe(
                time.perf_counter() - started
            )


def _route_template(scope: Scope) -> str:
    """The matched route's path template (low-cardinality label), prefix of included routers included."""
    effective: Any = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(effective, "path_format", None) or getattr(scope.get("route"), "path", None)
    return str(template or "unmatched")
