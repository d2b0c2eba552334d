"""Candidates: registered by a mobility team with consent, consents and evidence kept, erased on
request; a team sees only its own region's."""

from __future__ import annotations

import uuid
from datetime import date

from llo_shared.auth import Principal
from matching import events as ev
from matching.documents import candidate_profile
from matching.payers import erased_payers
from matching.schemas import CandidateCreate
from matching.store import CANDIDATES, PLACEMENTS, Conflict, now
from matching.usecases.common import Conflicted, NotFound, NotYourRegion, UseCase


class Candidates(UseCase):
    async def register_candidate(
        self, principal: Principal, body: CandidateCreate, ref: str | None = None
    ) -> dict:
        if principal.role == "rmt" and body.region != principal.region:
            raise NotYourRegion("a mobility team registers candidates of its region")
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
            raise Conflicted(str(error)) from None
        self._wake()
        self._region_changed(body.region)
        return doc

    async def visible_candidate(self, principal: Principal, ref: str) -> dict:
        doc = await self.store.get(CANDIDATES, ref)
        allowed = principal.role == "admin" or (
            principal.role == "rmt" and doc and doc["region"] == principal.region
        )
        if doc is None or not allowed:
            raise NotFound("candidate", ref)
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
            raise Conflicted("candidate was erased")
        return doc

    async def _update_candidate(self, doc: dict, update: dict) -> None:
        try:
            await self.store.update(CANDIDATES, doc["_id"], doc["version"], update, ev.CANDIDATE_TOPIC, [])
        except Conflict as error:
            raise Conflicted(str(error)) from None

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
            raise Conflicted(str(error)) from None
        await self._erase_from_placements(ref)
        self._wake()
        self._region_changed(doc["region"])
        return await self.visible_candidate(principal, ref)

    async def _erase_from_placements(self, ref: str) -> None:
        """A placement keeps who paid (an organisation) but nothing of the person as payer."""
        for placement in await self.store.find(PLACEMENTS, {"candidate_ref": ref}):
            payers = erased_payers(placement.get("payers") or [], ref)
            await self.store.set_placement_payers(placement["_id"], payers)

    async def candidate_matches(self, principal: Principal, ref: str, k: int) -> list[dict]:
        doc = await self._active_candidate(principal, ref)
        rejected = (await self.store.rejected_cohorts("candidate_ref", [ref])).get(ref, set())
        profile = candidate_profile(doc, rejected)
        if not profile.consents_to():
            raise Conflicted("the candidate has no active consent for matching")
        return await self._explained(profile.to_need(), k)
