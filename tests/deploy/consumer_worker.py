"""One process of a consuming service, as a replica runs it: the shared library's KafkaBus, a
subscription in the service's consumer group and the inbox guarding the handler. Run by
test_consumer_group.py (`python -m tests.deploy.consumer_worker NAME BOOTSTRAP MONGO DB TOPIC GROUP`);
SIGTERM stops it the way Kubernetes stops a pod: the bus leaves the group, the others take over.

The handler's effect is one document per event (`applied` counts how often it ran), and it notes
an aggregate's events that arrive out of order."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from llo_shared import mongo
from llo_shared.bus import Subscription
from llo_shared.bus_kafka import KafkaBus
from llo_shared.envelope import EventEnvelope
from llo_shared.inbox import Inbox


def handler(db: Any, worker: str):
    async def apply(event: EventEnvelope) -> None:
        sequence = event.payload["sequence"]
        seen = await db["aggregates"].find_one_and_update(
            {"_id": event.aggregate_id}, {"$set": {"last": sequence}}, upsert=True
        )
        if (seen["last"] if seen else -1) != sequence - 1:
            await db["out_of_order"].insert_one({"event_id": str(event.event_id), "worker": worker})
        await db["effects"].update_one(
            {"_id": str(event.event_id)},
            {"$inc": {"applied": 1}, "$set": {"worker": worker, "aggregate": event.aggregate_id}},
            upsert=True,
        )

    return apply


async def main(worker: str, bootstrap: str, mongo_url: str, database: str, topic: str, group: str) -> None:
    db = mongo.connect(mongo_url, database)
    bus = KafkaBus(bootstrap, client_id=worker)
    consumer = f"{group}.effects"
    bus.subscribe(Subscription(group, (topic,), Inbox(db).guard(consumer, handler(db, worker))))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await bus.start()
    print(f"{worker} consuming", flush=True)
    await stop.wait()
    await bus.stop()
    print(f"{worker} stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
