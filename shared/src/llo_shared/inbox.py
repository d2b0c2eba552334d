"""Idempotent consumers: an inbox of handled event ids with a unique index.

A handler runs inside a claim. The claim is an insert whose `_id` is the consumer
and the event id, so the `_id` index (unique on every MongoDB-compatible server, and
enforced by FerretDB too) lets it through once per (consumer, event_id). A redelivered
event whose claim is done changes nothing. A failed handler releases its claim so the
retry can run; a claim left by a crashed process is taken over after its lease ran out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from llo_shared.bus import Handler
from llo_shared.envelope import EventEnvelope

INBOX = "inbox"


def _claim_id(consumer: str, event_id: str) -> str:
    return f"{consumer}|{event_id}"


class Inbox:
    def __init__(self, db: Any, lease: timedelta = timedelta(minutes=2)) -> None:
        self._collection = db[INBOX]
        self._lease = lease

    def guard(self, consumer: str, handler: Handler) -> Handler:
        """Wrap `handler` so each event has its effect at most once for `consumer`."""

        async def handle_once(event: EventEnvelope) -> None:
            claim = _claim_id(consumer, str(event.event_id))
            if not await self._claim(claim, consumer, str(event.event_id)):
                return
            try:
                await handler(event)
            except BaseException:
                await self._collection.delete_one({"_id": claim, "state": "claimed"})
                raise
            await self._collection.update_one(
                {"_id": claim}, {"$set": {"state": "done", "done_at": datetime.now(UTC)}}
            )

        return handle_once

    async def _claim(self, claim: str, consumer: str, event_id: str) -> bool:
        now = datetime.now(UTC)
        try:
            await self._collection.insert_one(
                {
                    "_id": claim,
                    "consumer": consumer,
                    "event_id": event_id,
                    "state": "claimed",
                    "claimed_at": now,
                }
            )
            return True
        except DuplicateKeyError:
            stale = await self._collection.find_one_and_update(
                {"_id": claim, "state": "claimed", "claimed_at": {"$lt": now - self._lease}},
                {"$set": {"claimed_at": now}},
            )
            return stale is not None

    async def handled(self, consumer: str, event_id: str) -> bool:
        found = await self._collection.find_one({"_id": _claim_id(consumer, event_id), "state": "done"})
        return found is not None
