"""Pooling: a region's open demands and consenting candidates grouped into cohorts (CP-SAT, under
the pooling lease), the group proposals stored with their events, and how far each cohort of the
region is from break-even."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from llo_shared.auth import Principal
from matching import events as ev
from matching.documents import candidate_profile, demand_spec
from matching.domain.pooling import (
    PoolCohort,
    PoolResult,
    PoolUnit,
    SolverLimits,
    plan_violations,
    pool_greedy,
    pool_optimal,
)
from matching.store import CANDIDATES, DEMANDS, PLACEMENTS, PROPOSALS, Lease, now
from matching.usecases.common import (
    Conflicted,
    InvalidPlan,
    NotYourRegion,
    UseCase,
    cohort_summary,
    fields_of,
    skipped_if_broken,
)

# A pooling run considers each seeker's best few feasible cohorts: enough room to regroup
# people, small enough that the solver stays fast for a whole region.
OPTIONS_PER_UNIT = 8
# What `GroupProposed` carries of the stored proposal as it is.
PROPOSAL_FIELDS = (
    "cohort_id",
    "offering_id",
    "region",
    "seats",
    "enrolled_before",
    "fill_after",
    "break_even",
    "capacity",
    "reaches_break_even",
    "surcharge_cents",
)


class Pooling(UseCase):
    async def pooling_units(self, region: str) -> tuple[list[PoolUnit], list[PoolCohort], dict[str, dict]]:
        index = await self.cohort_index.current()
        demands = await self.store.find(DEMANDS, {"region": region, "status": "open"})
        demand_ids = [d["_id"] for d in demands]
        placed = await self.store.accepted_seats_by_demand(demand_ids)
        demand_rejections = await self.store.rejected_cohorts("demand_id", demand_ids)
        candidates = await self.store.find(CANDIDATES, {"region": region, "status": "active"})
        refs = [c["_id"] for c in candidates]
        already = await self.store.placed_candidates(refs)
        candidate_rejections = await self.store.rejected_cohorts("candidate_ref", refs)
        units: list[PoolUnit] = []
        members: dict[str, dict] = {}
        for doc in demands:
            with skipped_if_broken("demand", doc):
                remaining = doc["participants"] - placed.get(doc["_id"], 0)
                if remaining <= 0:
                    continue
                need = demand_spec(doc, demand_rejections.get(doc["_id"]), remaining).to_need()
                options = tuple((r.cohort_id, round(r.score)) for r in index.options(need, OPTIONS_PER_UNIT))
                unit_id = f"demand:{doc['_id']}"
                members[unit_id] = {
                    "kind": "demand",
                    "ref": doc["_id"],
                    "commissioner_org": doc["commissioner_org"],
                    "title": doc["title"],
                    "scores": dict(options),
                }
                units.append(PoolUnit(unit_id, remaining, options, need.splittable, "demand"))
        for doc in candidates:
            with skipped_if_broken("candidate", doc):
                profile = candidate_profile(doc, candidate_rejections.get(doc["_id"]))
                if doc["_id"] in already or not profile.consents_to():
                    continue
                options = tuple(
                    (r.cohort_id, round(r.score)) for r in index.options(profile.to_need(), OPTIONS_PER_UNIT)
                )
                unit_id = f"candidate:{doc['_id']}"
                members[unit_id] = {
                    "kind": "candidate",
                    "ref": doc["_id"],
                    "commissioner_org": doc["registered_by"],
                    "scores": dict(options),
                }
                units.append(PoolUnit(unit_id, 1, options, False, "candidate"))
        cohorts = await self._pool_cohorts({cid for u in units for cid, _ in u.options}, region)
        return units, cohorts, members

    async def _pool_cohorts(self, cohort_ids: set[str], region: str) -> list[PoolCohort]:
        docs = await self.store.find("cohorts", {"_id": {"$in": sorted(cohort_ids)}})
        pending = await self.store.pending_seats_by_cohort(docs)
        held = await self.store.seats_held_by_other_regions(region, sorted(cohort_ids))
        cohorts = []
        for d in docs:
            waiting = pending.get(d["_id"], 0)
            left = int(d.get("seats_left", d["capacity"] - d.get("seats_taken", 0)))
            free = max(0, left - waiting - held.get(d["_id"], 0))
            cohorts.append(
                PoolCohort(
                    cohort_id=d["_id"],
                    free_seats=free,
                    enrolled=int(d.get("seats_taken", 0)) + waiting,
                    break_even=int(d["break_even"]),
                    capacity=int(d["capacity"]),
                    seat_price_cents=int(d.get("seat_price_cents", 0)),
                    region=d["region"],
                    offering_id=d["offering_id"],
                )
            )
        return cohorts

    async def run_pooling(
        self, principal: Principal, region: str, limits: SolverLimits | None = None
    ) -> dict:
        if principal.role == "rmt" and principal.region != region:
            raise NotYourRegion("a mobility team pools its own region")
        started = self.schedule.clock.now() if self.schedule else None
        try:
            async with Lease(self.store.db, "pooling"):
                run = await self._run_pooling(region, limits)
        except TimeoutError:
            raise Conflicted("another pooling run is still busy; try again in a minute") from None
        if self.schedule is not None and started is not None:
            self.schedule.pooled(region, started)  # this run covers the changes made before it
            await self.store.record_pooling_run(region, started)
        return run

    async def regions_to_pool(self, not_pooled_since: datetime) -> list[str]:
        """The regions with open demand or active candidates that no run (of any replica) pooled
        since `not_pooled_since`: what a scheduled sweep pools."""
        regions = await self.store.regions_with_work()
        return sorted(regions - await self.store.regions_pooled_since(not_pooled_since))

    async def _run_pooling(self, region: str, limits: SolverLimits | None) -> dict:
        units, cohorts, members = await self.pooling_units(region)
        # Seconds of pure CPU per region: in a worker thread, so the service keeps answering
        # requests meanwhile (the store reads and writes around it stay on the event loop).
        result, problems, baseline = await asyncio.to_thread(_solve, units, cohorts, limits)
        if problems:  # never store a plan that breaks a rule; this is a bug, say so loudly
            raise InvalidPlan(problems)
        run_id = f"RUN-{uuid.uuid4().hex[:10]}"
        keep = await self._proposals_with_decisions(region)
        await self.store.supersede_open_proposals(region, keep)
        proposals = [await self._store_proposal(run_id, region, group, members) for group in result.groups]
        self._wake()
        return {
            "run_id": run_id,
            "region": region,
            "units": len(units),
            "cohorts_considered": len(cohorts),
            "cohorts_tipped": result.cohorts_tipped,
            "people_placed": result.people_placed,
            "unplaced": [members[u]["ref"] for u in result.unplaced],
            "greedy_baseline": {
                "cohorts_tipped": baseline.cohorts_tipped,
                "people_placed": baseline.people_placed,
            },
            "solver_status": result.solver_status,
            "proposal_ids": [p["_id"] for p in proposals],
        }

    async def _proposals_with_decisions(self, region: str) -> set[str]:
        open_ones = await self.store.find(PROPOSALS, {"region": region, "status": "open"})
        ids = [p["_id"] for p in open_ones]
        decided = await self.store.find(PLACEMENTS, {"proposal_id": {"$in": ids}})
        return {d["proposal_id"] for d in decided}

    async def _store_proposal(self, run_id: str, region: str, group: Any, members: dict[str, dict]) -> dict:
        index = await self.cohort_index.current()
        cohort = index.cohort(group.cohort.cohort_id)
        offering = index.offerings.get(group.cohort.offering_id)
        listed = []
        for unit_id, seats in group.members:
            known = {k: v for k, v in members[unit_id].items() if k != "scores"}
            score = members[unit_id]["scores"].get(group.cohort.cohort_id)
            listed.append(known | {"unit_id": unit_id, "seats": seats, "score": score})
        doc = {
            "_id": f"P-{uuid.uuid4().hex[:12]}",
            "run_id": run_id,
            "region": region,
            "cohort_id": group.cohort.cohort_id,
            "cohort": cohort_summary(cohort, offering) if cohort and offering else {},
            "offering_id": group.cohort.offering_id,
            "members": listed,
            # Denormalised for tenancy queries ($elemMatch is not portable to FerretDB).
            "demand_orgs": sorted({m["commissioner_org"] for m in listed if m["kind"] == "demand"}),
            "seats": group.seats_added,
            "enrolled_before": group.cohort.enrolled,
            "fill_after": group.enrolled_after,
            "break_even": group.cohort.break_even,
            "capacity": group.cohort.capacity,
            "seat_price_cents": group.cohort.seat_price_cents,
            "reaches_break_even": group.reaches_break_even,
            "tips_break_even": group.tips_break_even,
            "surcharge_cents": group.surcharge_cents,
            "status": "open",
            "created_at": now().isoformat(),
        }
        event = ev.GroupProposed(
            proposal_id=doc["_id"],
            demand_ids=sorted(m["ref"] for m in listed if m["kind"] == "demand"),
            candidate_refs=sorted(m["ref"] for m in listed if m["kind"] == "candidate"),
            **fields_of(doc, *PROPOSAL_FIELDS),
        )
        await self.store.insert(
            PROPOSALS, doc, ev.PROPOSAL_TOPIC, [event.envelope(producer=ev.PRODUCER, aggregate_id=doc["_id"])]
        )
        return doc

    async def region_fill(self, principal: Principal, region: str) -> list[dict]:
        """Each open cohort of the region: how many seats it lacks, and what could close the gap."""
        if principal.role == "rmt" and principal.region != region:
            raise NotYourRegion("a mobility team sees its own region")
        index = await self.cohort_index.current()
        units, _, _ = await self.pooling_units(region)
        fitting: dict[str, int] = {}
        for unit in units:
            for cohort_id, _ in unit.options:
                fitting[cohort_id] = fitting.get(cohort_id, 0) + unit.size
        proposed: dict[str, int] = {}
        for proposal in await self.store.find(PROPOSALS, {"region": region, "status": "open"}):
            proposed[proposal["cohort_id"]] = proposed.get(proposal["cohort_id"], 0) + proposal["seats"]
        in_region = [c for c in index.cohorts if c.region == region and c.open_for_enrolment]
        pool = {c.cohort_id: c for c in await self._pool_cohorts({c.cohort_id for c in in_region}, region)}
        items = []
        for cohort in in_region:
            planned = pool[cohort.cohort_id]
            missing = planned.seats_to_break_even
            items.append(
                cohort_summary(cohort, index.offerings[cohort.offering_id])
                | {
                    "enrolled": planned.enrolled,
                    "missing_to_break_even": missing,
                    "proposed_seats": proposed.get(cohort.cohort_id, 0),
                    "fitting_people": fitting.get(cohort.cohort_id, 0),
                    "surcharge_now_cents": missing * cohort.seat_price_cents,
                    "tipped_by_proposals": 0 < missing <= proposed.get(cohort.cohort_id, 0),
                }
            )
        items.sort(
            key=lambda i: (
                i["missing_to_break_even"] == 0,
                i["missing_to_break_even"],
                i["start_date"],
                i["cohort_id"],
            )
        )
        return items


def _solve(
    units: list[PoolUnit], cohorts: list[PoolCohort], limits: SolverLimits | None
) -> tuple[PoolResult, list[str], PoolResult]:
    """The pure CPU part of a pooling run: the plan, the rules it breaks (none), the greedy baseline."""
    result = pool_optimal(units, cohorts, limits)
    return result, plan_violations(units, cohorts, result), pool_greedy(units, cohorts)
