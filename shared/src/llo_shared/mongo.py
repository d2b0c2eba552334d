"""MongoDB access: PyMongo's async API for real servers, mongomock behind the same
async surface for the in-memory mode.

Services write their stores once against the subset of `AsyncDatabase` used here
(no multi-document transactions, no change streams), so one store runs on
MongoDB, FerretDB and in memory alike; the contract tests prove it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import uuid
import weakref
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import mongomock
from bson import ObjectId
from mongomock.filtering import filter_applies
from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument, UpdateOne
from pymongo.results import UpdateResult

log = logging.getLogger(__name__)

IndexKeys = Sequence[tuple[str, int]]


@dataclass(frozen=True)
class IndexSpec:
    collection: str
    keys: IndexKeys
    unique: bool = False
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


async def ensure_indexes(db: Any, specs: Iterable[IndexSpec]) -> None:
    """Declared in code, ensured at start-up; creating an existing index is a no-op."""
    for spec in specs:
        name = spec.name or "_".join(f"{k}_{d}" for k, d in spec.keys)
        await db[spec.collection].create_index(list(spec.keys), unique=spec.unique, name=name, **spec.options)


def connect(url: str, database: str) -> Any:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        url, tz_aware=True, serverSelectionTimeoutMS=5000, uuidRepresentation="standard"
    )
    return ObservedDatabase(client[database])


async def ping(db: Any) -> bool:
    try:
        await db.command("ping")
        return True
    except Exception:  # readiness answers yes or no; the reason goes to the log
        return False


# Write observation and FerretDB's _id filters ---------------------------------------

# (collection, ids written or None when the filter names no single _id, the documents or update
# documents sent, whether those are now stored exactly as sent: True only for inserts the store
# accepted, the wanted fields of the document just before an update that took effect: see
# `want_before`, else None). Called after the store answered, also when it answered with an error;
# not for an update that wanted fields before and matched nothing (it wrote nothing).
WriteListener = Callable[
    [str, "list[Any] | None", "list[Mapping[str, Any]]", bool, "Mapping[str, Any] | None"], None
]


@dataclass(frozen=True)
class Before:
    """Fields of a document as it was just before an update by `_id`, for the updates `wanted`
    picks: read in the write's own round trip (find_one_and_update returning the document before),
    or on FerretDB together with the condition check the update needs anyway. The outbox wants its
    entries, so the relay knows what the document holds after the write without reading it back."""

    fields: Mapping[str, int]
    wanted: Callable[[Mapping[str, Any]], bool]


_before_wanted: list[Before] = []


def want_before(wanted: Before) -> None:
    if wanted not in _before_wanted:
        _before_wanted.append(wanted)


def _before_fields(update: Any) -> dict[str, int] | None:
    """The fields to read before this update for the listeners (None: they want none)."""
    if not isinstance(update, Mapping):
        return None
    fields = [w.fields for w in _before_wanted if w.wanted(update)]
    return {k: v for f in fields for k, v in f.items()} if fields else None


# (the database, collection, ids about to be written, the documents or update documents): awaited
# before a write that names its documents, so what a hook records exists before the write does.
# The outbox registers one (its stamps: which documents are about to carry new events).
PreWriteHook = Callable[[Any, str, "list[Any]", "list[Mapping[str, Any]]"], Awaitable[None]]
_pre_write_hooks: list[PreWriteHook] = []


def add_pre_write_hook(hook: PreWriteHook) -> None:
    if hook not in _pre_write_hooks:
        _pre_write_hooks.append(hook)


# Values a caller cannot change in place: kept as read in a document's snapshot (see _RecentReads).
_SCALARS = (str, int, float, bool, type(None), datetime, ObjectId, uuid.UUID, bytes)


@dataclass(frozen=True)
class _Snapshot:
    """A document as read whole by `_id`: its scalar fields and (copied) the fields the write
    listeners want before an update; `omitted` names the other fields (lists, sub-documents)."""

    fields: Mapping[str, Any]
    omitted: frozenset[str]

    def knows(self, names: Iterable[str]) -> bool:
        return not self.omitted.intersection(names)


class _RecentReads:
    """Documents as last read whole by `_id` through this database, for as long as no write through
    it may have touched them: a conditional update by `_id` on FerretDB checks its condition against
    such a read instead of reading the document again (a step reads its aggregate, decides, then
    writes on the version it read: one read serves both).

    A write of one document forgets its snapshot when it starts and when it ends, and a read that
    overlapped any write of the document (or of the collection, for writes that name no single
    document) keeps none. So a snapshot is the document as the store holds it, as far as this
    process's writes go; writes from other processes are not seen, as the split condition check
    does not isolate from them either (FerretDB needs one process per database anyway)."""

    def __init__(self, limit: int = 1024) -> None:
        self._limit = limit  # snapshots kept per collection, the most recent
        self._snapshots: dict[str, OrderedDict[Any, _Snapshot]] = defaultdict(OrderedDict)
        self._writing: Counter[tuple[str, Any]] = Counter()  # writes in flight, per document
        self._writing_all: Counter[str] = Counter()  # writes naming no single document, in flight
        # Reads in flight, per collection and document: each a flag that a write overlapped it.
        self._reading: dict[str, dict[Any, list[list[bool]]]] = defaultdict(dict)

    @contextlib.contextmanager
    def writing(self, collection: str, ids: list[Any] | None) -> Iterator[None]:
        keys = [(collection, i) for i in ids] if ids is not None and None not in ids else None
        self._touch(collection, ids if keys is not None else None)
        if keys is None:
            self._writing_all[collection] += 1
        else:
            self._writing.update(keys)
        try:
            yield
        finally:
            if keys is None:
                self._writing_all[collection] -= 1
            else:
                self._writing.subtract(keys)
                for key in keys:
                    if self._writing[key] <= 0:
                        del self._writing[key]
            self._touch(collection, ids if keys is not None else None)

    def _touch(self, collection: str, ids: list[Any] | None) -> None:
        """Forget the snapshots of these documents (None: of the whole collection) and mark the
        reads of them in flight as overlapped."""
        snapshots, reading = self._snapshots[collection], self._reading[collection]
        if ids is None:
            snapshots.clear()
        for document_id in ids if ids is not None else list(reading):
            snapshots.pop(document_id, None)
            for overlapped in reading.get(document_id, []):
                overlapped[0] = True

    async def read(self, collection: str, document_id: Any, read: Awaitable[Any]) -> Any:
        """Await `read` (the whole document by `_id`) and keep a snapshot of what it found."""
        quiet = not self._writing[(collection, document_id)] and not self._writing_all[collection]
        overlapped, reading = [False], self._reading[collection]
        reading.setdefault(document_id, []).append(overlapped)
        try:
            found = await read
        finally:
            reading[document_id].remove(overlapped)
            if not reading[document_id]:
                del reading[document_id]
        if quiet and not overlapped[0] and isinstance(found, Mapping):
            snapshots = self._snapshots[collection]
            snapshots[document_id] = _snapshot(found)
            snapshots.move_to_end(document_id)
            while len(snapshots) > self._limit:
                snapshots.popitem(last=False)
        return found

    def take(self, collection: str, document_id: Any) -> _Snapshot | None:
        return self._snapshots[collection].pop(document_id, None)


def _snapshot(document: Mapping[str, Any]) -> _Snapshot:
    wanted = {name for w in _before_wanted for name in w.fields}
    fields = {
        k: copy.deepcopy(v) if k in wanted else v
        for k, v in document.items()
        if k in wanted or isinstance(v, _SCALARS)
    }
    return _Snapshot(fields, frozenset(document.keys() - fields.keys()))


class _Shared:
    """What the collections of one database share: write listeners, what the server is, and the
    per-document locks of split conditional updates (see ObservedCollection)."""

    def __init__(self, database: Any, *, may_split: bool) -> None:
        self.database = database
        self.listeners: list[WriteListener] = []
        self._may_split = may_split
        self._splits: bool | None = None
        self._locks: weakref.WeakValueDictionary[tuple[str, Any], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self.reads = _RecentReads()

    async def splits_id_filters(self) -> bool:
        """True on FerretDB 1.x: it answers a filter from the `_id` index only when the filter is
        `{_id: <value>}` alone; `{_id: x, version: 3}` scans the whole collection."""
        if self._splits is None:
            if not self._may_split:
                self._splits = False
            else:
                info = await self.database.command("buildInfo")
                self._splits = "ferretdbVersion" in info
        return self._splits

    def lock(self, collection: str, document_id: Any) -> asyncio.Lock:
        key = (collection, document_id)
        found = self._locks.get(key)
        if found is None:
            found = asyncio.Lock()
            self._locks[key] = found
        return found


class ObservedCollection:
    """A collection that tells its database's listeners which documents a write touched, and
    keeps conditional updates by `_id` on the `_id` index on FerretDB.

    Listeners: the outbox relay listens, so the events a write appends leave at once, read by
    `_id`, whatever the service that wrote them calls afterwards.

    FerretDB: `find_one` with `{_id: x, <condition>}` becomes a read by `_id` and the condition
    checked here (no lock: it writes nothing). `update_one` / `find_one_and_update` with
    `{_id: x, <condition>}` become a read by
    `_id`, the condition checked here (mongomock's matcher) and a write by `_id`, under a lock
    per document that every write by `_id` through this database takes. Within one process (one
    connection, as FerretDB needs anyway: it does not isolate updates across connections) that
    decides exactly as the server would; writes that name no single `_id` (update_many) are not
    ordered against it. On MongoDB everything goes to the server unchanged."""

    def __init__(self, collection: Any, shared: _Shared) -> None:
        self._collection = collection
        self._shared = shared

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    async def _before(self, ids: list[Any] | None, payloads: list[Mapping[str, Any]]) -> None:
        if ids is None or any(i is None for i in ids):
            return
        for hook in list(_pre_write_hooks):
            await hook(self._shared.database, self._collection.name, ids, payloads)

    def _tell(
        self,
        ids: list[Any] | None,
        payloads: list[Mapping[str, Any]],
        stored: bool = False,
        before: Mapping[str, Any] | None = None,
    ) -> None:
        for listener in list(self._shared.listeners):
            try:
                listener(self._collection.name, ids, payloads, stored, before)
            except Exception:  # a listener's bug must not fail a write the store already took
                log.exception("write listener failed", extra={"collection": self._collection.name})

    def _writing(self, ids: list[Any] | None) -> contextlib.AbstractContextManager[None]:
        """Around every write: the recent reads it may touch are forgotten (see _RecentReads)."""
        return self._shared.reads.writing(self._collection.name, ids)

    async def insert_one(self, document: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        await self._before([_given_id(document)], [document])
        stored = False
        try:
            with self._writing([document.get("_id")]):
                result = await self._collection.insert_one(document, *args, **kwargs)
            stored = True
            return result
        finally:
            self._tell([document.get("_id")], [document], stored)

    async def insert_many(self, documents: Iterable[Mapping[str, Any]], *args: Any, **kwargs: Any) -> Any:
        documents = list(documents)
        await self._before([_given_id(d) for d in documents], documents)
        stored = False
        try:
            with self._writing([d.get("_id") for d in documents]):
                result = await self._collection.insert_many(documents, *args, **kwargs)
            stored = True
            return result
        finally:
            self._tell([d.get("_id") for d in documents], documents, stored)

    async def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        """`{_id: x, <condition>}` on FerretDB: a read by `_id`, the condition checked here.
        `{_id: x}` whole on FerretDB: the read is kept for a conditional update of the document
        (see _RecentReads)."""
        whole = _single_id(filter) if isinstance(filter, Mapping) and len(filter) == 1 else None
        if whole is not None and not args and not kwargs and await self._shared.splits_id_filters():
            read = self._collection.find_one(filter)
            return await self._shared.reads.read(self._collection.name, whole[0], read)
        projection = args[0] if len(args) == 1 else kwargs.get("projection")
        split = _split_read(filter, projection) if len(args) <= 1 and set(kwargs) <= {"projection"} else None
        if split is None or not await self._shared.splits_id_filters():
            return await self._collection.find_one(filter, *args, **kwargs)
        document_id, condition, wanted, added = split
        found = await self._collection.find_one({"_id": document_id}, wanted)
        if found is None or not filter_applies(condition, found):
            return None
        for name in added:
            found.pop(name, None)
        return found

    async def update_one(self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any) -> Any:
        await self._before(_single_id(filter), [update] if isinstance(update, Mapping) else [])
        ids, payloads = _single_id(filter), [update] if isinstance(update, Mapping) else []
        seen: list[Mapping[str, Any]] = []  # the document before the write, when listeners want it
        refused = False
        try:
            fields = _before_fields(update) if self._shared.listeners else None
            if fields is not None and ids and not args and not kwargs and not _positional(update):
                result = await self._update_seeing_before(filter, update, fields, seen)
                refused = result.matched_count == 0
                return result
            return await self._by_id(filter, update, self._collection.update_one, _NOT_MATCHED, args, kwargs)
        finally:
            if not refused:  # a conditional update that matched nothing wrote nothing to tell of
                self._tell(ids, payloads, before=next(iter(seen), None))

    async def _update_seeing_before(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        fields: dict[str, int],
        seen: list[Mapping[str, Any]],
    ) -> UpdateResult:
        """`update_one` that also reads `fields` of the document as it was before, in the same
        round trip: `find_one_and_update` returning the document before; on FerretDB with the
        condition check (see `_by_id`).
        Appends what it read to `seen` only when the update took effect."""
        document_id = filter["_id"]
        condition = {k: v for k, v in filter.items() if k != "_id"}
        if not await self._shared.splits_id_filters():
            with self._writing([document_id]):
                return await self._find_and_update(filter, update, fields, seen)
        async with self._shared.lock(self._collection.name, document_id):
            # FerretDB 1.24's findAndModify takes no projection: read what is wanted with the check
            # (a read also without a condition: the relay's read after the write is spared instead),
            # unless the document was just read whole and nothing wrote it since.
            checked = _fields_of(condition)
            current = self._recently_read(document_id, checked, fields)
            if current is None:
                current = await self._collection.find_one(
                    {"_id": document_id}, None if checked is None else checked | fields
                )
            if current is None or not filter_applies(condition, current):
                return _NOT_MATCHED
            with self._writing([document_id]):
                result: UpdateResult = await self._collection.update_one({"_id": document_id}, update)
            if result.matched_count:
                seen.append(current)
            return result

    def _recently_read(
        self, document_id: Any, checked: Mapping[str, int] | None, wanted: Mapping[str, int]
    ) -> dict[str, Any] | None:
        """The fields `checked` and `wanted` of the document as last read whole, if that read is
        still what the store holds (see _RecentReads); None: read it."""
        snapshot = self._shared.reads.take(self._collection.name, document_id)
        if snapshot is None or checked is None or not snapshot.knows([*checked, *wanted]):
            return None
        return {k: v for k, v in snapshot.fields.items() if k in checked or k in wanted or k == "_id"}

    async def _find_and_update(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        fields: dict[str, int],
        seen: list[Mapping[str, Any]],
    ) -> UpdateResult:
        previous = await self._collection.find_one_and_update(
            dict(filter), update, projection={"_id": 1, **fields}, return_document=ReturnDocument.BEFORE
        )
        if previous is None:
            return _NOT_MATCHED
        seen.append(previous)
        return _MATCHED_ONE

    async def find_one_and_update(
        self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any
    ) -> Any:
        await self._before(_single_id(filter), [update] if isinstance(update, Mapping) else [])
        try:
            method = self._collection.find_one_and_update
            return await self._by_id(filter, update, method, None, args, kwargs)
        finally:
            self._tell(_single_id(filter), [update] if isinstance(update, Mapping) else [])

    async def replace_one(
        self, filter: Mapping[str, Any], document: Mapping[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        await self._before(_single_id(filter) or _single_id(document), [document])
        try:
            with self._writing(_single_id(filter)):
                return await self._collection.replace_one(filter, document, *args, **kwargs)
        finally:
            self._tell(_single_id(filter) or _single_id(document), [document])

    async def update_many(self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            with self._writing(None):
                return await self._collection.update_many(filter, update, *args, **kwargs)
        finally:
            self._tell(None, [update] if isinstance(update, Mapping) else [])

    async def bulk_write(self, requests: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            with self._writing(None):
                return await self._collection.bulk_write(requests, *args, **kwargs)
        finally:
            self._tell(None, [_BULK])

    async def _by_id(
        self,
        filter: Mapping[str, Any],
        update: Any,
        method: Callable[..., Any],
        not_matched: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        ids = _single_id(filter)
        if ids is None or _positional(update) or not await self._shared.splits_id_filters():
            with self._writing(ids):
                return await method(filter, update, *args, **kwargs)
        async with self._shared.lock(self._collection.name, ids[0]):
            condition = {k: v for k, v in filter.items() if k != "_id"}
            checked = _fields_of(condition)
            if condition and not kwargs.get("upsert"):
                current = self._recently_read(ids[0], checked, {})
                if current is None:
                    current = await self._collection.find_one({"_id": ids[0]}, checked)
                if current is None or not filter_applies(condition, current):
                    return not_matched
            with self._writing(ids):
                return await method({"_id": ids[0]}, update, *args, **kwargs)

    # Writes the store offers that this class does not observe otherwise: they only forget the
    # recent reads they may touch.
    async def delete_one(self, filter: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        with self._writing(_single_id(filter)):
            return await self._collection.delete_one(filter, *args, **kwargs)

    async def delete_many(self, filter: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        with self._writing(None):
            return await self._collection.delete_many(filter, *args, **kwargs)

    async def find_one_and_delete(self, filter: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        with self._writing(None):
            return await self._collection.find_one_and_delete(filter, *args, **kwargs)

    async def find_one_and_replace(self, filter: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        with self._writing(None):
            return await self._collection.find_one_and_replace(filter, *args, **kwargs)


# What a bulk write is reported as: its operations are opaque, so listeners treat it as unnamed.
_BULK: Mapping[str, Any] = {"$bulk": True}
_NOT_MATCHED = UpdateResult({"n": 0, "nModified": 0, "ok": 1.0}, acknowledged=True)
# An update a listener wants the document before for appends something new (the outbox: fresh
# entries), so one that matched also modified.
_MATCHED_ONE = UpdateResult({"n": 1, "nModified": 1, "ok": 1.0}, acknowledged=True)


def _split_read(
    filter: Any, projection: Any
) -> tuple[Any, dict[str, Any], dict[str, Any] | None, list[str]] | None:
    """How to answer `find_one(filter, projection)` by `_id` alone: (the _id, the rest of the
    filter, the projection to read with, fields read only for the check); None: as it is."""
    ids = _single_id(filter) if isinstance(filter, Mapping) else None
    condition = {k: v for k, v in filter.items() if k != "_id"} if ids else {}
    checked = _fields_of(condition) if condition else None
    if ids is None or checked is None:
        return None
    if projection is None:
        return ids[0], condition, None, []
    if not isinstance(projection, Mapping):
        return None
    shown = {k for k, v in projection.items() if k != "_id" and v}
    hidden = {k for k, v in projection.items() if k != "_id" and not v}
    if not shown and not hidden and projection.get("_id", 1) == 0:  # all but the _id
        return ids[0], condition, None, ["_id"]
    if hidden:  # an exclusion: the check needs every field it looks at
        return None if hidden & checked.keys() or shown else (ids[0], condition, dict(projection), [])
    if any(k.startswith(f"{field}.") or field.startswith(f"{k}.") for k in shown for field in checked):
        return None  # a path inside a checked field (or the other way round) would collide
    added = [field for field in checked if field not in shown]
    if projection.get("_id", 1) == 0:
        added.append("_id")
    return ids[0], condition, {**projection, **checked, "_id": 1}, added


def _fields_of(condition: Mapping[str, Any]) -> dict[str, int] | None:
    """The fields a condition looks at, so the check reads those, not a whole large document
    (None: an operator such as `$or` at the top, read it all)."""
    if any(str(k).startswith("$") for k in condition):
        return None
    return {str(k).split(".")[0]: 1 for k in condition}


def _positional(update: Any) -> bool:
    """`items.$.qty` needs the query that matched the array element: keep the filter whole."""
    operations = update.values() if isinstance(update, Mapping) else []
    return any(isinstance(f, Mapping) and any("$" in str(k) for k in f) for f in operations)


def _given_id(document: Mapping[str, Any]) -> Any:
    """The `_id` an insert will store: the driver gives a document without one an ObjectId in
    place; given here already, so that what runs before the write can name the document."""
    if "_id" not in document and isinstance(document, dict):
        document["_id"] = ObjectId()
    return document.get("_id")


def _single_id(filter: Mapping[str, Any]) -> list[Any] | None:
    wanted = filter.get("_id")
    if wanted is None or isinstance(wanted, Mapping):
        return None
    return [wanted]


class ObservedDatabase:
    """A database whose collections report their writes (see ObservedCollection)."""

    def __init__(self, database: Any, *, may_split: bool = True) -> None:
        self._database = database
        self._shared = _Shared(database, may_split=may_split)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)

    def __getitem__(self, name: str) -> ObservedCollection:
        return ObservedCollection(self._database[name], self._shared)

    def get_collection(self, name: str, *args: Any, **kwargs: Any) -> ObservedCollection:
        return ObservedCollection(self._database.get_collection(name, *args, **kwargs), self._shared)

    def add_write_listener(self, listener: WriteListener) -> None:
        self._shared.listeners.append(listener)

    def remove_write_listener(self, listener: WriteListener) -> None:
        if listener in self._shared.listeners:
            self._shared.listeners.remove(listener)


# In-memory adapter --------------------------------------------------------------

_scan_documents = mongomock.Collection._iter_documents  # type: ignore[attr-defined]


def _iter_documents_by_id(self: Any, filter: Any) -> Any:
    """mongomock scans every document for every query; an `_id` equality becomes a dict lookup,
    as it is an index lookup on a real server (the inbox and most stores look up by `_id`)."""
    wanted = filter.get("_id") if isinstance(filter, dict) else None
    if isinstance(wanted, str | int | uuid.UUID | ObjectId) and not isinstance(wanted, bool):
        if wanted not in self._store:
            return iter(())
        document = self._store[wanted]
        return iter([document] if filter_applies(filter, document) else [])
    return _scan_documents(self, filter)


mongomock.Collection._iter_documents = _iter_documents_by_id  # type: ignore[attr-defined]


class MemoryCursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def sort(self, key: Any, direction: int = ASCENDING) -> MemoryCursor:
        self._cursor = (
            self._cursor.sort(key, direction) if isinstance(key, str) else self._cursor.sort(list(key))
        )
        return self

    def skip(self, count: int) -> MemoryCursor:
        self._cursor = self._cursor.skip(count)
        return self

    def limit(self, count: int) -> MemoryCursor:
        self._cursor = self._cursor.limit(count)
        return self

    def batch_size(self, count: int) -> MemoryCursor:
        return self  # everything is in memory already

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        items = list(self._cursor)
        return items if length is None else items[:length]

    def __aiter__(self) -> MemoryCursor:
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            return next(self._cursor)
        except StopIteration:
            raise StopAsyncIteration from None


class MemoryCollection:
    """Async facade over a mongomock collection, mirroring PyMongo's AsyncCollection."""

    _SYNC = (
        "insert_one",
        "insert_many",
        "find_one",
        "update_one",
        "update_many",
        "replace_one",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "delete_one",
        "delete_many",
        "count_documents",
        "create_index",
        "distinct",
    )

    def __init__(self, collection: Any) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        if name not in self._SYNC:
            raise AttributeError(name)
        method = getattr(self._collection, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            # mongomock works synchronously; yield so one busy loop cannot starve the others
            # (a real driver yields on every round trip).
            await asyncio.sleep(0)
            return result

        return call

    async def bulk_write(self, requests: Iterable[Any], *args: Any, **kwargs: Any) -> None:
        """mongomock's bulk_write does not take PyMongo's current `UpdateOne` (its `sort`): the
        updates are applied one by one (the outbox's stamps use this)."""
        for request in requests:
            if not isinstance(request, UpdateOne):
                raise NotImplementedError(type(request).__name__)
            self._collection.update_one(request._filter, request._doc, upsert=request._upsert)
        await asyncio.sleep(0)

    def find(self, *args: Any, **kwargs: Any) -> MemoryCursor:
        return MemoryCursor(self._collection.find(*args, **kwargs))

    def aggregate(self, pipeline: list[dict[str, Any]], **kwargs: Any) -> Any:
        async def run() -> MemoryCursor:
            return MemoryCursor(iter(self._collection.aggregate(pipeline, **kwargs)))

        return run()

    @property
    def name(self) -> str:
        return str(self._collection.name)


class MemoryDatabase:
    def __init__(self, name: str = "llo") -> None:
        self._db: Any = mongomock.MongoClient(tz_aware=True)[name]
        self.name = name
        self._shared = _Shared(self, may_split=False)

    def __getitem__(self, name: str) -> ObservedCollection:
        return ObservedCollection(MemoryCollection(self._db[name]), self._shared)

    add_write_listener = ObservedDatabase.add_write_listener
    remove_write_listener = ObservedDatabase.remove_write_listener

    async def command(self, name: str) -> dict[str, Any]:
        if name != "ping":
            raise NotImplementedError(name)
        return {"ok": 1}

    async def list_collection_names(self) -> list[str]:
        return list(self._db.list_collection_names())
