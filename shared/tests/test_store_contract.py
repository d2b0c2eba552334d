"""One contract for both store adapters: mongomock in memory and a real Mongo-compatible server.

It covers exactly the operations the services and the outbox/inbox rely on, so a store
written once runs on MongoDB, FerretDB and in memory alike.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from llo_shared.mongo import IndexSpec, ensure_indexes, ping


async def test_ping_answers(database):
    assert await ping(database)


async def test_unique_index_refuses_a_second_document(database):
    await ensure_indexes(database, [IndexSpec("things", [("code", 1)], unique=True)])
    await ensure_indexes(database, [IndexSpec("things", [("code", 1)], unique=True)])  # idempotent
    await database["things"].insert_one({"_id": "a", "code": "X"})
    with pytest.raises(DuplicateKeyError):
        await database["things"].insert_one({"_id": "b", "code": "X"})
    assert await database["things"].count_documents({}) == 1


async def test_find_sorts_skips_and_limits_deterministically(database):
    things = database["things"]
    await things.insert_many([{"_id": f"t{i:02}", "rank": i % 3, "n": i} for i in range(10)])
    page = (
        await things.find({"rank": {"$gte": 1}})
        .sort([("rank", DESCENDING), ("_id", ASCENDING)])
        .skip(1)
        .limit(3)
        .to_list(None)
    )
    assert [d["_id"] for d in page] == ["t05", "t08", "t01"]
    assert await things.count_documents({"rank": 0}) == 4


async def test_find_one_and_update_upserts_and_returns_the_new_document(database):
    counters = database["counters"]
    first = await counters.find_one_and_update(
        {"_id": "invoice:2026"}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER
    )
    second = await counters.find_one_and_update(
        {"_id": "invoice:2026"}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER
    )
    assert (first["value"], second["value"]) == (1, 2)


async def test_conditional_update_decides_only_once(database):
    """The seat pattern: the filter holds the rule, so only one of racing updates wins.
    (FerretDB 1.24 has no $expr, so the count left is a field of its own.)"""
    seats = database["seats"]
    await seats.insert_one({"_id": "c1", "taken": 11, "left": 1})
    results = [
        await seats.update_one({"_id": "c1", "left": {"$gt": 0}}, {"$inc": {"taken": 1, "left": -1}})
        for _ in range(3)
    ]
    assert [r.modified_count for r in results] == [1, 0, 0]


async def test_version_checked_updates_by_id_decide_like_the_server(database):
    """`{_id, version}` filters: on FerretDB the shared helper reads by _id and checks the rest
    itself (the server would scan the collection); the outcome must be the server's."""
    docs = database["versioned"]
    await docs.insert_many([{"_id": f"v{i}", "version": 1, "tags": ["a"]} for i in range(3)])
    stale = await docs.update_one({"_id": "v1", "version": 2}, {"$inc": {"version": 1}})
    fresh = await docs.update_one({"_id": "v1", "version": 1}, {"$inc": {"version": 1}})
    missing = await docs.update_one({"_id": "nope", "version": 1}, {"$inc": {"version": 1}})
    assert [r.matched_count for r in (stale, fresh, missing)] == [0, 1, 0]
    assert await docs.find_one_and_update({"_id": "v2", "tags": "b"}, {"$set": {"x": 1}}) is None
    after = await docs.find_one_and_update(
        {"_id": "v2", "tags": "a", "version": {"$lt": 5}},
        {"$set": {"x": 1}},
        return_document=ReturnDocument.AFTER,
    )
    assert after == {"_id": "v2", "version": 1, "tags": ["a"], "x": 1}
    assert [d["version"] for d in await docs.find({}).sort("_id", ASCENDING).to_list(None)] == [1, 2, 1]


async def test_concurrent_conditional_updates_never_overbook(database):
    """Single-document updates are atomic: 50 racing requests for 12 seats take exactly 12.
    FerretDB 1.24 on SQLite loses such updates across connections, hence one connection per
    client there (tests/fixtures/infra.py, deploy/local/README.md)."""
    seats = database["seats"]
    await seats.insert_one({"_id": "c2", "taken": 0, "left": 12})
    results = await asyncio.gather(
        *(
            seats.update_one({"_id": "c2", "left": {"$gt": 0}}, {"$inc": {"taken": 1, "left": -1}})
            for _ in range(50)
        )
    )
    assert sum(r.modified_count for r in results) == 12
    assert await seats.find_one({"_id": "c2"}) == {"_id": "c2", "taken": 12, "left": 0}


async def test_dotted_set_and_unset_in_one_update_keep_the_other_entries(database):
    """The outbox: one update adds entries under their ids and removes published ones."""
    docs = database["docs"]
    await docs.insert_one({"_id": "d", "outbox": {"a": {"n": 1}, "b": {"n": 2}}, "stamp": 1})
    await docs.update_one(
        {"_id": "d"},
        {"$set": {"outbox.c": {"n": 3}, "stamp": 3, "state": "x"}, "$unset": {"outbox.a": ""}},
    )
    assert await docs.find_one({"_id": "d"}) == {
        "_id": "d",
        "outbox": {"b": {"n": 2}, "c": {"n": 3}},
        "stamp": 3,
        "state": "x",
    }
    await docs.update_one({"_id": "d"}, {"$unset": {"outbox.gone": "", "outbox.b": ""}})
    assert (await docs.find_one({"_id": "d"}, {"outbox": 1}))["outbox"] == {"c": {"n": 3}}


async def test_range_on_an_int_stamp_sorted_and_limited(database):
    docs = database["stamped"]
    await docs.insert_many([{"_id": f"s{i}", "stamp": 1_700_000_000_000_000_000 + i} for i in range(5)])
    await docs.insert_one({"_id": "none"})
    found = (
        await docs.find({"stamp": {"$gte": 1_700_000_000_000_000_002}}, {"stamp": 1})
        .sort("stamp", ASCENDING)
        .limit(2)
        .to_list(None)
    )
    assert [d["_id"] for d in found] == ["s2", "s3"]


async def test_unordered_insert_many_keeps_the_new_and_names_the_duplicates(database):
    ledger = database["ledger"]
    await ledger.insert_one({"_id": "e1"})
    with pytest.raises(BulkWriteError) as raised:
        await ledger.insert_many([{"_id": "e1"}, {"_id": "e2"}, {"_id": "e3"}], ordered=False)
    assert [w["code"] for w in raised.value.details["writeErrors"]] == [11000]
    assert await ledger.count_documents({}) == 3


async def test_aggregate_groups_and_counts(database):
    docs = database["facets"]
    await docs.insert_many([{"_id": i, "level": 2 + i % 2, "domain": "zorg"} for i in range(5)])
    cursor = await docs.aggregate(
        [
            {"$match": {"domain": "zorg"}},
            {"$group": {"_id": "$level", "n": {"$sum": 1}}},
            {"$sort": {"_id": 1}},
        ]
    )
    assert await cursor.to_list(None) == [{"_id": 2, "n": 3}, {"_id": 3, "n": 2}]


async def test_all_and_in_match_token_arrays(database):
    docs = database["search"]
    await docs.insert_many(
        [
            {"_id": 1, "tokens": ["helpende", "zorg", "welzijn"]},
            {"_id": 2, "tokens": ["verzorgende", "ig", "zorg"]},
        ]
    )
    found = await docs.find({"tokens": {"$all": ["zorg", "helpende"]}}).to_list(None)
    assert [d["_id"] for d in found] == [1]
    either = await docs.find({"tokens": {"$in": ["ig", "welzijn"]}}).sort("_id", ASCENDING).to_list(None)
    assert [d["_id"] for d in either] == [1, 2]


async def test_updates_by_id_over_many_connections_lose_nothing(infra, unique):
    """FerretDB 1.24 loses concurrent updates of one document across connections (200 `$inc`
    ended at 68); through the shared helper, updates by `_id` of one document take a lock per
    document in the process, so a pooled client loses none."""
    from pymongo import MongoClient

    from llo_shared.mongo import connect

    url = infra.mongo_url.replace("maxPoolSize=1", "maxPoolSize=8")
    if "maxPoolSize" not in url:
        url += ("&" if "?" in url else "?") + "maxPoolSize=8"
    name = f"t_{unique}_pool"
    counters = connect(url, name)["counters"]
    try:
        await counters.insert_one({"_id": "c", "n": 0, "version": 0})
        await asyncio.gather(*(counters.update_one({"_id": "c"}, {"$inc": {"n": 1}}) for _ in range(100)))
        await asyncio.gather(
            *(counters.find_one_and_update({"_id": "c"}, {"$inc": {"n": 1}}) for _ in range(50)),
            *(
                counters.update_one({"_id": "c", "version": {"$gte": 0}}, {"$inc": {"n": 1}})
                for _ in range(50)
            ),
        )
        assert (await counters.find_one({"_id": "c"}))["n"] == 200
    finally:
        with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(name)


async def test_reads_by_id_with_a_condition_answer_like_the_server(database):
    """`{_id, <condition>}` reads: on FerretDB the shared helper reads by _id and checks the rest
    itself (the server would scan the collection); answers and projections must be the server's."""
    docs = database["applied"]
    await docs.insert_one({"_id": "c1", "events": ["e1", "e2"], "seats": 3, "deep": {"a": 1, "b": 2}})
    find = docs.find_one
    assert await find({"_id": "c1", "events": "e2"}, {"_id": 1}) == {"_id": "c1"}
    assert await find({"_id": "c1", "events": "e3"}, {"_id": 1}) is None
    assert await find({"_id": "nope", "events": "e1"}) is None
    assert await find({"_id": "c1", "seats": {"$gte": 3}}, {"seats": 1, "_id": 0}) == {"seats": 3}
    assert await find({"_id": "c1", "seats": 3}, {"events": 0, "deep": 0}) == {"_id": "c1", "seats": 3}
    assert await find({"_id": "c1", "seats": 3}, {"_id": 0, "events": 0}) == {
        "seats": 3,
        "deep": {"a": 1, "b": 2},
    }
    assert await find({"_id": "c1", "deep.a": 1}, {"deep.b": 1}) == {"_id": "c1", "deep": {"b": 2}}
    assert await find({"_id": "c1", "events": "e1"}, {"_id": 0}) == {
        "events": ["e1", "e2"],
        "seats": 3,
        "deep": {"a": 1, "b": 2},
    }
    assert await find({"_id": "c1", "$or": [{"seats": 4}, {"events": "e1"}]}, {"seats": 1}) == {
        "_id": "c1",
        "seats": 3,
    }


async def test_a_version_checked_update_after_a_whole_read_sees_every_write_between(database):
    """A step reads its document whole, decides, and writes on the version it read. On FerretDB the
    shared helper checks that version against the read itself when nothing wrote the document
    since; every kind of write between must still make the stale write match nothing."""
    docs = database["steps"]
    await docs.insert_many([{"_id": f"s{i}", "version": 1, "group": "g"} for i in range(6)])

    async def between(document_id: str, write: Any) -> int:
        read = await docs.find_one({"_id": document_id})
        await write
        stale = await docs.update_one({"_id": document_id, "version": read["version"]}, {"$set": {"x": 1}})
        return stale.matched_count

    bump = {"$inc": {"version": 1}}
    assert await between("s0", docs.update_one({"_id": "s0"}, bump)) == 0
    assert await between("s1", docs.update_many({"group": "g", "_id": "s1"}, bump)) == 0
    assert await between("s2", docs.bulk_write([UpdateOne({"_id": "s2"}, bump)])) == 0
    assert await between("s3", docs.find_one_and_update({"_id": "s3"}, bump)) == 0
    assert await between("s4", docs.delete_one({"_id": "s4"})) == 0
    read = await docs.find_one({"_id": "s5"})
    fresh = await docs.update_one({"_id": "s5", "version": read["version"]}, {"$inc": {"version": 1}})
    again = await docs.update_one({"_id": "s5", "version": read["version"]}, {"$inc": {"version": 1}})
    assert (fresh.matched_count, again.matched_count) == (1, 0)
    assert [d.get("x") for d in await docs.find({}).sort("_id", ASCENDING).to_list(None)] == [None] * 5


async def test_read_decide_write_steps_racing_on_one_document_lose_no_update(database):
    """40 steps read the document, wait a little (the decision), and write on the version they read,
    again on a fresh read when another step came first: every step counts once."""
    docs = database["raced"]
    await docs.insert_one({"_id": "r", "version": 1, "steps": 0})

    async def step(n: int) -> None:
        while True:
            read = await docs.find_one({"_id": "r"})
            await asyncio.sleep(0.001 * (n % 3))
            result = await docs.update_one(
                {"_id": "r", "version": read["version"]}, {"$inc": {"version": 1, "steps": 1}}
            )
            if result.matched_count:
                return

    await asyncio.gather(*(step(n) for n in range(40)))
    assert await docs.find_one({"_id": "r"}) == {"_id": "r", "version": 41, "steps": 40}


async def test_a_step_reads_its_document_once_on_ferretdb(infra, unique):
    """The read a step decides on also serves the version check of its write: one find and one
    update on the wire (the check read is the helper's own on FerretDB, see mongo._RecentReads)."""
    from pymongo import AsyncMongoClient, MongoClient, monitoring

    from llo_shared.mongo import ObservedDatabase

    class Commands(monitoring.CommandListener):
        def __init__(self) -> None:
            self.names: list[str] = []

        def started(self, event: monitoring.CommandStartedEvent) -> None:
            self.names.append(event.command_name)

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

        def failed(self, event: monitoring.CommandFailedEvent) -> None: ...

    commands, name = Commands(), f"t_{unique}_once"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_url, event_listeners=[commands])
    docs = ObservedDatabase(client[name])["steps"]
    try:
        await docs.insert_one({"_id": "a", "version": 1, "history": ["x"]})
        await docs.update_one({"_id": "a", "version": 1}, {"$set": {"seen": True}})  # asks what the server is
        commands.names.clear()
        read = await docs.find_one({"_id": "a"})
        await docs.update_one({"_id": "a", "version": read["version"]}, {"$inc": {"version": 1}})
        assert commands.names == ["find", "update"]
        commands.names.clear()
        await docs.update_one({"_id": "a", "version": 2}, {"$inc": {"version": 1}})  # read nothing since
        assert commands.names == ["find", "update"]
    finally:
        await client.close()
        with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as sync:
            sync.drop_database(name)


async def test_a_read_that_a_write_overtook_is_not_used_for_the_check():
    """The read fetched the document before a write but came back after it (a pooled connection,
    a busy loop): what it found is not the document any more, so the check reads again."""
    from llo_shared.mongo import MemoryCollection, MemoryDatabase, ObservedDatabase

    gate, fetched = asyncio.Event(), asyncio.Event()

    class LateReads(MemoryCollection):
        async def find_one(self, *args: Any, **kwargs: Any) -> Any:
            found = self._collection.find_one(*args, **kwargs)
            fetched.set()
            await gate.wait()
            return found

    class SplitsLikeFerretDB:
        """In memory, but answering `buildInfo` as FerretDB does, so the helper splits."""

        def __init__(self) -> None:
            self._memory = MemoryDatabase()

        def __getitem__(self, name: str) -> MemoryCollection:
            return LateReads(self._memory._db[name])

        async def command(self, name: str) -> dict[str, Any]:
            return {"ferretdbVersion": "1.24.0"}

    docs = ObservedDatabase(SplitsLikeFerretDB())["late"]
    await docs.insert_one({"_id": "d", "version": 1})
    gate.set()
    await docs.update_one({"_id": "d", "version": 1}, {"$set": {"warm": True}})  # asks the server
    gate.clear()
    fetched.clear()
    late = asyncio.create_task(docs.find_one({"_id": "d"}))
    await fetched.wait()  # the read has its answer: version 1
    await docs.update_one({"_id": "d"}, {"$inc": {"version": 1}})  # overtakes it
    gate.set()
    read = await late
    assert read["version"] == 1
    stale = await docs.update_one({"_id": "d", "version": read["version"]}, {"$set": {"lost": True}})
    assert stale.matched_count == 0
    assert await docs.find_one({"_id": "d"}) == {"_id": "d", "version": 2, "warm": True}
