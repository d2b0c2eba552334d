"""Request/event context carried across HTTP requests and the events they cause."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)


# What a client may send as x-correlation-id: a uuid or a similar token. Anything else (free text,
# a name, an e-mail address, control characters, kilobytes) is replaced, because the id is copied
# into every event envelope and log line the request causes.
_CORRELATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# W3C trace context: version-traceid-parentid-flags, lower-case hex.
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def checked_correlation_id(value: str | None) -> str:
    """The client's correlation id if it is a plain token, else a fresh one."""
    if value and _CORRELATION_ID.fullmatch(value):
        return value
    return str(uuid.uuid4())


def checked_traceparent(value: str | None) -> str | None:
    return value if value and _TRACEPARENT.fullmatch(value) else None


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> object:
    return _correlation_id.set(value)


def current_traceparent() -> str | None:
    return _traceparent.get()


def set_traceparent(value: str | None) -> object:
    return _traceparent.set(value)
