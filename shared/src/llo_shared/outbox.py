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
hands over its events as written; an update that took effect hands over the document's outbox as it
was just before (read in the write's own round trip, `mongo.want_before`) with the entries the update
set, so the relay publishes what the document holds after the write without reading it back: every
entry not yet published, earlier ones first (one aggregate's events leave in the order they were
written, also when another process wrote the earlier ones). An update whose effect is unknown (an
error) names its document, which the relay reads by `_id`. A periodic sweep finds what no write
named here (another process, a crash): it reads the small `outbox_stamps` collection, which the
database writes before each write that appends events (`mongo.add_pre_write_hook`: one insert of
one stamp record per write, naming every document the write stamps, so a run of 500 inserted
documents costs one small insert, not 500 upserts; a stamp whose write then fails is harmless,
stamps behind the sweep's cursor are pruned), and reads the documents it names by `_id`. A full
sweep over the aggregates' own `outbox_pending` stamps (a scan on FerretDB) runs only at a relay's
start, after a write that named no single document, and every `full_sweep_interval_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import BulkWriteError

from llo_shared.bus import EventBus, Message, envelope_message
from llo_shared.envelope import EventEnvelope
from llo_shared.metrics import OUTBOX_BACKLOG, OUTBOX_RELAYED
from llo_shared.mongo import Before, IndexSpec, add_pre_write_hook, ensure_indexes, want_before

log = logging.getLogger(__name__)

OUTBOX = "outbox"
PENDING = "outbox_pending"  # stamp of the latest entries appended (an int, ns since the epoch)
LEDGER = "outbox_published"  # the relay's own collection: _id = event id, insert-only
RELAY_STATE = "outbox_relay"  # the relay's own collection: how far the sweep has come
# Small insert-only records, one per write that appends events ({collection, stamp: the latest,
# docs: [{doc: <_id>, stamp}, ...]}), stored before that write: what the periodic sweep reads instead
# of the aggregates. (Records of earlier versions, one per aggregate, {collection, doc, stamp}, are
# read too.)
STAMPS = "outbox_stamps"
DOCS_PER_STAMP = 5_000  # a record's size stays far below the 16 MB a document may hold
DUPLICATE_KEY = 11000

# A sweep reads every document stamped since the previous sweep began, less this margin: room for
# a write stamped before that moment but applied after it (a slow store, a clock a bit behind).
SWEEP_MARGIN_NS = 30 * 10**9
DEFAULT_SWEEP_INTERVAL_S = 30.0
# The full sweep (every aggregate stamped since, a scan on FerretDB) runs at a relay's start, when
# a write named no single document, and this often: it finds what no stamp names (a write through
# a client without the stamp hook, a stamp record deleted).
DEFAULT_FULL_SWEEP_INTERVAL_S = 900.0
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


def _stamp_of(payload: Mapping[str, Any]) -> int | None:
    changes = payload.get("$set")
    stamp = changes.get(PENDING) if isinstance(changes, Mapping) else payload.get(PENDING)
    return stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None


async def _stamp_before_write(
    db: Any, collection: str, ids: list[Any], payloads: list[Mapping[str, Any]]
) -> None:
    """Before a write that appends events: record which documents it stamps (so the sweep finds
    them if no relay hears of the write), in one record per write (an insert, never an upsert).
    A stamp whose write then fails is harmless."""
    stamped = [
        {"doc": document_id, "stamp": stamp}
        for document_id, stamp in zip(ids, map(_stamp_of, payloads), strict=False)
        if stamp is not None
    ]
    records = [
        {
            "collection": collection,
            "stamp": max(s["stamp"] for s in part),
            "docs": part,
        }
        for part in (stamped[i : i + DOCS_PER_STAMP] for i in range(0, len(stamped), DOCS_PER_STAMP))
    ]
    if records:  # one round trip also for a run of inserted documents, or for concurrent writes
        await _stamp_batcher(db).stamp(records)


class _StampBatcher:
    """Group commit of one database's stamp records: a write's records join the next batch, one
    batch is in flight at a time, and a write waits until the batch holding its records is stored
    (so its stamp exists before it). Writes that come while a batch is stored share one round trip."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self.loop = asyncio.get_running_loop()
        self._queued: list[dict[str, Any]] = []
        self._next: asyncio.Future[None] | None = None
        self._flushing: asyncio.Task[None] | None = None

    async def stamp(self, records: list[dict[str, Any]]) -> None:
        self._queued.extend(records)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        stored = self._next
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await asyncio.shield(stored)  # a cancelled writer leaves the batch to the others

    async def _flush(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            stored, self._next = self._next, None
            assert stored is not None
            try:
                await self._db[STAMPS].insert_many(batch, ordered=False)
            except Exception as error:  # every write of the batch fails, as its own stamp would
                stored.set_exception(error)
            else:
                stored.set_result(None)


_batchers: weakref.WeakKeyDictionary[Any, _StampBatcher] = weakref.WeakKeyDictionary()


def _stamp_batcher(db: Any) -> _StampBatcher:
    found = _batchers.get(db)
    if found is None or found._db is not db or found.loop is not asyncio.get_running_loop():
        found = _batchers[db] = _StampBatcher(db)
    return found


add_pre_write_hook(_stamp_before_write)


def _after_update(before: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any] | None:
    """The outbox a document holds after `update`, from its outbox just before (the write's own
    read, `mongo.Before`) and the entries the update set or unset; None when the update changes the
    outbox some other way (the relay then reads the document)."""
    held = before.get(OUTBOX) or {}
    touched = [k for op, fields in update.items() if op not in ("$set", "$unset") for k in fields]
    if not isinstance(held, Mapping) or any(k == OUTBOX or k.startswith(f"{OUTBOX}.") for k in touched):
        return None
    outbox, changes = dict(held), update.get("$set") or {}
    if OUTBOX in changes or OUTBOX in (update.get("$unset") or {}):
        return None
    for name in update.get("$unset") or {}:
        if name.startswith(f"{OUTBOX}."):
            outbox.pop(name.removeprefix(f"{OUTBOX}."), None)
    for name, entry in changes.items():
        if name.startswith(f"{OUTBOX}."):
            outbox[name.removeprefix(f"{OUTBOX}.")] = entry
    return {"_id": before.get("_id"), OUTBOX: outbox, PENDING: changes.get(PENDING, before.get(PENDING))}


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


# The relay wants each update's outbox as it was just before (so it needs no read after the write).
want_before(Before({"_id": 1, OUTBOX: 1, PENDING: 1}, carries_events))


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
        full_sweep_interval_s: float = DEFAULT_FULL_SWEEP_INTERVAL_S,
    ) -> None:
        self._db = db
        self._collections = list(collections)
        self._bus = bus
        self._service = service
        self._poll = poll_interval_s
        self._batch = batch_size
        self._sweep_every = DEFAULT_SWEEP_INTERVAL_S if sweep_interval_s is None else sweep_interval_s
        self._full_every = full_sweep_interval_s
        self._sweep_requested = True
        self._full_requested = True  # the first sweep reads the aggregates themselves
        self._last_sweep = self._last_full = float("-inf")
        self._hints: dict[str, set[Any]] = defaultdict(set)
        self._known: dict[str, dict[Any, dict[str, Any]]] = defaultdict(dict)
        self._wake = asyncio.Event()
        self._listening = False  # the database tells this relay of every write (start())
        self._task: asyncio.Task[None] | None = None
        self._pass_lock = asyncio.Lock()
        self._published = _RecentIds()
        self._seen = _Stamped()
        # Entries stamped after this moment cannot have been published by an earlier relay
        # (the stamp is taken before the write, the write before any relay can read it).
        self._started = time.time_ns()
        self._since: dict[str, int] = {}  # where the next sweep of each collection starts
        self._full_since: dict[str, int] = {}  # where the next full sweep starts
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
        self,
        collection: str,
        ids: list[Any] | None,
        payloads: list[Mapping[str, Any]],
        stored: bool,
        before: Mapping[str, Any] | None = None,
    ) -> None:
        if collection not in self._collections or not any(carries_events(p) for p in payloads):
            return
        after = (
            _after_update(before, payloads[0]) if before is not None and ids and len(payloads) == 1 else None
        )
        if ids is None:  # the write named no single document (and wrote no stamp): a full sweep
            self._sweep_requested = self._full_requested = True
        elif stored:  # inserted as sent: the relay needs no read to know what the outbox holds
            for document in payloads:
                if document.get("_id") is not None:
                    self._know(
                        collection,
                        {key: document[key] for key in ("_id", OUTBOX, PENDING) if key in document},
                    )
        elif after is not None:  # updated: its outbox before plus what the update changed
            self._know(collection, after | {"_id": ids[0]})
        else:
            self._hints[collection].update(i for i in ids if i is not None)
        self._wake.set()

    def _know(self, collection: str, document: dict[str, Any]) -> None:
        """What a write tells the outbox holds, for the next named pass. Two writes of one document
        before that pass: both outboxes together (the notices may come in another order than the
        writes, so the later notice need not hold the earlier write's entries), the later stamp."""
        known = self._known[collection]
        earlier = known.get(document["_id"])
        if earlier is not None and isinstance(earlier.get(OUTBOX), Mapping):
            stamps = [
                s
                for s in (earlier.get(PENDING), document.get(PENDING))
                if type(s) is int  # not held
            ]
            document = document | {
                OUTBOX: {**earlier[OUTBOX], **(document.get(OUTBOX) or {})},
                PENDING: max(stamps) if stamps else document.get(PENDING),
            }
        known[document["_id"]] = document

    async def start(self) -> None:
        await ensure_indexes(self._db, [IndexSpec(STAMPS, [("collection", 1), ("stamp", 1)], name="stamps")])
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
        """The documents writes named: what inserts and updates told (`_know`), the others read by
        `_id`."""
        hints, self._hints = self._hints, defaultdict(set)
        inserted, self._known = self._known, defaultdict(dict)
        total = 0
        try:
            for name in sorted(hints.keys() | inserted.keys()):
                collection, ids = self._db[name], hints.get(name, set())
                documents = [d for i, d in inserted.get(name, {}).items() if i not in ids]
                for document_id in ids:  # what a write did not tell: read what it holds now
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
        now = asyncio.get_running_loop().time()
        full = self._full_requested or now - self._last_full >= self._full_every
        self._sweep_requested = self._full_requested = False
        self._last_sweep = now
        if full:
            self._last_full = now
        total = 0
        for name in self._collections:
            total += await self._sweep_collection(name, full)
        self.stats.passes += 1
        return total

    async def _sweep_collection(self, name: str, full: bool = True) -> int:
        """Every document stamped since the previous sweep began (less the margin): one query for
        their stamps only, then a read by `_id` of those stamped later than what this relay last
        saw of them. The stamps come from the small stamps collection, or in a full sweep from the
        aggregates themselves (on FerretDB a scan of the collection: hence its long interval)."""
        began = time.time_ns()
        total = 0 if name in self._since else await self._load_since(name)
        since = self._full_since[name] if full else self._since[name]
        collection, due = self._db[name], dict[Any, None]()  # once each, in the order stamped
        queued = self._known[name].keys() | self._hints[name]  # the next named pass has them
        async for document_id, stamp in self._stamped_since(name, since, full):
            if document_id in queued:
                continue
            if stamp > self._seen.get((name, document_id), 0):
                due[document_id] = None
        ids = list(due)
        for start in range(0, len(ids), self._batch):
            documents = []
            for document_id in ids[start : start + self._batch]:
                found = await collection.find_one({"_id": document_id}, {OUTBOX: 1, PENDING: 1})
                if found is not None and found.get(OUTBOX) and not _held(found):
                    documents.append(found)
            total += await self._publish(name, documents)
        OUTBOX_BACKLOG.labels(self._service, name).set(total)
        await self._save_since(name, began - SWEEP_MARGIN_NS, full)
        # Stamps below the cursor are read by no sweep again (a full sweep reads the aggregates).
        await self._db[STAMPS].delete_many({"collection": name, "stamp": {"$lt": self._since[name]}})
        return total

    async def _stamped_since(self, name: str, since: int, full: bool) -> AsyncIterator[tuple[Any, int]]:
        if full:
            found = self._db[name].find({PENDING: {"$gte": since}}, {PENDING: 1})
            async for stamped in found.batch_size(STAMPS_PER_BATCH):
                yield stamped["_id"], stamped[PENDING]
        else:
            recent = {"collection": name, "stamp": {"$gte": since}}
            found = self._db[STAMPS].find(recent, {"doc": 1, "stamp": 1, "docs": 1})
            async for record in found.batch_size(STAMPS_PER_BATCH):
                for stamped in record.get("docs") or [record]:
                    yield stamped["doc"], stamped["stamp"]

    async def _load_since(self, name: str) -> int:
        """Where the sweep of `name` starts; before this relay's first sweep of it ever, upgrade
        the outboxes stored as lists (returns how many events that published)."""
        state = await self._db[RELAY_STATE].find_one({"_id": f"{self._service}|{name}"})
        self._since[name] = int(state["since"]) if state else 0
        self._full_since[name] = int(state.get("full_since", self._since[name])) if state else 0
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

    async def _save_since(self, name: str, since: int, full: bool) -> None:
        """Both cursors after a full sweep; after a sweep of the stamps only its own (a full sweep
        must cover what every stamp sweep since the previous full one may have missed)."""
        cursors = {"since": self._since}
        if full:
            cursors["full_since"] = self._full_since
        moved = {field: since for field, cursor in cursors.items() if since > cursor.get(name, 0)}
        if not moved:
            return
        for field in moved:
            cursors[field][name] = since
        await self._db[RELAY_STATE].update_one(
            {"_id": f"{self._service}|{name}"}, {"$set": moved}, upsert=True
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
