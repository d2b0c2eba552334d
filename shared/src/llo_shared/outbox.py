"""Transactional outbox without multi-document transactions.

The events a state change causes are stored inside the aggregate's own document,
in the same single-document write as the change (`with_events` / `new_document`).
The relay publishes pending events and then pulls exactly the acknowledged entries,
so a crash between publish and clear republishes (consumers dedupe by event_id)
and never loses an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument

from llo_shared.bus import EventBus, Message, envelope_message
from llo_shared.envelope import EventEnvelope
from llo_shared.metrics import OUTBOX_BACKLOG, OUTBOX_RELAYED
from llo_shared.mongo import IndexSpec

log = logging.getLogger(__name__)

OUTBOX = "outbox"
PENDING = "outbox_pending"


def outbox_entries(topic: str, events: Iterable[EventEnvelope]) -> list[dict[str, Any]]:
    entries = []
    for event in events:
        message = envelope_message(topic, event)
        entries.append(
            {
                "event_id": str(event.event_id),
                "topic": topic,
                "key": message.key,
                "value": message.value.decode(),
                "headers": dict(message.headers),
            }
        )
    return entries


def with_events(update: dict[str, Any], topic: str, events: list[EventEnvelope]) -> dict[str, Any]:
    """Extend a Mongo update document so that it also appends `events` to the outbox."""
    if not events:
        return update
    merged = {op: dict(fields) for op, fields in update.items()}
    merged.setdefault("$push", {})[OUTBOX] = {"$each": outbox_entries(topic, events)}
    merged.setdefault("$set", {})[PENDING] = True
    return merged


def new_document(document: dict[str, Any], topic: str, events: list[EventEnvelope]) -> dict[str, Any]:
    """A document to insert, carrying the events its creation causes."""
    return document | {OUTBOX: outbox_entries(topic, events), PENDING: bool(events)}


def outbox_index(collection: str) -> IndexSpec:
    return IndexSpec(collection, [(PENDING, 1)], name="outbox_pending")


def strip_outbox(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in (OUTBOX, PENDING)}


@dataclass
class RelayStats:
    published: int = 0
    passes: int = 0


class OutboxRelay:
    """Publishes what aggregates of the given collections hold in their outbox."""

    def __init__(
        self,
        db: Any,
        collections: Iterable[str],
        bus: EventBus,
        *,
        service: str,
        poll_interval_s: float = 0.2,
        batch_size: int = 200,
        sweep_interval_s: float | None = None,
    ) -> None:
        self._db = db
        self._collections = list(collections)
        self._bus = bus
        self._service = service
        self._poll = poll_interval_s
        self._batch = batch_size
        self._sweep_every = poll_interval_s if sweep_interval_s is None else sweep_interval_s
        self._sweep_requested = True
        self._last_sweep = -math.inf
        self._hints: dict[str, set[Any]] = defaultdict(set)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stats = RelayStats()

    def wake(self, collection: str | None = None, ids: Iterable[Any] = ()) -> None:
        """Called after a write, so events leave at once instead of at the next poll.

        Given the collection and the ids of the documents written, the next pass reads just
        those, by _id. Without them it queries the collections for pending outboxes: on
        FerretDB that query is a scan of the whole collection, so a service with large
        collections names its documents and sets a longer `sweep_interval_s`; the query then
        runs only that often, for writes nobody named (another process that crashed after
        its write, a writer that called wake() without ids)."""
        if collection is None:
            self._sweep_requested = True
        else:
            self._hints[collection].update(ids)
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                moved = await self._next_pass()
            except asyncio.CancelledError:
                raise
            except Exception:  # broker or store away: keep the events, try again next pass
                log.exception("outbox relay pass failed", extra={"service": self._service})
                moved = 0
            if moved == 0:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
                # arrives together with a wake, and stop() would then hang.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll):
                        await self._wake.wait()
                self._wake.clear()

    async def _next_pass(self) -> int:
        try:
            moved = await self._relay_named()
        except BaseException:
            self._sweep_requested = True  # the names are gone: the query finds those documents
            raise
        due = asyncio.get_running_loop().time() - self._last_sweep >= self._sweep_every
        if self._sweep_requested or due:
            moved += await self.relay_once()
        return moved

    async def _relay_named(self) -> int:
        total = 0
        while self._hints:
            name, ids = self._hints.popitem()
            collection = self._db[name]
            documents = [
                document
                for document_id in ids
                if (document := await collection.find_one({"_id": document_id}, {OUTBOX: 1}))
                and document.get(OUTBOX)
            ]
            if documents:
                total += await self._publish(collection, documents)
        self.stats.published += total
        OUTBOX_RELAYED.labels(self._service).inc(total)
        return total

    async def relay_once(self) -> int:
        """One pass over every collection; returns how many events were published."""
        self._sweep_requested = False
        self._last_sweep = asyncio.get_running_loop().time()
        total = 0
        for name in self._collections:
            collection = self._db[name]
            documents = await collection.find({PENDING: True}, {OUTBOX: 1}).limit(self._batch).to_list(None)
            if documents:
                total += await self._publish(collection, documents)
            # Counting is a full scan on FerretDB: only when a full batch says more may wait.
            backlog = (
                await collection.count_documents({PENDING: True}) if len(documents) == self._batch else 0
            )
            OUTBOX_BACKLOG.labels(self._service, name).set(backlog)
        self.stats.passes += 1
        self.stats.published += total
        OUTBOX_RELAYED.labels(self._service).inc(total)
        return total

    async def _publish(self, collection: Any, documents: list[dict[str, Any]]) -> int:
        messages = [
            Message(topic=e["topic"], key=e["key"], value=e["value"].encode(), headers=e.get("headers", {}))
            for doc in documents
            for e in doc.get(OUTBOX, [])
        ]
        await self._bus.publish(messages)
        for doc in documents:
            await self._clear(collection, doc)
        return len(messages)

    async def _clear(self, collection: Any, doc: dict[str, Any]) -> None:
        """Remove exactly the published entries, never one a writer appended meanwhile.

        Filters name `_id` alone: that is the one filter FerretDB answers from an index, any
        other filter is a scan of the whole collection per write. `$pullAll` with the exact
        entries keeps an entry appended since our read; the document as it is after the write
        tells whether such an entry is there, and then the flag goes back up. (A writer that
        appends after this write raises the flag itself.) No projection: FerretDB 1.24 does not
        implement one on findAndModify."""
        after = await collection.find_one_and_update(
            {"_id": doc["_id"]},
            {"$pullAll": {OUTBOX: doc.get(OUTBOX, [])}, "$set": {PENDING: False}},
            return_document=ReturnDocument.AFTER,
        )
        if after is not None and after.get(OUTBOX):
            await collection.update_one({"_id": doc["_id"]}, {"$set": {PENDING: True}})
