"""Storage of the matching service, written once against the shared db surface (Mongo or memory).

Every state change and the events it causes go in ONE single-document write (outbox inside
the document). Decisions that concern two aggregates are kept in the document of the one that
is written: a placement document holds the acceptance or rejection, and what it means for a
demand (seats placed, cohorts to avoid) is read from the placements, never written twice.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from llo_shared.envelope import EventEnvelope
from llo_shared.mongo import IndexSpec
from llo_shared.outbox import OUTBOX, PENDING, new_document, with_events
from llo_shared.paging import store_page
from matching.domain.model import CohortView, OfferingView

DEMANDS = "demands"
CANDIDATES = "candidates"
PROPOSALS = "proposals"
PLACEMENTS = "placements"
SURCHARGES = "surcharge_acceptances"
OFFERINGS = "offerings"
COHORTS = "cohorts"
META = "readmodel_meta"
POOLING_RUNS = "pooling_runs"  # region -> when its latest run started (the schedule's clock)

OUTBOX_COLLECTIONS = (DEMANDS, CANDIDATES, PROPOSALS, PLACEMENTS, SURCHARGES)

INDEXES = [
    IndexSpec(DEMANDS, [("commissioner_org", 1), ("_id", 1)]),
    IndexSpec(DEMANDS, [("region", 1), ("status", 1)]),
    IndexSpec(CANDIDATES, [("region", 1), ("_id", 1)]),
    IndexSpec(PROPOSALS, [("region", 1), ("status", 1)]),
    IndexSpec(PLACEMENTS, [("proposal_id", 1)]),
    IndexSpec(PLACEMENTS, [("demand_id", 1)]),
    IndexSpec(PLACEMENTS, [("candidate_ref", 1)]),
    IndexSpec(COHORTS, [("region", 1)]),
]

HIDDEN = {OUTBOX: 0, PENDING: 0}
BY_ID = [("_id", 1)]  # the order of every list matching pages: ids are unique, so it never varies


class Conflict(Exception):
    """The document changed meanwhile, or the decision was already taken."""


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class ReadModel:
    """Offerings and cohorts as the catalogue's events describe them."""

    def __init__(self, db: Any) -> None:
        self.db = db

    async def _newer(self, collection: str, key: str, at: str) -> bool:
        existing = await self.db[collection].find_one({"_id": key}, {"last_event_at": 1})
        return existing is None or existing.get("last_event_at", "") <= at

    async def _bump(self) -> None:
        await self.db[META].update_one({"_id": "version"}, {"$inc": {"n": 1}}, upsert=True)

    async def version(self) -> int:
        found = await self.db[META].find_one({"_id": "version"})
        return int(found["n"]) if found else 0

    async def put_offering(self, document: dict[str, Any], at: str) -> bool:
        return await self._put(OFFERINGS, document["offering_id"], document, at)

    async def put_cohort(self, document: dict[str, Any], at: str) -> bool:
        return await self._put(COHORTS, document["cohort_id"], document, at)

    async def _put(self, collection: str, key: str, document: dict[str, Any], at: str) -> bool:
        if not await self._newer(collection, key, at):
            return False
        await self.db[collection].replace_one(
            {"_id": key}, document | {"_id": key, "last_event_at": at}, upsert=True
        )
        await self._bump()
        return True

    async def patch_offering(self, key: str, changes: dict[str, Any], at: str) -> bool:
        return await self._patch(OFFERINGS, key, changes, at)

    async def patch_cohort(self, key: str, changes: dict[str, Any], at: str) -> bool:
        return await self._patch(COHORTS, key, changes, at)

    async def _patch(self, collection: str, key: str, changes: dict[str, Any], at: str) -> bool:
        result = await self.db[collection].update_one(
            {"_id": key, "last_event_at": {"$lte": at}}, {"$set": changes | {"last_event_at": at}}
        )
        if result.modified_count:
            await self._bump()
        return bool(result.modified_count)

    async def offerings(self) -> dict[str, OfferingView]:
        docs = await self.db[OFFERINGS].find({}).to_list(None)
        return {d["_id"]: offering_view(d) for d in docs}

    async def cohorts(self, region: str | None = None) -> list[CohortView]:
        query = {"region": region} if region else {}
        docs = await self.db[COHORTS].find(query).sort("_id", 1).to_list(None)
        offerings = await self.db[OFFERINGS].find({}, {"delivery": 1}).to_list(None)
        delivery = {o["_id"]: frozenset(o.get("delivery", ())) for o in offerings}
        return [cohort_view(d, delivery.get(d["offering_id"], frozenset())) for d in docs]

    async def cohort_documents(self, region: str) -> list[dict[str, Any]]:
        return await self.db[COHORTS].find({"region": region}).sort("_id", 1).to_list(None)


def offering_view(d: dict[str, Any]) -> OfferingView:
    return OfferingView(
        offering_id=d["offering_id"],
        provider_id=d["provider_id"],
        title=d.get("title", ""),
        credential_type=d.get("credential_type"),
        code=d.get("code"),
        leerweg=d.get("leerweg"),
        level=d.get("level"),
        domain=d.get("domain"),
        skills=frozenset(d.get("skills", [])),
        visibility=d.get("visibility", "public"),
        visible_to=frozenset(d.get("visible_to", [])),
        funding=d.get("funding"),
        price_cents=int(d.get("price_cents", 0)),
        withdrawn=bool(d.get("withdrawn", False)),
    )


def cohort_view(d: dict[str, Any], delivery: frozenset[str] = frozenset()) -> CohortView:
    return CohortView(
        cohort_id=d["cohort_id"],
        offering_id=d["offering_id"],
        provider_id=d["provider_id"],
        region=d["region"],
        start_date=date.fromisoformat(d["start_date"]),
        capacity=int(d["capacity"]),
        break_even=int(d["break_even"]),
        seat_price_cents=int(d.get("seat_price_cents", 0)),
        seats_taken=int(d.get("seats_taken", 0)),
        seats_left=d.get("seats_left"),
        status=d.get("status", "planned"),
        municipality=d.get("municipality"),
        lat=d.get("lat"),
        lon=d.get("lon"),
        end_date=date.fromisoformat(d["end_date"]) if d.get("end_date") else None,
        decision_date=date.fromisoformat(d["decision_date"]) if d.get("decision_date") else None,
        delivery=delivery,
    )


class Aggregates:
    """Demands, candidates, proposals, placements and surcharge acceptances, each with its outbox."""

    def __init__(self, db: Any) -> None:
        self.db = db

    # Generic -----------------------------------------------------------------------------

    async def insert(
        self, collection: str, document: dict[str, Any], topic: str, events: list[EventEnvelope]
    ) -> None:
        try:
            await self.db[collection].insert_one(new_document(document, topic, events))
        except DuplicateKeyError as error:
            raise Conflict(f"{document['_id']} exists") from error

    async def update(
        self,
        collection: str,
        key: str,
        version: int,
        update: dict[str, Any],
        topic: str,
        events: list[EventEnvelope],
    ) -> None:
        """Optimistic: applies only if nobody changed the document since it was read."""
        update = {**update, "$inc": {"version": 1}}
        result = await self.db[collection].update_one(
            {"_id": key, "version": version}, with_events(update, topic, events)
        )
        if result.matched_count == 0:
            raise Conflict(f"{key} changed meanwhile")

    async def get(self, collection: str, key: str) -> dict[str, Any] | None:
        return await self.db[collection].find_one({"_id": key}, HIDDEN)

    async def find(self, collection: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.db[collection].find(query, HIDDEN).sort("_id", 1).to_list(None)

    async def page(
        self,
        collection: str,
        query: dict[str, Any],
        cursor: str | None,
        limit: int,
        view: Callable[[dict[str, Any]], Any] = lambda doc: doc,
    ) -> dict[str, Any]:
        """A list answer (`items`, `total`, `next`) sorted by `_id`, sorted and cut in the store."""
        return await store_page(self.db[collection], query, BY_ID, cursor, limit, view, HIDDEN)

    async def set_placement_payers(self, placement_id: str, payers: list[dict[str, Any]]) -> None:
        await self.db[PLACEMENTS].update_one({"_id": placement_id}, {"$set": {"payers": payers}})

    async def record_pooling_run(self, region: str, started_at: datetime) -> None:
        """The region's latest run (of any replica): a scheduled sweep leaves it alone a while."""
        await self.db[POOLING_RUNS].update_one(
            {"_id": region}, {"$set": {"started_at": started_at.isoformat()}}, upsert=True
        )

    async def regions_with_work(self) -> set[str]:
        """Regions with an open demand or an active candidate."""
        demands = await self.db[DEMANDS].find({"status": "open"}, {"region": 1}).to_list(None)
        candidates = await self.db[CANDIDATES].find({"status": "active"}, {"region": 1}).to_list(None)
        return {d["region"] for d in demands + candidates if isinstance(d.get("region"), str)}

    async def regions_pooled_since(self, since: datetime) -> set[str]:
        recent = await self.db[POOLING_RUNS].find({"started_at": {"$gt": since.isoformat()}}).to_list(None)
        return {r["_id"] for r in recent}

    # Queries the rules need ------------------------------------------------------------------

    async def accepted_seats_by_demand(self, demand_ids: list[str]) -> dict[str, int]:
        docs = await self.find(PLACEMENTS, {"demand_id": {"$in": demand_ids}, "status": "accepted"})
        seats: dict[str, int] = {}
        for doc in docs:
            seats[doc["demand_id"]] = seats.get(doc["demand_id"], 0) + int(doc["seats"])
        return seats

    async def rejected_cohorts(self, field: str, refs: list[str]) -> dict[str, set[str]]:
        """Cohorts a demand or candidate said no to: never proposed to them again."""
        docs = await self.find(PLACEMENTS, {field: {"$in": refs}, "status": "rejected"})
        rejected: dict[str, set[str]] = {}
        for doc in docs:
            rejected.setdefault(doc[field], set()).add(doc["cohort_id"])
        return rejected

    async def placed_candidates(self, refs: list[str]) -> set[str]:
        docs = await self.find(PLACEMENTS, {"candidate_ref": {"$in": refs}, "status": "accepted"})
        return {d["candidate_ref"] for d in docs}

    async def pending_seats_by_cohort(self, cohorts: list[dict[str, Any]]) -> dict[str, int]:
        """Seats accepted here after the catalogue last reported on the cohort: not in its counts yet."""
        seen_at = {c["_id"]: c.get("last_event_at", "") for c in cohorts}
        docs = await self.find(PLACEMENTS, {"cohort_id": {"$in": list(seen_at)}, "status": "accepted"})
        pending: dict[str, int] = {}
        for doc in docs:
            if doc.get("decided_at", "") > seen_at[doc["cohort_id"]]:
                pending[doc["cohort_id"]] = pending.get(doc["cohort_id"], 0) + int(doc["seats"])
        return pending

    async def seats_held_by_other_regions(self, region: str, cohort_ids: list[str]) -> dict[str, int]:
        """Seats of open proposals from other regions' runs that nobody decided on yet: a cohort
        near a border is reachable from two regions, and each run must leave the other's seats."""
        proposals = await self.find(PROPOSALS, {"cohort_id": {"$in": cohort_ids}, "status": "open"})
        elsewhere = [p for p in proposals if p["region"] != region]
        decided = await self.find(PLACEMENTS, {"proposal_id": {"$in": [p["_id"] for p in elsewhere]}})
        decided_ids = {d["_id"] for d in decided}  # accepted ones count in the cohort's seats already
        held: dict[str, int] = {}
        for proposal in elsewhere:
            for member in proposal["members"]:
                if f"{proposal['_id']}:{member['unit_id']}" not in decided_ids:
                    held[proposal["cohort_id"]] = held.get(proposal["cohort_id"], 0) + int(member["seats"])
        return held

    async def supersede_open_proposals(self, region: str, keep: set[str]) -> None:
        open_ones = await self.find(PROPOSALS, {"region": region, "status": "open"})
        for proposal in open_ones:
            if proposal["_id"] not in keep:
                await self.db[PROPOSALS].update_one(
                    {"_id": proposal["_id"], "status": "open"}, {"$set": {"status": "superseded"}}
                )


LEASES = "leases"


class Lease:
    """One holder at a time across every replica: a document whose _id is the lease's name.
    Pooling runs hold it, so two regions' runs never both count the same free seats."""

    def __init__(self, db: Any, name: str, ttl_s: float = 120.0, wait_s: float = 60.0) -> None:
        self.db, self.name, self.ttl_s, self.wait_s = db, name, ttl_s, wait_s
        self.owner = uuid.uuid4().hex

    async def __aenter__(self) -> Lease:
        deadline = time.monotonic() + self.wait_s
        while not await self._try_acquire():
            if time.monotonic() > deadline:
                raise TimeoutError(f"lease {self.name} is held by another run")
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.db[LEASES].delete_one({"_id": self.name, "owner": self.owner})

    async def _try_acquire(self) -> bool:
        current = now()
        # A holder that died leaves a lease that runs out; take it over then.
        await self.db[LEASES].delete_one({"_id": self.name, "until": {"$lt": current.isoformat()}})
        until = (current + timedelta(seconds=self.ttl_s)).isoformat()
        try:
            await self.db[LEASES].insert_one({"_id": self.name, "owner": self.owner, "until": until})
        except DuplicateKeyError:
            return False
        return True
