"""The one envelope every event travels in (DESIGN.md, "Event backbone")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llo_shared.context import current_correlation_id


def utcnow() -> datetime:
    return datetime.now(UTC)


class EventEnvelope(BaseModel):
    """Consumers parse tolerantly: unknown envelope fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str = Field(min_length=1, max_length=100)
    event_version: int = Field(default=1, ge=1)
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str = Field(min_length=1, max_length=50)
    aggregate_id: str = Field(min_length=1, max_length=200)
    correlation_id: str = Field(default_factory=lambda: current_correlation_id() or str(uuid.uuid4()))
    payload: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> EventEnvelope:
        return cls.model_validate_json(raw)


class TolerantModel(BaseModel):
    """Base for a consumer's view of another service's payload: it reads the fields it needs and
    ignores the rest, so producers can add fields within a version (explicit, though pydantic's
    default agrees)."""

    model_config = ConfigDict(extra="ignore")


class EventPayload(BaseModel):
    """Base for the payload models a producer owns.

    Producers build payloads strictly; consumers read them with `parse_payload`,
    which ignores fields they do not know (additive change stays in v1).
    """

    model_config = ConfigDict(extra="ignore")

    event_type: str  # overridden with a Literal in each concrete event

    def envelope(self, *, producer: str, aggregate_id: str, event_version: int = 1) -> EventEnvelope:
        return EventEnvelope(
            event_type=self.event_type,
            event_version=event_version,
            producer=producer,
            aggregate_id=aggregate_id,
            payload=self.model_dump(mode="json", exclude={"event_type"}),
        )

    @classmethod
    def from_envelope(cls, envelope: EventEnvelope) -> EventPayload:
        return cls.model_validate({**envelope.payload, "event_type": envelope.event_type})
