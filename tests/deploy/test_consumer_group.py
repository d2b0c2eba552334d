"""Several replicas of one service on the real broker: two processes in one consumer group share
the topic's partitions and together apply every event exactly once, in order per aggregate, also
when one of them is stopped in the middle of the stream (as a rolling update or a scale-down
does) and the other takes over its partitions (deploy/README.md, "Scaling")."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from llo_shared.bus import envelope_message
from llo_shared.bus_kafka import KafkaBus
from llo_shared.envelope import EventEnvelope
from tests.support import eventually

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 6
AGGREGATES = 30
FIRST_WAVE = 20  # events per aggregate published before the stop
SECOND_WAVE = 5  # and after it


def start_worker(name: str, infra: Any, database: str, topic: str, group: str) -> subprocess.Popen[bytes]:
    arguments = [name, infra.kafka, infra.mongo_url, database, topic, group]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.deploy.consumer_worker", *arguments],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )


async def assignment(bootstrap: str, group: str) -> dict[str, set[int]]:
    """The partitions each member (by client id) holds, as the group coordinator tells it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    held: dict[str, set[int]] = {}
    for described in response.groups:
        state, members = described[2], described[5]
        if state != "Stable":
            return {}
        for member in members:
            client_id, raw = member[1], member[4]
            decoded = ConsumerProtocolMemberAssignment.decode(raw) if raw else None
            held[client_id] = {tp.partition for tp in decoded.partitions()} if decoded else set()
    return held


async def publish(bus: KafkaBus, topic: str, sequences: range) -> None:
    for sequence in sequences:
        await bus.publish(
            [
                envelope_message(
                    topic,
                    EventEnvelope(
                        event_type="Counted",
                        producer="test",
                        aggregate_id=f"agg-{a}",
                        payload={"sequence": sequence},
                    ),
                )
                for a in range(AGGREGATES)
            ]
        )


async def test_two_replicas_share_partitions_and_apply_each_event_once_across_a_stop(infra, mongo_db, unique):
    topic, group = f"it.{unique}.replicas.v1", f"it-{unique}-replicas"
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    await admin.close()
    database = mongo_db.name
    workers = {name: start_worker(name, infra, database, topic, group) for name in ("replica-a", "replica-b")}
    producer = KafkaBus(infra.kafka, client_id="test-producer")
    await producer.start()
    try:
        # both members hold partitions, none twice, all of them between the two
        async def shared() -> bool:
            held = await assignment(infra.kafka, group)
            return set(held) == set(workers) and all(held.values()) and sum(map(len, held.values())) == 6

        await eventually(shared, timeout=90, what="both replicas in the group, sharing the partitions")
        held = await assignment(infra.kafka, group)
        assert held["replica-a"].isdisjoint(held["replica-b"])
        assert held["replica-a"] | held["replica-b"] == set(range(PARTITIONS))

        await publish(producer, topic, range(FIRST_WAVE))
        effects = mongo_db["effects"]

        async def both_busy() -> bool:
            counts = [await effects.count_documents({"worker": w}) for w in workers]
            return all(count >= 50 for count in counts)

        await eventually(both_busy, timeout=120, what="both replicas applying events")
        workers["replica-a"].send_signal(signal.SIGTERM)  # mid-stream: most events still to come
        assert await asyncio.to_thread(workers["replica-a"].wait, 60) == 0
        stopped_at = await effects.count_documents({})
        assert stopped_at < AGGREGATES * FIRST_WAVE

        await eventually(
            lambda: _holds_all(infra.kafka, group, "replica-b"), timeout=90, what="replica-b taking over"
        )
        await publish(producer, topic, range(FIRST_WAVE, FIRST_WAVE + SECOND_WAVE))
        total = AGGREGATES * (FIRST_WAVE + SECOND_WAVE)

        async def all_applied() -> bool:
            return await effects.count_documents({}) == total

        await eventually(all_applied, timeout=180, what=f"all {total} events applied")
        assert await effects.find({"applied": {"$ne": 1}}).to_list(None) == []
        assert await mongo_db["out_of_order"].find({}).to_list(None) == []
        assert await mongo_db["out_of_order"].count_documents({}) == 0
        by_a = set(await effects.distinct("aggregate", {"worker": "replica-a"}))
        after_stop = set(await effects.distinct("aggregate", {"worker": "replica-b"}))
        assert by_a and by_a <= after_stop, "replica-b carried on with replica-a's aggregates"
    finally:
        await producer.stop()
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


async def _holds_all(bootstrap: str, group: str, member: str) -> bool:
    held = await assignment(bootstrap, group)
    return set(held) == {member} and held[member] == set(range(PARTITIONS))
