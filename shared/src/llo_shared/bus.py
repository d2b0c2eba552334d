"""The event bus port, and the delivery rules both adapters share.

Delivery rules (DESIGN.md): a handler failure is retried with backoff; after the
last attempt the message goes to `<topic>.dlq` with the error in its headers and
the consumer goes on. A message that is not a valid envelope is poison and goes
to the DLQ at once. Offsets are committed only after this function returns.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from llo_shared.context import current_traceparent, set_correlation_id, set_traceparent
from llo_shared.envelope import EventEnvelope
from llo_shared.metrics import DLQ_MESSAGES, EVENTS_HANDLED

log = logging.getLogger(__name__)

Handler = Callable[[EventEnvelope], Awaitable[None]]
BatchHandler = Callable[[list[EventEnvelope]], Awaitable[None]]

DLQ_SUFFIX = ".dlq"
# Headers a dead letter carries; `llo dlq replay` strips them again.
H_ERROR = "x-error"
H_ERROR_TYPE = "x-error-type"
H_ORIGINAL_TOPIC = "x-original-topic"
H_ORIGINAL_PARTITION = "x-original-partition"
H_ORIGINAL_OFFSET = "x-original-offset"
H_GROUP = "x-consumer-group"
H_ATTEMPTS = "x-attempts"
H_FAILED_AT = "x-failed-at"
H_CORRELATION = "correlation_id"
H_TRACEPARENT = "traceparent"
DLQ_HEADERS = (
    H_ERROR,
    H_ERROR_TYPE,
    H_ORIGINAL_TOPIC,
    H_ORIGINAL_PARTITION,
    H_ORIGINAL_OFFSET,
    H_GROUP,
    H_ATTEMPTS,
    H_FAILED_AT,
)


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    initial_backoff_s: float = 0.05
    max_backoff_s: float = 2.0

    def backoff(self, attempt: int) -> float:
        return min(self.max_backoff_s, self.initial_backoff_s * (2 ** (attempt - 1)))


@dataclass(frozen=True)
class Message:
    """A record as it sits on a topic, the same for both adapters."""

    topic: str
    key: str
    value: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    partition: int = 0
    offset: int = -1


@dataclass(frozen=True)
class Subscription:
    group: str
    topics: tuple[str, ...]
    handler: Handler
    retry: RetryPolicy = RetryPolicy()
    # Optional: takes a partition's run of events at once, in order, for consumers whose
    # store round trips dominate. When the batch fails after the retries, its events go
    # through `handler` one by one, so a poison event still ends in the DLQ on its own.
    batch_handler: BatchHandler | None = None


@dataclass(frozen=True)
class DeadLetter:
    message: Message

    @property
    def error(self) -> str:
        return self.message.headers.get(H_ERROR, "")

    @property
    def original_topic(self) -> str:
        return self.message.headers.get(H_ORIGINAL_TOPIC, self.message.topic.removesuffix(DLQ_SUFFIX))


class EventBus(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> bool: ...
    async def publish(self, messages: list[Message]) -> None:
        """Return once every message is acknowledged (acks=all on Kafka)."""
        ...

    def subscribe(self, subscription: Subscription) -> None: ...
    async def dead_letters(self, topic: str | None = None) -> list[DeadLetter]: ...
    async def replay_dead_letters(self, topic: str | None = None) -> int: ...


def envelope_message(topic: str, envelope: EventEnvelope) -> Message:
    headers = {H_CORRELATION: envelope.correlation_id}
    if traceparent := current_traceparent():
        headers[H_TRACEPARENT] = traceparent
    return Message(topic=topic, key=envelope.aggregate_id, value=envelope.to_bytes(), headers=headers)


def error_text(error: BaseException) -> str:
    """What went wrong, for a dead letter's header and the log. A validation error is named by its
    fields and error types only: pydantic's own text repeats the refused values, and those may be a
    person's data (a name, an address) that must never travel in plain text or reach a log."""
    if isinstance(error, ValidationError):
        where = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(root)'}: {e['type']}"
            for e in error.errors(include_url=False, include_input=False)
        )
        return f"ValidationError for {error.title}: {where}"[:2000]
    return "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]


def dead_letter_of(message: Message, group: str, error: BaseException, attempts: int) -> Message:
    headers = dict(message.headers) | {
        H_ERROR: error_text(error),
        H_ERROR_TYPE: type(error).__name__,
        H_ORIGINAL_TOPIC: message.topic,
        H_ORIGINAL_PARTITION: str(message.partition),
        H_ORIGINAL_OFFSET: str(message.offset),
        H_GROUP: group,
        H_ATTEMPTS: str(attempts),
        H_FAILED_AT: datetime.now(UTC).isoformat(),
    }
    return Message(topic=dlq_topic(message.topic), key=message.key, value=message.value, headers=headers)


def replayed(dead: Message) -> Message:
    headers = {k: v for k, v in dead.headers.items() if k not in DLQ_HEADERS}
    original = dead.headers.get(H_ORIGINAL_TOPIC, dead.topic.removesuffix(DLQ_SUFFIX))
    return Message(topic=original, key=dead.key, value=dead.value, headers=headers)


async def deliver(
    message: Message,
    subscription: Subscription,
    send_dead_letter: Callable[[Message], Awaitable[None]],
) -> str:
    """Hand one message to the subscription's handler; return the outcome label."""
    group = subscription.group
    try:
        envelope = EventEnvelope.from_bytes(message.value)
    except ValidationError as error:
        await send_dead_letter(dead_letter_of(message, group, error, attempts=0))
        return _count(subscription, message, "poison")
    set_correlation_id(envelope.correlation_id)
    set_traceparent(message.headers.get(H_TRACEPARENT))
    policy = subscription.retry
    for attempt in range(1, policy.attempts + 1):
        try:
            await subscription.handler(envelope)
            return _count(subscription, message, "handled")
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the handler's failure is data here, not a crash
            if attempt == policy.attempts:
                log.warning(
                    "event dead-lettered",
                    extra={
                        "group": group,
                        "topic": message.topic,
                        "event_id": str(envelope.event_id),
                        "event_type": envelope.event_type,
                        "error": error_text(error),
                    },
                )
                await send_dead_letter(dead_letter_of(message, group, error, attempts=attempt))
                return _count(subscription, message, "dead_lettered")
            await asyncio.sleep(policy.backoff(attempt))
    raise AssertionError("unreachable")


async def deliver_batch(
    messages: list[Message],
    subscription: Subscription,
    send_dead_letter: Callable[[Message], Awaitable[None]],
) -> None:
    """Hand a partition's messages, in order, to the batch handler (or one by one to `handler`)."""
    if subscription.batch_handler is None or len(messages) < 2:
        for message in messages:
            await deliver(message, subscription, send_dead_letter)
        return
    valid: list[tuple[Message, EventEnvelope]] = []
    for message in messages:
        try:
            valid.append((message, EventEnvelope.from_bytes(message.value)))
        except ValidationError as error:
            await send_dead_letter(dead_letter_of(message, subscription.group, error, attempts=0))
            _count(subscription, message, "poison")
    if await _try_batch(subscription, [envelope for _, envelope in valid]):
        for message, _ in valid:
            _count(subscription, message, "handled")
        return
    for message, _ in valid:  # find the event that breaks the batch, and handle the others
        await deliver(message, subscription, send_dead_letter)


async def _try_batch(subscription: Subscription, envelopes: list[EventEnvelope]) -> bool:
    assert subscription.batch_handler is not None
    policy = subscription.retry
    for attempt in range(1, policy.attempts + 1):
        try:
            await subscription.batch_handler(envelopes)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as error:  # handled below: retry, then event by event
            log.warning(
                "event batch failed",
                extra={"group": subscription.group, "events": len(envelopes), "error": error_text(error)},
            )
            if attempt < policy.attempts:
                await asyncio.sleep(policy.backoff(attempt))
    return False


def _count(subscription: Subscription, message: Message, outcome: str) -> str:
    _handled_counter(subscription.group, message.topic, outcome).inc()
    if outcome in ("poison", "dead_lettered"):
        DLQ_MESSAGES.labels(topic=message.topic).inc()
    return outcome


@functools.lru_cache(maxsize=4096)
def _handled_counter(group: str, topic: str, outcome: str) -> Any:
    """The labelled child, looked up once: `labels()` on every message costs more than the handler."""
    return EVENTS_HANDLED.labels(group=group, topic=topic, outcome=outcome)
