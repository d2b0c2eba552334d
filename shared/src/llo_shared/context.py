"""Request/event context carried across HTTP requests and the events they cause."""

from __future__ import annotations

from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> object:
    return _correlation_id.set(value)


def current_traceparent() -> str | None:
    return _traceparent.get()


def set_traceparent(value: str | None) -> object:
    return _traceparent.set(value)
