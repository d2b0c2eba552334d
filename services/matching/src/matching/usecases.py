"""What the API and the pages do: each use case checks tenancy, applies the rules, and stores the
state change together with its events in one single-document write."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from llo_shared.auth import Principal
from llo_shared.problems import Problem
from llo_shared.sealed import Sealer, refuse_to_seal
from matching import events as ev
from matching.documents import (
    candidate_profile,
    demand_spec,
    explanation_view,
    proposal_visible,
)
from matching.domain.model import empty_seat_surcharge_cents
from matching.domain.pooling import (
    PoolCohort,
    PoolResult,
    PoolUnit,
    SolverLimits,
    plan_violations,
    pool_greedy,
    pool_optimal,
)
from matching.engine import MatchingEngine
from matching.payers import erased_payers, placement_payers
from matching.scheduling import PoolingSchedule
from matching.schemas import CandidateCreate, DemandClose, DemandCreate, DemandUpdate, ProposalDecision
from matching.store import (
    CANDIDATES,
    DEMANDS,
    PLACEMENTS,
    POOLING_RUNS,
    PROPOSALS,
    SURCHARGES,
    Aggregates,
    Conflict,
    Lease,
    now,
)

log = logging.getLogger(__name__)

# What reading a stored record that breaks today's rules raises (a null, a missing key, a bad date).
BROKEN_RECORD = (KeyError, TypeError, ValueError, OverflowError, AttributeError)


@contextmanager
def skipped_if_broken(kind: str, doc: dict[str, Any]) -> Iterator[None]:
    """One tenant's broken record is logged and left out; the rest of the region still pools."""
    try:
        yield
    except BROKEN_RECORD as error:
        log.warning(
            "skipped a broken record",
            extra={"kind": kind, "ref": doc.get("_id"), "error": type(error).__name__},
        )


# A pooling run considers each seeker's best few feasible cohorts: enough room to regroup
# people, small enough that the solver stays fast for a whole region.
OPTIONS_PER_UNIT = 8


def not_found(what: str, key: str) -> Problem:
    return Problem(404, "not-found", f"{what} not found", f"no {what} {key!r} visible to you")


def conflict(detail: str) -> Problem:
    return Problem(409, "conflict", "Conflict", detail)


def _default_payers(kind: str, org: str, name: str) -> list[dict[str, Any]]:
    """A commissioner that states no payer pays itself; a mobility team is no payer and must name one."""
    if kind not in ("employer", "uwv", "gemeente", "oo_fonds"):
        return []
    scheme = "0106" if org.upper().startswith("KVK-") else "0190"
    endpoint = org.split("-", 1)[-1]
    return [
        {
            "payer_id": org,
            "kind": kind,
            "name": name,
            "scheme": scheme,
            "endpoint": endpoint,
            "share_bp": 10000,
        }
    ]


def demand_event(kind: type[ev.DemandPayload], doc: dict[str, Any], **extra: Any) -> Any:
    payload = kind(
        demand_id=doc["_id"],
        commissioner_kind=doc["commissioner_kind"],
        commissioner_org=doc["commissioner_org"],
        region=doc["region"],
        credential_type=doc.get("credential_type"),
        code=doc.get("code"),
        skills=sorted(set(doc.get("essential_skills", [])) | set(doc.get("optional_skills", []))),
        level=doc.get("level"),
        participants=doc["participants"],
        start_from=doc["start_from"],
        start_until=doc["start_until"],
        budget_per_participant_cents=doc.get("budget_per_participant_cents"),
        domain=doc.get("domain"),
        status=doc["status"],
        **extra,
    )
    return payload.envelope(producer=ev.PRODUCER, aggregate_id=doc["_id"])


class Matching:
    def __init__(
        self,
        db: Any,
        wake: Callable[[], None],
        sealer: Sealer = refuse_to_seal,
        schedule: PoolingSchedule | None = None,
    ) -> None:
        self.store = Aggregates(db)
        self.engine = MatchingEngine(db)
        self._wake = wake
        self._sealer = sealer
        self.schedule = schedule  # None: pooling runs only when asked (tests, tools)

    def _region_changed(self, region: str) -> None:
        """Demand or candidates of the region changed: its proposals are computed again shortly."""
        if self.schedule is not None:
            self.schedule.changed(region)

    # Demands -------------------------------------------------------------------------------

    async def post_demand(
        self, principal: Principal, body: DemandCreate, demand_id: str | None = None
    ) -> dict:
        if principal.role == "employer" and body.commissioner_kind == "rmt":
            raise Problem(
                422,
                "validation",
                "Invalid input",
                "an employer cannot post as rmt",
                field="commissioner_kind",
            )
        lat, lon = body.location.coordinates()
        doc = body.model_dump(mode="json", exclude={"location"}) | {
            "_id": demand_id or f"D-{uuid.uuid4().hex[:12]}",
            "commissioner_org": principal.org,
            "location": {"municipality": body.location.municipality, "lat": lat, "lon": lon},
            "status": "open",
            "created_at": now().isoformat(),
            "version": 1,
        }
        if not doc["payers"]:
            doc["payers"] = _default_payers(body.commissioner_kind, principal.org, body.commissioner_name)
        try:
            await self.store.insert(DEMANDS, doc, ev.DEMAND_TOPIC, [demand_event(ev.DemandPosted, doc)])
        except Conflict as error:
            raise conflict(str(error)) from None
        self._wake()
        self._region_changed(doc["region"])
        return doc

    async def visible_demand(self, principal: Principal, demand_id: str) -> dict:
        doc = await self.store.get(DEMANDS, demand_id)
        if doc is None or not principal.owns(doc["commissioner_org"]):
            raise not_found("demand", demand_id)  # someone else's demand does not exist for you
        return doc

    async def update_demand(self, principal: Principal, demand_id: str, body: DemandUpdate) -> dict:
        doc = await self.visible_demand(principal, demand_id)
        if doc["status"] != "open":
            raise conflict("only an open demand can be changed")
        changes = body.model_dump(mode="json", exclude_unset=True, exclude={"version"})
        merged = doc | changes
        if merged["start_until"] < merged["start_from"]:
            raise Problem(
                422, "validation", "Invalid input", "start_until is before start_from", field="start_until"
            )
        try:
            await self.store.update(
                DEMANDS,
                demand_id,
                body.version,
                {"$set": changes | {"updated_at": now().isoformat()}},
                ev.DEMAND_TOPIC,
                [demand_event(ev.DemandUpdated, merged)],
            )
        except Conflict as error:
            raise conflict(str(error)) from None
        self._wake()
        self._region_changed(doc["region"])
        if merged["region"] != doc["region"]:
            self._region_changed(merged["region"])
        return await self.visible_demand(principal, demand_id)

    async def close_demand(self, principal: Principal, demand_id: str, body: DemandClose) -> dict:
        doc = await self.visible_demand(principal, demand_id)
        if doc["status"] != "open":
            raise conflict("demand is already closed")
        closed = doc | {"status": "closed"}
        try:
            await self.store.update(
                DEMANDS,
                demand_id,
                body.version,
                {"$set": {"status": "closed", "close_reason": body.reason, "closed_at": now().isoformat()}},
                ev.DEMAND_TOPIC,
                [demand_event(ev.DemandClosed, closed, reason=body.reason)],
            )
        except Conflict as error:
            raise conflict(str(error)) from None
        self._wake()
        self._region_changed(doc["region"])
        return await self.visible_demand(principal, demand_id)

    async def demand_matches(self, principal: Principal, demand_id: str, k: int) -> list[dict]:
        doc = await self.visible_demand(principal, demand_id)
        placed = (await self.store.accepted_seats_by_demand([demand_id])).get(demand_id, 0)
        rejected = (await self.store.rejected_cohorts("demand_id", [demand_id])).get(demand_id, set())
        remaining = max(1, doc["participants"] - placed)
        need = demand_spec(doc, rejected, remaining).to_need()
        return await self._explained(need, k)

    async def _explained(self, need: Any, k: int) -> list[dict]:
        index = await self.engine.index()
        items = []
        for explanation in index.explain_top_k(need, k):
            cohort = index.cohort(explanation.cohort_id)
            offering = index.offerings[explanation.offering_id]
            items.append(explanation_view(explanation, cohort_summary(cohort, offering)))
        return items

    # Candidates --------------------------------------------------------------------------

    async def register_candidate(
        self, principal: Principal, body: CandidateCreate, ref: str | None = None
    ) -> dict:
        if principal.role == "rmt" and body.region != principal.region:
            raise Problem(
                403, "forbidden", "Not your region", "a mobility team registers candidates of its region"
            )
        lat, lon = body.location.coordinates()
        profile = body.model_dump(
            mode="json", exclude={"consent", "evidence", "personal", "payers", "region"}
        )
        profile["location"] = {"municipality": body.location.municipality, "lat": lat, "lon": lon}
        consent = body.consent.model_dump(mode="json") | {"recorded_by": principal.org, "withdrawn_on": None}
        candidate_ref = ref or f"K-{uuid.uuid4().hex[:12]}"
        doc = {
            "_id": candidate_ref,
            "region": body.region,
            "registered_by": principal.org,
            "status": "active",
            "profile": profile,
            "consents": [consent],
            "evidence": [e.model_dump(mode="json") for e in body.evidence],
            "payers": [p.model_dump(mode="json") for p in body.payers],
            "personal": body.personal.model_dump(mode="json"),
            "created_at": now().isoformat(),
            "version": 1,
        }
        event = ev.CandidateRegistered(candidate_ref=candidate_ref, region=body.region)
        try:
            await self.store.insert(
                CANDIDATES,
                doc,
                ev.CANDIDATE_TOPIC,
                [event.envelope(producer=ev.PRODUCER, aggregate_id=candidate_ref)],
            )
        except Conflict as error:
            raise conflict(str(error)) from None
        self._wake()
        self._region_changed(body.region)
        return doc

    async def visible_candidate(self, principal: Principal, ref: str) -> dict:
        doc = await self.store.get(CANDIDATES, ref)
        allowed = principal.role == "admin" or (
            principal.role == "rmt" and doc and doc["region"] == principal.region
        )
        if doc is None or not allowed:
            raise not_found("candidate", ref)
        return doc

    async def record_consent(self, principal: Principal, ref: str, purpose: str, given_on: date) -> dict:
        doc = await self._active_candidate(principal, ref)
        consent = {
            "purpose": purpose,
            "given_on": given_on.isoformat(),
            "recorded_by": principal.org,
            "withdrawn_on": None,
        }
        await self._update_candidate(doc, {"$push": {"consents": consent}})
        return await self.visible_candidate(principal, ref)

    async def withdraw_consent(self, principal: Principal, ref: str, purpose: str, on: date) -> dict:
        doc = await self._active_candidate(principal, ref)
        consents = [
            c | {"withdrawn_on": on.isoformat()}
            if c["purpose"] == purpose and not c.get("withdrawn_on")
            else c
            for c in doc.get("consents", [])
        ]
        await self._update_candidate(doc, {"$set": {"consents": consents}})
        return await self.visible_candidate(principal, ref)

    async def replace_evidence(self, principal: Principal, ref: str, evidence: list[dict]) -> dict:
        doc = await self._active_candidate(principal, ref)
        await self._update_candidate(doc, {"$set": {"evidence": evidence}})
        return await self.visible_candidate(principal, ref)

    async def _active_candidate(self, principal: Principal, ref: str) -> dict:
        doc = await self.visible_candidate(principal, ref)
        if doc["status"] != "active":
            raise conflict("candidate was erased")
        return doc

    async def _update_candidate(self, doc: dict, update: dict) -> None:
        try:
            await self.store.update(CANDIDATES, doc["_id"], doc["version"], update, ev.CANDIDATE_TOPIC, [])
        except Conflict as error:
            raise conflict(str(error)) from None

    async def erase_candidate(self, principal: Principal, ref: str) -> dict:
        doc = await self.visible_candidate(principal, ref)
        if doc["status"] == "erased":
            return doc
        event = ev.CandidateErased(candidate_ref=ref, region=doc["region"])
        update = {
            "$set": {"status": "erased", "erased_at": now().isoformat()},
            "$unset": {"personal": "", "profile": "", "consents": "", "evidence": "", "payers": ""},
        }
        try:
            await self.store.update(
                CANDIDATES,
                ref,
                doc["version"],
                update,
                ev.CANDIDATE_TOPIC,
                [event.envelope(producer=ev.PRODUCER, aggregate_id=ref)],
            )
        except Conflict as error:
            raise conflict(str(error)) from None
        await self._erase_from_placements(ref)
        self._wake()
        self._region_changed(doc["region"])
        return await self.visible_candidate(principal, ref)

    async def _erase_from_placements(self, ref: str) -> None:
        """A placement keeps who paid (an organisation) but nothing of the person as payer."""
        for placement in await self.store.find(PLACEMENTS, {"candidate_ref": ref}):
            payers = erased_payers(placement.get("payers") or [], ref)
            await self.store.db[PLACEMENTS].update_one(
                {"_id": placement["_id"]}, {"$set": {"payers": payers}}
            )

    async def candidate_matches(self, principal: Principal, ref: str, k: int) -> list[dict]:
        doc = await self._active_candidate(principal, ref)
        rejected = (await self.store.rejected_cohorts("candidate_ref", [ref])).get(ref, set())
        profile = candidate_profile(doc, rejected)
        if not profile.consents_to():
            raise conflict("the candidate has no active consent for matching")
        return await self._explained(profile.to_need(), k)

    # Pooling -------------------------------------------------------------------------------

    async def pooling_units(self, region: str) -> tuple[list[PoolUnit], list[PoolCohort], dict[str, dict]]:
        index = await self.engine.index()
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
            raise Problem(403, "forbidden", "Not your region", "a mobility team pools its own region")
        started = self.schedule.clock.now() if self.schedule else None
        try:
            async with Lease(self.store.db, "pooling"):
                run = await self._run_pooling(region, limits)
        except TimeoutError:
            raise conflict("another pooling run is still busy; try again in a minute") from None
        if self.schedule is not None and started is not None:
            self.schedule.pooled(region, started)  # this run covers the changes made before it
            await self.store.db[POOLING_RUNS].update_one(
                {"_id": region}, {"$set": {"started_at": started.isoformat()}}, upsert=True
            )
        return run

    async def regions_to_pool(self, not_pooled_since: datetime) -> list[str]:
        """The regions with open demand or active candidates that no run (of any replica) pooled
        since `not_pooled_since`: what a scheduled sweep pools."""
        db = self.store.db
        demands = await db[DEMANDS].find({"status": "open"}, {"region": 1}).to_list(None)
        candidates = await db[CANDIDATES].find({"status": "active"}, {"region": 1}).to_list(None)
        recent = (
            await db[POOLING_RUNS].find({"started_at": {"$gt": not_pooled_since.isoformat()}}).to_list(None)
        )
        pooled = {r["_id"] for r in recent}
        regions = {d["region"] for d in demands + candidates if isinstance(d.get("region"), str)}
        return sorted(regions - pooled)

    async def _run_pooling(self, region: str, limits: SolverLimits | None) -> dict:
        units, cohorts, members = await self.pooling_units(region)
        # Seconds of pure CPU per region: in a worker thread, so the service keeps answering
        # requests meanwhile (the store reads and writes around it stay on the event loop).
        result, problems, baseline = await asyncio.to_thread(_solve, units, cohorts, limits)
        if problems:  # never store a plan that breaks a rule; this is a bug, say so loudly
            raise Problem(500, "pooling-invalid", "Pooling produced an invalid plan", "; ".join(problems))
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
        index = await self.engine.index()
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
            cohort_id=doc["cohort_id"],
            offering_id=doc["offering_id"],
            region=region,
            demand_ids=sorted(m["ref"] for m in listed if m["kind"] == "demand"),
            candidate_refs=sorted(m["ref"] for m in listed if m["kind"] == "candidate"),
            seats=doc["seats"],
            enrolled_before=doc["enrolled_before"],
            fill_after=doc["fill_after"],
            break_even=doc["break_even"],
            capacity=doc["capacity"],
            reaches_break_even=doc["reaches_break_even"],
            surcharge_cents=doc["surcharge_cents"],
        )
        await self.store.insert(
            PROPOSALS, doc, ev.PROPOSAL_TOPIC, [event.envelope(producer=ev.PRODUCER, aggregate_id=doc["_id"])]
        )
        return doc

    async def visible_proposal(self, principal: Principal, proposal_id: str) -> dict:
        doc = await self.store.get(PROPOSALS, proposal_id)
        if doc is None or not proposal_visible(principal, doc):
            raise not_found("proposal", proposal_id)
        return doc

    async def region_fill(self, principal: Principal, region: str) -> list[dict]:
        """Each open cohort of the region: how many seats it lacks, and what could close the gap."""
        if principal.role == "rmt" and principal.region != region:
            raise Problem(403, "forbidden", "Not your region", "a mobility team sees its own region")
        index = await self.engine.index()
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

    # Placements -----------------------------------------------------------------------------

    async def _member(
        self, principal: Principal, proposal: dict, body: ProposalDecision
    ) -> tuple[dict, dict]:
        """The member the decision is about, and its demand or candidate document (tenancy checked)."""
        if body.demand_id is not None:
            source = await self.visible_demand(principal, body.demand_id)
            unit_id = f"demand:{body.demand_id}"
        else:
            assert body.candidate_ref is not None
            source = await self.visible_candidate(principal, body.candidate_ref)
            unit_id = f"candidate:{body.candidate_ref}"
        member = next((m for m in proposal["members"] if m["unit_id"] == unit_id), None)
        if member is None:
            raise Problem(
                422,
                "validation",
                "Invalid input",
                "not a member of this proposal",
                field="demand_id" if body.demand_id else "candidate_ref",
            )
        return member, source

    async def decide(
        self, principal: Principal, proposal_id: str, body: ProposalDecision, accept: bool
    ) -> dict:
        proposal = await self.visible_proposal(principal, proposal_id)
        if proposal["status"] != "open":
            raise conflict(f"proposal is {proposal['status']}")
        member, source = await self._member(principal, proposal, body)
        if not accept and not body.reason:
            raise Problem(422, "validation", "Invalid input", "a rejection needs a reason", field="reason")
        if accept and member["kind"] == "candidate":
            if not body.candidate_agreed:
                raise Problem(
                    422, "validation", "Invalid input", "the candidate must agree", field="candidate_agreed"
                )
            if not candidate_profile(source).consents_to():
                raise conflict("the candidate has no active consent for matching")
        placement_id = f"{proposal_id}:{member['unit_id']}"
        doc = {
            "_id": placement_id,
            "proposal_id": proposal_id,
            "cohort_id": proposal["cohort_id"],
            "region": proposal["region"],
            "demand_id": member["ref"] if member["kind"] == "demand" else None,
            "candidate_ref": member["ref"] if member["kind"] == "candidate" else None,
            "commissioner_org": member["commissioner_org"],
            "seats": member["seats"],
            "status": "accepted" if accept else "rejected",
            "reason": body.reason,
            "reason_code": body.reason_code if not accept else None,
            "decided_by": principal.org,
            "decided_at": now().isoformat(),
        }
        if accept:
            index = await self.engine.index()
            offering = index.offerings.get(proposal["offering_id"])
            doc["funding_kind"] = offering.seat_funding if offering else "private"
            doc["payers"] = placement_payers(source.get("payers", []), doc["candidate_ref"], self._sealer)
            event: Any = ev.PlacementAccepted(
                placement_id=placement_id,
                proposal_id=proposal_id,
                cohort_id=doc["cohort_id"],
                demand_id=doc["demand_id"],
                candidate_ref=doc["candidate_ref"],
                commissioner_org=doc["commissioner_org"],
                seats=doc["seats"],
                funding_kind=doc["funding_kind"],
                payers=doc["payers"],
            )
        else:
            event = ev.PlacementRejected(
                placement_id=placement_id,
                proposal_id=proposal_id,
                cohort_id=doc["cohort_id"],
                demand_id=doc["demand_id"],
                candidate_ref=doc["candidate_ref"],
                reason=body.reason_code,
            )
        try:
            await self.store.insert(
                PLACEMENTS,
                doc,
                ev.PLACEMENT_TOPIC,
                [event.envelope(producer=ev.PRODUCER, aggregate_id=placement_id)],
            )
        except Conflict:
            raise conflict("this member's decision on the proposal was already recorded") from None
        self._wake()
        return doc

    async def accept_surcharge(
        self, principal: Principal, proposal_id: str, demand_id: str, cap: int | None
    ) -> dict:
        proposal = await self.visible_proposal(principal, proposal_id)
        demand = await self.visible_demand(principal, demand_id)
        unit_id = f"demand:{demand_id}"
        member = next((m for m in proposal["members"] if m["unit_id"] == unit_id), None)
        if member is None:
            raise Problem(
                422, "validation", "Invalid input", "demand is not in this proposal", field="demand_id"
            )
        placement = await self.store.get(PLACEMENTS, f"{proposal_id}:{unit_id}")
        if placement is None or placement["status"] != "accepted":
            raise conflict("accept the proposal for this demand before its surcharge")
        shown = empty_seat_surcharge_cents(
            proposal["break_even"], proposal["fill_after"], proposal["seat_price_cents"]
        )
        if shown == 0:
            raise conflict("this group reaches break-even: there is no surcharge to accept")
        cap_cents = shown if cap is None else cap
        if cap_cents <= 0 or cap_cents > shown:
            raise Problem(
                422, "validation", "Invalid input", f"cap_cents must be 1..{shown}", field="cap_cents"
            )
        payers = demand.get("payers") or []
        if not payers:
            raise conflict("this demand names no payer to charge the surcharge to")
        payer = payers[0]  # `payer` stays for v1 consumers; the share is booked on all of `payers`
        doc = {
            "_id": f"{proposal['cohort_id']}:{demand_id}",
            "cohort_id": proposal["cohort_id"],
            "proposal_id": proposal_id,
            "demand_id": demand_id,
            "commissioner_org": demand["commissioner_org"],
            "payer": payer,
            "payers": payers,
            "seats": member["seats"],
            "cap_cents": cap_cents,
            "shown_cents": shown,
            "accepted_at": now().isoformat(),
        }
        event = ev.SurchargeAccepted(
            cohort_id=doc["cohort_id"],
            proposal_id=proposal_id,
            demand_id=demand_id,
            payer=ev.Payer.model_validate(payer),
            payers=[ev.Payer.model_validate(p) for p in payers],
            seats=doc["seats"],
            cap_cents=cap_cents,
        )
        try:
            await self.store.insert(
                SURCHARGES,
                doc,
                ev.SURCHARGE_TOPIC,
                [event.envelope(producer=ev.PRODUCER, aggregate_id=doc["cohort_id"])],
            )
        except Conflict:
            raise conflict("the surcharge for this cohort was already accepted for this demand") from None
        self._wake()
        return doc


def _solve(
    units: list[PoolUnit], cohorts: list[PoolCohort], limits: SolverLimits | None
) -> tuple[PoolResult, list[str], PoolResult]:
    """The pure CPU part of a pooling run: the plan, the rules it breaks (none), the greedy baseline."""
    result = pool_optimal(units, cohorts, limits)
    return result, plan_violations(units, cohorts, result), pool_greedy(units, cohorts)


def cohort_summary(cohort: Any, offering: Any) -> dict[str, Any]:
    return {
        "cohort_id": cohort.cohort_id,
        "offering_id": cohort.offering_id,
        "title": offering.title,
        "provider_id": cohort.provider_id,
        "level": offering.level,
        "code": offering.code,
        "municipality": cohort.municipality,
        "region": cohort.region,
        "start_date": cohort.start_date.isoformat(),
        "capacity": cohort.capacity,
        "seats_taken": cohort.seats_taken,
        "seats_left": cohort.free_seats,
        "break_even": cohort.break_even,
        "seat_price_cents": cohort.seat_price_cents,
        "status": cohort.status,
    }
