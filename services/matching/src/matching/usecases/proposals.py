"""Decisions on group proposals: a commissioner accepts or rejects its demand's place, a mobility
team its candidate's (with the candidate's agreement); each decision is a placement."""

from __future__ import annotations

from typing import Any

from llo_shared.auth import Principal
from matching import events as ev
from matching.documents import candidate_profile, proposal_visible
from matching.payers import placement_payers
from matching.schemas import ProposalDecision
from matching.store import PLACEMENTS, PROPOSALS, Conflict, now
from matching.usecases.candidates import Candidates
from matching.usecases.common import Conflicted, InvalidInput, NotFound, fields_of
from matching.usecases.demands import Demands

# What both placement events carry of the stored placement as it is.
PLACEMENT_FIELDS = ("proposal_id", "cohort_id", "demand_id", "candidate_ref")


class Proposals(Demands, Candidates):
    async def visible_proposal(self, principal: Principal, proposal_id: str) -> dict:
        doc = await self.store.get(PROPOSALS, proposal_id)
        if doc is None or not proposal_visible(principal, doc):
            raise NotFound("proposal", proposal_id)
        return doc

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
            raise InvalidInput(
                "not a member of this proposal", "demand_id" if body.demand_id else "candidate_ref"
            )
        return member, source

    async def decide(
        self, principal: Principal, proposal_id: str, body: ProposalDecision, accept: bool
    ) -> dict:
        proposal = await self.visible_proposal(principal, proposal_id)
        if proposal["status"] != "open":
            raise Conflicted(f"proposal is {proposal['status']}")
        member, source = await self._member(principal, proposal, body)
        if not accept and not body.reason:
            raise InvalidInput("a rejection needs a reason", "reason")
        if accept and member["kind"] == "candidate":
            if not body.candidate_agreed:
                raise InvalidInput("the candidate must agree", "candidate_agreed")
            if not candidate_profile(source).consents_to():
                raise Conflicted("the candidate has no active consent for matching")
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
            index = await self.cohort_index.current()
            offering = index.offerings.get(proposal["offering_id"])
            doc["funding_kind"] = offering.seat_funding if offering else "private"
            doc["payers"] = placement_payers(source.get("payers", []), doc["candidate_ref"], self._sealer)
            event: Any = ev.PlacementAccepted(
                placement_id=placement_id,
                **fields_of(doc, *PLACEMENT_FIELDS, "commissioner_org", "seats", "funding_kind", "payers"),
            )
        else:
            event = ev.PlacementRejected(
                placement_id=placement_id, reason=body.reason_code, **fields_of(doc, *PLACEMENT_FIELDS)
            )
        try:
            await self.store.insert(
                PLACEMENTS,
                doc,
                ev.PLACEMENT_TOPIC,
                [event.envelope(producer=ev.PRODUCER, aggregate_id=placement_id)],
            )
        except Conflict:
            raise Conflicted("this member's decision on the proposal was already recorded") from None
        self._wake()
        return doc
