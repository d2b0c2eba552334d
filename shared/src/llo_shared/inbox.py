"""Idempotent consumers: an inbox of handled event ids with a unique index.

A handler runs inside a claim. The claim is an insert whose `_id` is the consumer
and the event id, so the `_id` index (unique on every MongoDB-compatible server, and
enforced by FerretDB too) lets it through once per (consumer, event_id). A redelivered
event whose claim is done changes nothing. A failed handler releases its claim so the
retry can run.

A claim that is neither done nor released belongs to a handler still running, or to a
process that died while handling (SIGKILL, OOM, a lost node). Skipping the event then would
lose it: the consumer would commit its offset and never see it again. So the delivery waits:
until the claim is done (nothing to do) or released (it runs), or until the claim's lease ran
out (the holder is dead: it takes the claim over and runs). A running handler renews its
lease, so the lease can be short and a slow handler is never taken over.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from llo_shared.bus import BatchHandler, Handler
from llo_shared.envelope import EventEnvelope

INBOX = "inbox"
DEFAULT_LEASE = timedelta(seconds=30)


def _claim_id(consumer: str, event_id: str) -> str:
    return f"{consumer}|{event_id}"


class Inbox:
    def __init__(self, db: Any, lease: timedelta = DEFAULT_LEASE) -> None:
        self._collection = db[INBOX]
        self._lease = lease

    def guard(self, consumer: str, handler: Handler) -> Handler:
        """Wrap `handler` so each event has its effect at most once for `consumer`."""

        async def handle_once(event: EventEnvelope) -> None:
            claim = _claim_id(consumer, str(event.event_id))
            if not await self._claim(claim, consumer, str(event.event_id)):
                return
            renewal = asyncio.create_task(self._renew(claim))
            try:
                await handler(event)
            except BaseException:
                renewal.cancel()
                await self._collection.delete_one({"_id": claim, "state": "claimed"})
                raise
            finally:
                renewal.cancel()
            await self._collection.update_one(
                {"_id": claim}, {"$set": {"state": "done", "done_at": datetime.now(UTC)}}
            )

        return handle_once

    def guard_batch(self, consumer: str, handler: BatchHandler) -> BatchHandler:
        """The same promise for a run of events: `handler` gets those of the run not handled
        before (in order) at once, and they count as handled only when it returns; if it
        fails, every claim of the run is released, so a retry (or the bus's event-by-event
        fallback through `guard`) runs them again."""

        async def handle_run_once(events: list[EventEnvelope]) -> None:
            claimed: list[tuple[str, EventEnvelope]] = []
            renewal = asyncio.create_task(self._renew_all(claimed))
            try:
                for event in events:
                    claim = _claim_id(consumer, str(event.event_id))
                    if any(claim == held for held, _ in claimed):
                        continue  # delivered twice in one run: its first copy is ours already
                    if await self._claim(claim, consumer, str(event.event_id)):
                        claimed.append((claim, event))
                if claimed:
                    await handler([event for _, event in claimed])
            except BaseException:
                renewal.cancel()
                for claim, _ in claimed:
                    await self._collection.delete_one({"_id": claim, "state": "claimed"})
                raise
            finally:
                renewal.cancel()
            for claim, _ in claimed:
                await self._collection.update_one(
                    {"_id": claim}, {"$set": {"state": "done", "done_at": datetime.now(UTC)}}
                )

        return handle_run_once

    async def _renew_all(self, claimed: list[tuple[str, EventEnvelope]]) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            for claim, _ in list(claimed):
                await self._collection.update_one(
                    {"_id": claim, "state": "claimed"}, {"$set": {"claimed_at": datetime.now(UTC)}}
                )

    async def _claim(self, claim: str, consumer: str, event_id: str) -> bool:
        """True: this delivery holds the claim and runs the handler. False: already handled."""
        while True:
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
                pass
            held = await self._collection.find_one({"_id": claim})
            if held is None:  # released by a failed handler just now: claim it again
                continue
            if held.get("state") == "done":
                return False
            stale = await self._collection.find_one_and_update(
                {"_id": claim, "state": "claimed", "claimed_at": {"$lt": now - self._lease}},
                {"$set": {"claimed_at": now}},
            )
            if stale is not None:  # its holder died while handling: the effect is ours to make
                return True
            await asyncio.sleep(min(1.0, self._lease.total_seconds() / 4))

    async def _renew(self, claim: str) -> None:
        """Keep a running handler's claim fresh, so nobody takes it over while it works."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            await self._collection.update_one(
                {"_id": claim, "state": "claimed"}, {"$set": {"claimed_at": datetime.now(UTC)}}
            )

    async def handled(self, consumer: str, event_id: str) -> bool:
        found = await self._collection.find_one({"_id": _claim_id(consumer, event_id), "state": "done"})
        return found is not None
