#!/usr/bin/env python3
"""Smoke check of the local infrastructure with the project's real client libraries.

Needs `aiokafka==0.12.*` and `pymongo>=4.13` installed, and the servers started:

    deploy/local/kafka.sh start && deploy/local/mongo.sh start
    python deploy/local/smoke_check.py [--only kafka|mongo]

Required checks (FAIL = exit code 1) cover what the shared library may rely on on any
MongoDB-compatible server: idempotent producer, consumer groups with manual commit,
headers; PyMongo's async API with unique indexes, outbox updates ($push, then
$pullAll/$pull of exact entries), upserts, counting, one-accumulator $group. Optional
checks (NO = unsupported, exit code unaffected) report features that MongoDB has and
FerretDB 1.24 lacks or gets wrong, e.g. $pull with a query condition, $elemMatch, two
accumulators in one $group. Every run uses fresh topic, group, database and collection
names and drops its database at the end. SMOKE_TRACEBACK=1 prints tracebacks.

Addresses: LLO_KAFKA_BOOTSTRAP (default 127.0.0.1:$LLO_KAFKA_PORT, port 19092) and
LLO_MONGO_URL (default mongodb://127.0.0.1:$LLO_MONGO_PORT, port 27018).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

KAFKA = os.environ.get("LLO_KAFKA_BOOTSTRAP", f"127.0.0.1:{os.environ.get('LLO_KAFKA_PORT', '19092')}")
MONGO = os.environ.get("LLO_MONGO_URL", f"mongodb://127.0.0.1:{os.environ.get('LLO_MONGO_PORT', '27018')}")
RUN = uuid.uuid4().hex[:8]

results: list[tuple[str, bool, bool, str]] = []  # (name, required, ok, detail)


async def check(name: str, coro_fn, *, required: bool = True) -> None:
    try:
        detail = await coro_fn()
        results.append((name, required, True, detail or ""))
    except Exception as exc:
        if os.environ.get("SMOKE_TRACEBACK"):
            traceback.print_exc()
        results.append((name, required, False, f"{type(exc).__name__}: {exc}"[:300]))


# --------------------------------------------------------------------------- Kafka


async def kafka_checks() -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    topic = f"smoke.check.{RUN}.v1"
    group = f"smoke-group-{RUN}"
    n = 30
    sent: list[bytes] = []

    async def produce() -> str:
        producer = AIOKafkaProducer(bootstrap_servers=KAFKA, enable_idempotence=True, acks="all", linger_ms=5)
        await producer.start()
        try:
            for i in range(n):
                value = f"event-{i}".encode()
                meta = await producer.send_and_wait(
                    topic,
                    value,
                    key=f"agg-{i % 5}".encode(),
                    headers=[("event_type", b"SmokeHappened"), ("i", str(i).encode())],
                )
                assert meta.offset >= 0
                sent.append(value)
        finally:
            await producer.stop()
        return f"{n} messages to auto-created topic {topic}"

    async def partitions() -> str:
        admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
        await admin.start()
        try:
            described = await admin.describe_topics([topic])
            count = len(described[0]["partitions"])
        finally:
            await admin.close()
        assert count == 3, f"expected num.partitions=3, got {count}"
        return "auto-created with 3 partitions"

    async def consume() -> str:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=KAFKA,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        got: list[bytes] = []
        headers_ok = True
        try:
            while len(got) < n:
                batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 30)
                for records in batch.values():
                    for rec in records:
                        got.append(rec.value)
                        headers_ok &= dict(rec.headers).get("event_type") == b"SmokeHappened"
                await consumer.commit()
            tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            committed = sum([await consumer.committed(tp) or 0 for tp in tps])
        finally:
            await consumer.stop()
        assert sorted(got) == sorted(sent), "consumed messages differ from sent ones"
        assert headers_ok, "headers lost"
        assert committed == n, f"committed offsets sum {committed} != {n}"
        return f"group read {len(got)} messages with headers, manual commit -> offsets {committed}"

    async def resume() -> str:
        # A new member of the same group starts from the committed offsets: nothing left.
        producer = AIOKafkaProducer(bootstrap_servers=KAFKA, enable_idempotence=True, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"after-commit", key=b"agg-0")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=KAFKA,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        got: list[bytes] = []
        try:
            deadline = asyncio.get_running_loop().time() + 20
            while not got and asyncio.get_running_loop().time() < deadline:
                batch = await consumer.getmany(timeout_ms=1000)
                got = [r.value for rs in batch.values() for r in rs]
        finally:
            await consumer.stop()
        assert got == [b"after-commit"], f"expected only the new message, got {got[:5]}"
        return "restarted group member resumed after the committed offsets"

    await check("kafka: idempotent producer (acks=all) send", produce)
    await check("kafka: topic auto-creation with num.partitions=3", partitions)
    await check("kafka: consumer group, manual commit, headers", consume)
    await check("kafka: group resumes from committed offsets", resume)


# --------------------------------------------------------------------------- MongoDB


async def mongo_checks() -> None:
    from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
    from pymongo.errors import DuplicateKeyError

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        MONGO, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    db = client[f"smoke_{RUN}"]
    col = db["aggregates"]
    inbox = db["inbox"]

    async def one(collection: Any, query: dict[str, Any]) -> dict[str, Any]:
        doc = await collection.find_one(query)
        assert doc is not None, f"no document matches {query}"
        return dict(doc)

    async def ping() -> str:
        reply = await client.admin.command("ping")
        assert reply.get("ok") == 1
        info = await client.admin.command("buildInfo")
        return f"ok; buildInfo version {info.get('version')}, ferretdb {info.get('ferretdbVersion', '-')}"

    async def unique_index() -> str:
        name = await inbox.create_index([("event_id", ASCENDING)], unique=True)
        await inbox.insert_one({"event_id": "e-1", "handled_at": datetime.now(UTC)})
        try:
            await inbox.insert_one({"event_id": "e-1"})
        except DuplicateKeyError:
            pass
        else:
            raise AssertionError("duplicate insert did not raise DuplicateKeyError")
        assert await inbox.count_documents({}) == 1
        return f"index {name}; duplicate insert raised DuplicateKeyError"

    async def find_sort_skip_limit() -> str:
        await col.insert_many(
            [
                {"_id": f"a{i:02d}", "n": i, "kind": "odd" if i % 2 else "even", "outbox": []}
                for i in range(20)
            ]
        )
        docs = await col.find({"n": {"$gte": 4}}).sort("n", DESCENDING).skip(2).limit(3).to_list()
        assert [d["n"] for d in docs] == [17, 16, 15], [d["n"] for d in docs]
        docs = await col.find({}, {"n": 1}).sort([("kind", ASCENDING), ("n", ASCENDING)]).limit(2).to_list()
        assert [d["n"] for d in docs] == [0, 2], [d["n"] for d in docs]
        return "sort desc + skip + limit, compound sort, projection"

    async def update_set_inc_push() -> str:
        res = await col.update_one(
            {"_id": "a01"},
            {
                "$set": {"status": "scheduled", "seats.total": 10},
                "$inc": {"version": 1, "n": 100},
                "$push": {"outbox": {"event_id": "ev-1", "event_type": "CohortScheduled"}},
            },
        )
        assert res.matched_count == 1 and res.modified_count == 1, res.raw_result
        await col.update_one(
            {"_id": "a01"}, {"$push": {"outbox": {"event_id": "ev-2", "event_type": "SeatsChanged"}}}
        )
        await col.update_one(
            {"_id": "a01"}, {"$push": {"outbox": {"event_id": "ev-3", "event_type": "SeatsChanged"}}}
        )
        doc = await one(col, {"_id": "a01"})
        assert doc["status"] == "scheduled" and doc["seats"] == {"total": 10}
        assert doc["version"] == 1 and doc["n"] == 101
        assert [e["event_id"] for e in doc["outbox"]] == ["ev-1", "ev-2", "ev-3"]
        return "$set (incl. dotted path), $inc, $push in one update"

    async def pull_exact() -> str:
        # Portable way to clear published outbox entries: pull them by exact value
        # (the relay sends back the entries exactly as it read them).
        await col.update_one(
            {"_id": "a06"},
            {
                "$push": {
                    "outbox": {
                        "$each": [
                            {"event_id": "ev-7", "event_type": "X"},
                            {"event_id": "ev-8", "event_type": "Y"},
                            {"event_id": "ev-9", "event_type": "Z"},
                        ]
                    }
                }
            },
        )
        doc = await one(col, {"_id": "a06"})
        published = [doc["outbox"][0], doc["outbox"][2]]
        res = await col.update_one({"_id": "a06"}, {"$pullAll": {"outbox": published}})
        assert res.modified_count == 1, res.raw_result
        doc = await one(col, {"_id": "a06"})
        assert [e["event_id"] for e in doc["outbox"]] == ["ev-8"], doc["outbox"]
        res = await col.update_one({"_id": "a06"}, {"$pull": {"outbox": doc["outbox"][0]}})
        assert res.modified_count == 1, res.raw_result
        doc = await one(col, {"_id": "a06"})
        assert doc["outbox"] == [], doc["outbox"]
        return "$pullAll [exact entries] and $pull exact entry"

    async def pull_condition() -> str:
        res = await col.update_one(
            {"_id": "a01"}, {"$pull": {"outbox": {"event_id": {"$in": ["ev-1", "ev-3"]}}}}
        )
        assert res.modified_count == 1, res.raw_result
        doc = await one(col, {"_id": "a01"})
        assert [e["event_id"] for e in doc["outbox"]] == ["ev-2"], doc["outbox"]
        return "$pull with {event_id: {$in: [...]}} removed exactly the listed entries"

    async def filter_empty_array() -> str:
        res = await col.update_one({"_id": "a01", "outbox": []}, {"$set": {"flag": 1}})
        assert res.matched_count == 0, "matched a document whose outbox is not empty"
        res = await col.update_one({"_id": "a02", "outbox": []}, {"$set": {"flag": 1}})
        assert res.matched_count == 1 and res.modified_count == 1, res.raw_result
        return "{outbox: []} matches only empty outboxes"

    async def find_one_and_update() -> str:
        counters = db["counters"]
        doc = await counters.find_one_and_update(
            {"_id": "invoice-seq"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc == {"_id": "invoice-seq", "value": 1}, doc
        doc = await counters.find_one_and_update(
            {"_id": "invoice-seq"},
            {"$inc": {"value": 1}, "$set": {"touched": True}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None and doc["value"] == 2 and doc["touched"] is True, doc
        return "upsert-insert then update, both returned the AFTER document"

    async def count_documents() -> str:
        assert await col.count_documents({}) == 20
        # a01's n was raised to 101 above: odd n < 10 are 3, 5, 7, 9
        assert await col.count_documents({"kind": "odd", "n": {"$lt": 10}}) == 4
        return "count with and without filter"

    async def aggregate() -> str:
        pipeline: list[dict[str, Any]] = [{"$match": {"n": {"$lt": 10}}}, {}, {"$sort": {"_id": 1}}]
        pipeline[1] = {"$group": {"_id": "$kind", "count": {"$sum": 1}}}
        rows = await (await col.aggregate(pipeline)).to_list()
        assert rows == [{"_id": "even", "count": 5}, {"_id": "odd", "count": 4}], rows
        pipeline[1] = {"$group": {"_id": "$kind", "total": {"$sum": "$n"}}}
        rows = await (await col.aggregate(pipeline)).to_list()
        assert rows == [{"_id": "even", "total": 20}, {"_id": "odd", "total": 24}], rows
        rows = await (await col.aggregate([{"$match": {"kind": "odd"}}, {"$count": "n"}])).to_list()
        assert rows == [{"n": 10}], rows
        return "$match + $group (one $sum accumulator) + $sort; $count stage"

    async def group_two_accumulators() -> str:
        rows = await (
            await col.aggregate(
                [
                    {"$match": {"n": {"$lt": 10}}},
                    {"$group": {"_id": "$kind", "count": {"$sum": 1}, "total": {"$sum": "$n"}}},
                    {"$sort": {"_id": 1}},
                ]
            )
        ).to_list()
        assert rows == [
            {"_id": "even", "count": 5, "total": 20},
            {"_id": "odd", "count": 4, "total": 24},
        ], rows
        return "two accumulators in one $group"

    async def group_other_accumulators() -> str:
        rows = await (
            await col.aggregate(
                [
                    {
                        "$group": {
                            "_id": None,
                            "lo": {"$min": "$n"},
                            "hi": {"$max": "$n"},
                            "avg": {"$avg": "$n"},
                            "ids": {"$push": "$_id"},
                        }
                    },
                ]
            )
        ).to_list()
        assert rows and rows[0]["lo"] == 0, rows
        return "$min/$max/$avg/$push accumulators"

    # ---- extras: reported only, they tell the shared library what else it may use
    async def ne_empty_array() -> str:
        n1 = await col.count_documents({"outbox": {"$ne": []}})
        n2 = await col.count_documents({"outbox.0": {"$exists": True}})
        assert n1 == 1 and n2 == 1, (n1, n2)
        return "{outbox: {$ne: []}} and {'outbox.0': {$exists: true}}"

    async def upsert_set_on_insert() -> str:
        res = await col.update_one(
            {"_id": "new-1"}, {"$setOnInsert": {"created": 1}, "$set": {"seen": 1}}, upsert=True
        )
        assert res.upserted_id == "new-1"
        res = await col.update_one(
            {"_id": "new-1"}, {"$setOnInsert": {"created": 2}, "$set": {"seen": 2}}, upsert=True
        )
        doc = await one(col, {"_id": "new-1"})
        assert doc["created"] == 1 and doc["seen"] == 2, doc
        await col.delete_one({"_id": "new-1"})
        return "update_one upsert with $setOnInsert"

    async def push_each_add_to_set() -> str:
        await col.update_one({"_id": "a03"}, {"$push": {"tags": {"$each": ["x", "y"]}}})
        await col.update_one({"_id": "a03"}, {"$addToSet": {"tags": "x"}})
        doc = await one(col, {"_id": "a03"})
        assert doc["tags"] == ["x", "y"], doc
        return "$push $each, $addToSet"

    async def nested_field() -> str:
        await col.create_index([("outbox.event_id", ASCENDING)])
        n1 = await col.count_documents({"outbox.event_id": "ev-2"})
        n2 = await col.count_documents({"outbox.event_id": {"$in": ["ev-2", "nope"]}})
        assert n1 == 1 and n2 == 1, (n1, n2)
        return "index on outbox.event_id, equality and $in on it"

    async def elem_match() -> str:
        n1 = await col.count_documents({"outbox": {"$elemMatch": {"event_id": "ev-2"}}})
        n2 = await col.count_documents(
            {"outbox": {"$elemMatch": {"event_id": "ev-2", "event_type": "SeatsChanged"}}}
        )
        assert n1 == 1 and n2 == 1, (n1, n2)
        return "$elemMatch with one and two fields"

    async def compound_unique() -> str:
        c = db["enrolments"]
        await c.create_index([("cohort_id", 1), ("person_id", 1)], unique=True)
        await c.insert_one({"cohort_id": "c1", "person_id": "p1"})
        await c.insert_one({"cohort_id": "c1", "person_id": "p2"})
        try:
            await c.insert_one({"cohort_id": "c1", "person_id": "p1"})
        except DuplicateKeyError:
            return "compound unique index enforced"
        raise AssertionError("no DuplicateKeyError on compound unique index")

    async def types_roundtrip() -> str:
        now = datetime.now(UTC).replace(microsecond=123000)
        big = 2**40 + 7
        await col.insert_one({"_id": "t1", "at": now, "cents": big, "ratio": None})
        doc = await one(col, {"_id": "t1"})
        assert doc["at"] == now and doc["at"].tzinfo is not None, doc["at"]
        assert doc["cents"] == big and isinstance(doc["cents"], int), doc["cents"]
        n = await col.count_documents({"at": {"$lte": now}})
        assert n == 1
        await col.delete_one({"_id": "t1"})
        return "UTC datetime (ms) and int64 cents round-trip, $lte on dates"

    async def bulk_and_replace() -> str:
        from pymongo import ReplaceOne, UpdateOne

        res = await col.bulk_write(
            [UpdateOne({"_id": "a04"}, {"$set": {"b": 1}}), ReplaceOne({"_id": "a05"}, {"n": 5, "r": True})]
        )
        assert res.modified_count == 2, res.bulk_api_result
        deleted = await col.delete_many({"kind": "even", "n": {"$gte": 16}})
        assert deleted.deleted_count == 2, deleted.raw_result
        return "bulk_write (UpdateOne + ReplaceOne), delete_many"

    try:
        await check("mongo: ping", ping)
        await check("mongo: unique index + DuplicateKeyError", unique_index)
        await check("mongo: insert_many / find sort skip limit", find_sort_skip_limit)
        await check("mongo: update_one $set/$inc/$push", update_set_inc_push)
        await check("mongo: update_one $pullAll / $pull exact entries", pull_exact)
        await check("mongo: update_one $pull with {$in} condition", pull_condition, required=False)
        await check("mongo: update_one filter {outbox: []}", filter_empty_array)
        await check("mongo: find_one_and_update AFTER + upsert", find_one_and_update)
        await check("mongo: count_documents", count_documents)
        await check("mongo: aggregate $match/$group/$sort/$count", aggregate)
        await check("mongo: extra: $group with two accumulators", group_two_accumulators, required=False)
        await check("mongo: extra: $group $min/$max/$avg/$push", group_other_accumulators, required=False)
        await check("mongo: extra: non-empty array filters", ne_empty_array, required=False)
        await check("mongo: extra: upsert + $setOnInsert", upsert_set_on_insert, required=False)
        await check("mongo: extra: $push $each / $addToSet", push_each_add_to_set, required=False)
        await check("mongo: extra: nested field index + query", nested_field, required=False)
        await check("mongo: extra: $elemMatch", elem_match, required=False)
        await check("mongo: extra: compound unique index", compound_unique, required=False)
        await check("mongo: extra: datetime/int64 round-trip", types_roundtrip, required=False)
        await check("mongo: extra: bulk_write, delete_many", bulk_and_replace, required=False)
    finally:
        try:
            await client.drop_database(db.name)
        finally:
            await client.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["kafka", "mongo"])
    args = parser.parse_args()
    if args.only in (None, "kafka"):
        await kafka_checks()
    if args.only in (None, "mongo"):
        await mongo_checks()
    width = max(len(r[0]) for r in results)
    for name, required, ok, detail in results:
        mark = "PASS" if ok else ("FAIL" if required else "NO  ")
        print(f"{mark}  {name.ljust(width)}  {detail}")
    failed = [r for r in results if r[1] and not r[2]]
    passed = sum(1 for r in results if r[2])
    print(f"smoke check: {passed} of {len(results)} checks passed, {len(failed)} required check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
