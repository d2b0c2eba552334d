"""One typed subscription table per consumer group: event type -> payload model -> handler.

A service's handlers.py declares, for each consumer group, the topics it reads and one row per
event type it acts on, written `on(event_type, PayloadModel, handle)`. The table is data: the
service wires it (`handler(context)`), and the contract tests read it (which event types a
service consumes, and with which payload model).
An event type the table does not name is skipped: a topic carries more than one consumer needs.
A payload that does not parse raises, so the bus retries it and then dead-letters it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from llo_shared.bus import Handler
from llo_shared.envelope import EventEnvelope

Context = TypeVar("Context")
Payload = TypeVar("Payload", bound=BaseModel)
Result = TypeVar("Result")


@dataclass(frozen=True)
class Row(Generic[Context, Payload, Result]):
    """Events of `event_type` are parsed with `payload`, then `handle(context, payload, event)`."""

    event_type: str
    payload: type[Payload]
    handle: Callable[[Context, Payload, EventEnvelope], Awaitable[Result]]


def on(
    event_type: str,
    payload: type[Payload],
    handle: Callable[[Context, Payload, EventEnvelope], Awaitable[Result]],
) -> Row[Context, Any, Result]:
    """A table row; written through this function, mypy checks that `handle` takes `payload`'s model
    (a table holds rows of many payload models, so the table itself cannot)."""
    return Row(event_type, payload, handle)


@dataclass(frozen=True)
class SubscriptionTable(Generic[Context, Result]):
    """What one consumer group reads: its topics and, per event type, the payload model and handler."""

    group: str
    topics: tuple[str, ...]
    rows: tuple[Row[Context, Any, Result], ...]

    def __post_init__(self) -> None:
        seen = [row.event_type for row in self.rows]
        doubled = sorted({t for t in seen if seen.count(t) > 1})
        if doubled:
            raise ValueError(f"{self.group}: one row per event type, {', '.join(doubled)} has more")

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(row.event_type for row in self.rows)

    @cached_property
    def _by_type(self) -> dict[str, Row[Context, Any, Result]]:
        return {row.event_type: row for row in self.rows}

    def row(self, event_type: str) -> Row[Context, Any, Result] | None:
        return self._by_type.get(event_type)

    async def dispatch(self, context: Context, event: EventEnvelope) -> Result | None:
        """The handler's result, or None for an event type this group does not act on."""
        row = self.row(event.event_type)
        if row is None:
            return None
        return await row.handle(context, row.payload.model_validate(event.payload), event)

    def handler(self, context: Context) -> Handler:
        """The bus handler for this group, bound to the service's context (store, read model, ...)."""

        async def handle(event: EventEnvelope) -> None:
            await self.dispatch(context, event)

        return handle
