"""Billing on the real broker and a real MongoDB-compatible server (FerretDB here): gapless
numbering under concurrency, and exactly-once consumption of redelivered Kafka messages."""

from __future__ import annotations

import asyncio
import dataclasses

from billing.app import create_app
from billing.settings import BillingSettings
from billing.store import allocate_number
from llo_shared.bus import Message
from llo_shared.bus_kafka import KafkaBus
from tests.fixtures import billing_events as ev
from tests.fixtures.apps import running
from tests.support import eventually


async def test_concurrent_allocations_are_gapless_and_retries_get_their_number(mongo_db):
    numbers = await asyncio.gather(
        *(allocate_number(mongo_db, "K|privaat|invoice|2026", f"D{i}") for i in range(40))
    )
    assert sorted(numbers) == list(range(1, 41))
    assert await allocate_number(mongo_db, "K|privaat|invoice|2026", "D7") == numbers[7]
    assert await allocate_number(mongo_db, "K|privaat|invoice|2026", "D-new") == 41


def prefixed(prefix: str, item):  # type: ignore[no-untyped-def]
    topic, _envelope = item
    message = ev.message(item)
    return dataclasses.replace(message, topic=prefix + topic)


async def test_redelivered_kafka_messages_change_nothing(infra, unique, settings_overrides):
    prefix = f"t{unique}."
    settings = BillingSettings(
        **settings_overrides
        | {
            "storage": "mongo",
            "bus": "kafka",
            "mongo_url": infra.mongo_url,
            "mongo_database": f"t_{unique}",
            "kafka_bootstrap": infra.kafka,
            "topic_prefix": prefix,
        }
    )
    app = create_app(settings)
    producer = KafkaBus(infra.kafka, client_id=f"producer-{unique}")
    await producer.start()
    history = [
        ev.provider_registered(),
        ev.offering_published(),
        ev.cohort(seats_taken=3),
        *(ev.enrolled(f"ENR-{i}") for i in range(3)),
    ]
    messages: list[Message] = [prefixed(prefix, item) for item in history]
    try:
        async with running(app):
            db = app.state.runtime.db
            await ev.register_known_payers(db)
            await producer.publish(messages)
            await eventually(lambda: _count(db, "documents", 3), timeout=60, what="three seat invoices")
            before = (
                await db["documents"]
                .find({}, {"outbox": 0, "outbox_pending": 0})
                .sort("_id", 1)
                .to_list(None)
            )
            await producer.publish(messages)  # every message again, same event ids
            sentinel = ev.enrolled("ENR-0-SENTINEL")
            sentinel_message = dataclasses.replace(prefixed(prefix, sentinel), key=messages[-1].key)
            await producer.publish([sentinel_message])  # same key: same partition, after the duplicates
            await eventually(lambda: _count(db, "documents", 4), timeout=60, what="the sentinel's invoice")
            after = (
                await db["documents"]
                .find({"enrolment_id": {"$ne": "ENR-0-SENTINEL"}}, {"outbox": 0, "outbox_pending": 0})
                .sort("_id", 1)
                .to_list(None)
            )
            assert after == before
            numbers = sorted(d["sequence"] for d in await db["documents"].find({}).to_list(None))
            assert numbers == [1, 2, 3, 4]
    finally:
        await producer.stop()


async def _count(db, collection: str, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await db[collection].count_documents({}) >= expected
