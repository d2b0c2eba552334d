"""Transactional outbox without multi-document transactions, and a relay that never writes it.

The events a state change causes are stored inside the aggregate's own document, in the same
single-document write as the change (`with_events` / `new_document`): `outbox.<event_id>` holds
the entry, `outbox_pending` the stamp of the latest entries (the sweep's cursor).

The relay only reads aggregates. It publishes the entries it has not published before and then
records each event id in its own ledger (`outbox_published`, one insert per event, never an
update). A crash between publish and ledger republishes exactly the unrecorded entries, which the
consumers' inbox drops. Entries leave the aggregate with its next write: `with_events` adds an
`$unset` of the entries this process's relay has published for that aggregate. So no request waits
for a relay, and no relay write can overwrite a service's write, on a store that isolates updates
or (FerretDB 1.24) one that does not.

The relay learns of writes from the database itself (`mongo.ObservedDatabase`): an accepted insert
hands over its events as written, an update names its document, which the relay reads by `_id`
(so one aggregate's events leave in the order they were written, also when several processes write
it). A periodic sweep over recent `outbox_pending` stamps finds what no write named here (another
process, a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import BulkWriteError

from llo_shared.bus import EventBus, Message, envelope_message
from llo_shared.envelope import EventEnvelope
from llo_shared.metrics import OUTBOX_BACKLOG, OUTBOX_RELAYED
from llo_shared.mongo import IndexSpec

log = logging.getLogger(__name__)

OUTBOX = "outbox"
PENDING = "outbox_pending"  # stamp of the latest entries appended (an int, ns since the epoch)
LEDGER = "outbox_published"  # the relay's own collection: _id = event id, insert-only
RELAY_STATE = "outbox_relay"  # the relay's own collection: how far the sweep has come
DUPLICATE_KEY = 11000

# A sweep reads every document stamped since the previous sweep began, less this margin: room for
# a write stamped before that moment but applied after it (a slow store, a clock a bit behind).
SWEEP_MARGIN_NS = 30 * 10**9
DEFAULT_SWEEP_INTERVAL_S = 30.0
STAMPS_PER_BATCH = 10_000  # small documents ({_id, stamp}); fewer getMore round trips


class _Stamps:
    """Nanoseconds since the epoch, strictly increasing within the process: orders entries."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(time.time_ns(), self._last + 1)
        return self._last


_stamps = _Stamps()


class _Prunable:
    """Entries this process's relay published (and recorded), by aggregate key, for the aggregate's
    next write to remove. Bounded: what falls out stays in its document, skipped by the relay."""

    def __init__(self, limit: int = 100_000) -> None:
        self._by_key: OrderedDict[str, set[str]] = OrderedDict()
        self._limit = limit

    def offer(self, key: str, event_id: str) -> None:
        self._by_key.setdefault(key, set()).add(event_id)
        self._by_key.move_to_end(key)
        while len(self._by_key) > self._limit:
            self._by_key.popitem(last=False)

    def take(self, keys: Iterable[str]) -> list[str]:
        return sorted(itertools.chain.from_iterable(self._by_key.pop(k, set()) for k in keys))


_prunable = _Prunable()


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
                "stamp": _stamps.next(),
            }
        )
    return entries


def with_events(update: dict[str, Any], topic: str, events: list[EventEnvelope]) -> dict[str, Any]:
    """Extend a Mongo update document so that it also appends `events` to the outbox, and removes
    the entries of the same aggregate that the relay has published meanwhile."""
    if not events:
        return update
    merged = {op: dict(fields) for op, fields in update.items()}
    entries = outbox_entries(topic, events)
    changes = merged.setdefault("$set", {})
    for entry in entries:
        changes[f"{OUTBOX}.{entry['event_id']}"] = entry
    changes[PENDING] = entries[-1]["stamp"]
    published = _prunable.take({entry["key"] for entry in entries})
    if published:
        merged.setdefault("$unset", {}).update({f"{OUTBOX}.{event_id}": "" for event_id in published})
    return merged


def new_document(document: dict[str, Any], topic: str, events: list[EventEnvelope]) -> dict[str, Any]:
    """A document to insert, carrying the events its creation causes."""
    entries = outbox_entries(topic, events)
    stamp = {PENDING: entries[-1]["stamp"]} if entries else {}
    return document | {OUTBOX: {entry["event_id"]: entry for entry in entries}} | stamp


def release_outbox() -> dict[str, Any]:
    """`$set` fields that let the relay publish an outbox held back so far (`{PENDING: False}`,
    say a staged import): a fresh stamp, so the next sweep finds the documents."""
    return {PENDING: _stamps.next()}


def _held(document: Mapping[str, Any]) -> bool:
    return isinstance(document.get(PENDING), bool)  # False: held back by its writer


def events_in_outbox(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The outbox entries a document holds, in the order they were written."""
    held = document.get(OUTBOX) or {}
    entries = list(held.values()) if isinstance(held, Mapping) else list(held)
    return sorted(entries, key=lambda entry: entry.get("stamp", 0))


def carries_events(payload: Mapping[str, Any]) -> bool:
    """Whether a document or update document (as written) appends outbox entries."""
    if payload.get(OUTBOX):
        return True
    changes = payload.get("$set")
    return isinstance(changes, Mapping) and PENDING in changes


def outbox_index(collection: str) -> IndexSpec:
    return IndexSpec(collection, [(PENDING, 1)], name="outbox_pending")


def strip_outbox(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in (OUTBOX, PENDING)}


@dataclass
class RelayStats:
    published: int = 0
    passes: int = 0


class _RecentIds:
    """Event ids this relay published, the newest `limit`. `complete` while none fell out."""

    def __init__(self, limit: int = 200_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._limit = limit
        self.complete = True

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._ids

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        if len(self._ids) > self._limit:
            self._ids.popitem(last=False)
            self.complete = False


class _Stamped:
    """The latest `outbox_pending` stamp this relay published everything up to, per document."""

    def __init__(self, limit: int = 200_000) -> None:
        self._stamps: OrderedDict[tuple[str, Any], int] = OrderedDict()
        self._limit = limit

    def get(self, key: tuple[str, Any], default: int) -> int:
        return self._stamps.get(key, default)

    def see(self, key: tuple[str, Any], stamp: Any) -> None:
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            return
        self._stamps[key] = max(stamp, self._stamps.get(key, 0))
        self._stamps.move_to_end(key)
        if len(self._stamps) > self._limit:
            self._stamps.popitem(last=False)


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
        self._sweep_every = DEFAULT_SWEEP_INTERVAL_S if sweep_interval_s is None else sweep_interval_s
        self._sweep_requested = True
        self._last_sweep = float("-inf")
        self._hints: dict[str, set[Any]] = defaultdict(set)
        self._inserted: dict[str, dict[Any, dict[str, Any]]] = defaultdict(dict)
        self._wake = asyncio.Event()
        self._listening = False  # the database tells this relay of every write (start())
        self._task: asyncio.Task[None] | None = None
        self._pass_lock = asyncio.Lock()
        self._published = _RecentIds()
        self._seen = _Stamped()
        # Entries stamped after this moment cannot have been published by an earlier relay
        # (the stamp is taken before the write, the write before any relay can read it).
        self._started = time.time_ns()
        self._since: dict[str, int] = {}
        self.stats = RelayStats()

    # waking ------------------------------------------------------------------------
    def wake(self, collection: str | None = None, ids: Iterable[Any] = ()) -> None:
        """Relay at once. Writes through `mongo.connect`/`MemoryDatabase` name their documents
        themselves (while the relay runs), so callers need not pass anything; `collection` and
        `ids` name documents written some other way (they are read by `_id`)."""
        if collection is not None and not self._listening:
            self._hints[collection].update(ids)
        self._wake.set()

    def _observe(
        self, collection: str, ids: list[Any] | None, payloads: list[Mapping[str, Any]], stored: bool
    ) -> None:
        if collection not in self._collections or not any(carries_events(p) for p in payloads):
            return
        if ids is None:  # the write named no single document: look for it by the stamps
            self._sweep_requested = True
        elif stored:  # inserted as sent: the relay needs no read to know what the outbox holds
            for document in payloads:
                if document.get("_id") is not None:
                    self._inserted[collection][document["_id"]] = {
                        key: document[key] for key in ("_id", OUTBOX, PENDING) if key in document
                    }
        else:
            self._hints[collection].update(i for i in ids if i is not None)
        self._wake.set()

    async def start(self) -> None:
        if hasattr(self._db, "add_write_listener"):
            self._db.add_write_listener(self._observe)
            self._listening = True
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if hasattr(self._db, "remove_write_listener"):
            self._db.remove_write_listener(self._observe)
            self._listening = False
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
        async with self._pass_lock:
            moved = await self._relay_named()
            due = asyncio.get_running_loop().time() - self._last_sweep >= self._sweep_every
            if self._sweep_requested or due:
                moved += await self._sweep()
            return moved

    # passes ------------------------------------------------------------------------
    async def _relay_named(self) -> int:
        """The documents writes named: inserts as they were sent, the others read by `_id`."""
        hints, self._hints = self._hints, defaultdict(set)
        inserted, self._inserted = self._inserted, defaultdict(dict)
        total = 0
        try:
            for name in sorted(hints.keys() | inserted.keys()):
                collection, ids = self._db[name], hints.get(name, set())
                documents = [d for i, d in inserted.get(name, {}).items() if i not in ids]
                for document_id in ids:  # written again since its insert: read what it holds now
                    found = await collection.find_one({"_id": document_id}, {OUTBOX: 1, PENDING: 1})
                    if found is not None:
                        documents.append(found)
                total += await self._publish(name, [d for d in documents if d.get(OUTBOX) and not _held(d)])
        except BaseException:
            for name in hints.keys() | inserted.keys():  # read them again next pass
                self._hints[name].update(hints.get(name, set()), inserted.get(name, {}))
            raise
        return total

    async def relay_once(self) -> int:
        """One sweep over every collection; returns how many events were published."""
        async with self._pass_lock:
            return await self._sweep()

    async def _sweep(self) -> int:
        self._sweep_requested = False
        self._last_sweep = asyncio.get_running_loop().time()
        total = 0
        for name in self._collections:
            total += await self._sweep_collection(name)
        self.stats.passes += 1
        return total

    async def _sweep_collection(self, name: str) -> int:
        """Every document stamped since the previous sweep began (less the margin): one query for
        their stamps only, then a read by `_id` of those stamped later than what this relay last
        saw of them. On FerretDB the query is a scan of the collection: hence the long sweep
        interval, and writes named by the database for the hot path."""
        began = time.time_ns()
        total = 0 if name in self._since else await self._load_since(name)
        collection, since, due = self._db[name], self._since[name], []
        stamps = collection.find({PENDING: {"$gte": since}}, {PENDING: 1}).batch_size(STAMPS_PER_BATCH)
        queued = self._inserted[name].keys() | self._hints[name]  # the next named pass has them
        async for stamped in stamps:
            if stamped["_id"] in queued:
                continue
            if stamped[PENDING] > self._seen.get((name, stamped["_id"]), 0):
                due.append(stamped["_id"])
        for start in range(0, len(due), self._batch):
            documents = []
            for document_id in due[start : start + self._batch]:
                found = await collection.find_one({"_id": document_id}, {OUTBOX: 1, PENDING: 1})
                if found is not None and found.get(OUTBOX) and not _held(found):
                    documents.append(found)
            total += await self._publish(name, documents)
        OUTBOX_BACKLOG.labels(self._service, name).set(total)
        await self._save_since(name, began - SWEEP_MARGIN_NS)
        return total

    async def _load_since(self, name: str) -> int:
        """Where the sweep of `name` starts; before this relay's first sweep of it ever, upgrade
        the outboxes stored as lists (returns how many events that published)."""
        state = await self._db[RELAY_STATE].find_one({"_id": f"{self._service}|{name}"})
        self._since[name] = int(state["since"]) if state else 0
        return 0 if state else await self._upgrade_list_outboxes(name)

    async def _upgrade_list_outboxes(self, name: str) -> int:
        """Documents stored before the outbox was keyed by event id hold a list, with a boolean
        `outbox_pending` (False: cleared, or held back if entries are left): publish what they
        still hold unless held, then give them the keyed shape (a held outbox keeps its entries
        and stays held). Each update names the list it replaces, so a write between is kept."""
        collection, published = self._db[name], 0
        legacy = {OUTBOX: {"$type": "array"}}
        for document in await collection.find(legacy, {OUTBOX: 1, PENDING: 1}).to_list(None):
            entries = document[OUTBOX]
            held = bool(entries) and document.get(PENDING) is False
            if entries and not held:
                published += await self._publish(name, [document | {PENDING: 0}])
            upgraded = {OUTBOX: {e["event_id"]: e for e in entries}} if held else {OUTBOX: {}, PENDING: 0}
            await collection.update_one({"_id": document["_id"], OUTBOX: entries}, {"$set": upgraded})
        return published

    async def _save_since(self, name: str, since: int) -> None:
        if since <= self._since.get(name, 0):
            return
        self._since[name] = since
        await self._db[RELAY_STATE].update_one(
            {"_id": f"{self._service}|{name}"}, {"$set": {"since": since}}, upsert=True
        )

    # publishing --------------------------------------------------------------------
    async def _publish(self, collection: str, documents: list[dict[str, Any]]) -> int:
        """Publish the entries not published before, in each document's order, then record them."""
        unpublished: dict[str, dict[str, Any]] = {}
        for document in documents:
            for entry in events_in_outbox(document):
                if await self._was_published(entry):
                    _prunable.offer(entry["key"], entry["event_id"])
                else:
                    unpublished.setdefault(entry["event_id"], entry)
        entries = list(unpublished.values())
        if entries:
            await self._bus.publish([_message(entry) for entry in entries])
            await self._record(list(unpublished))
        for entry in entries:
            self._published.add(entry["event_id"])
            _prunable.offer(entry["key"], entry["event_id"])
        for document in documents:  # all of what they held is out: the sweep can pass them by
            self._seen.see((collection, document["_id"]), document.get(PENDING))
        self.stats.published += len(entries)
        OUTBOX_RELAYED.labels(self._service).inc(len(entries))
        return len(entries)

    async def _was_published(self, entry: Mapping[str, Any]) -> bool:
        event_id = entry["event_id"]
        if event_id in self._published:
            return True
        if self._published.complete and entry.get("stamp", 0) > self._started:
            return False  # written since this relay began, and this relay has not published it
        return await self._db[LEDGER].find_one({"_id": event_id}) is not None

    async def _record(self, event_ids: list[str]) -> None:
        """Insert-only bookkeeping; an id already there (another relay, a retry) is fine."""
        at = datetime.now(UTC)
        try:
            await self._db[LEDGER].insert_many([{"_id": e, "at": at} for e in event_ids], ordered=False)
        except BulkWriteError as error:
            if any(w.get("code") != DUPLICATE_KEY for w in error.details.get("writeErrors", [])):
                raise

    def has_published(self, event_id: str) -> bool:
        """Whether this relay published (and recorded) the event (tests, benchmarks)."""
        return event_id in self._published

    async def unpublished(self) -> int:
        """How many entries the collections hold that no relay has recorded (tests, tooling;
        reads every document with an outbox)."""
        count = 0
        for name in self._collections:
            documents = await self._db[name].find({PENDING: {"$gte": 0}}, {OUTBOX: 1}).to_list(None)
            for entry in (e for d in documents for e in events_in_outbox(d)):
                if await self._db[LEDGER].find_one({"_id": entry["event_id"]}) is None:
                    count += 1
        return count


def _message(entry: Mapping[str, Any]) -> Message:
    return Message(
        topic=entry["topic"],
        key=entry["key"],
        value=entry["value"].encode(),
        headers=entry.get("headers", {}),
    )
