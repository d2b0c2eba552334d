"""Demands (scholingsvragen): post, change and close one, and its best matches; a commissioner
sees only its own."""

from __future__ import annotations

import uuid
from typing import Any

from llo_shared.auth import Principal
from matching import events as ev
from matching.documents import demand_spec
from matching.schemas import DemandClose, DemandCreate, DemandUpdate
from matching.store import DEMANDS, Conflict, now
from matching.usecases.common import Conflicted, InvalidInput, NotFound, UseCase


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


class Demands(UseCase):
    async def post_demand(
        self, principal: Principal, body: DemandCreate, demand_id: str | None = None
    ) -> dict:
        if principal.role == "employer" and body.commissioner_kind == "rmt":
            raise InvalidInput("an employer cannot post as rmt", "commissioner_kind")
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
            raise Conflicted(str(error)) from None
        self._wake()
        self._region_changed(doc["region"])
        return doc

    async def visible_demand(self, principal: Principal, demand_id: str) -> dict:
        doc = await self.store.get(DEMANDS, demand_id)
        if doc is None or not principal.owns(doc["commissioner_org"]):
            raise NotFound("demand", demand_id)  # someone else's demand does not exist for you
        return doc

    async def update_demand(self, principal: Principal, demand_id: str, body: DemandUpdate) -> dict:
        doc = await self.visible_demand(principal, demand_id)
        if doc["status"] != "open":
            raise Conflicted("only an open demand can be changed")
        changes = body.model_dump(mode="json", exclude_unset=True, exclude={"version"})
        merged = doc | changes
        if merged["start_until"] < merged["start_from"]:
            raise InvalidInput("start_until is before start_from", "start_until")
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
            raise Conflicted(str(error)) from None
        self._wake()
        self._region_changed(doc["region"])
        if merged["region"] != doc["region"]:
            self._region_changed(merged["region"])
        return await self.visible_demand(principal, demand_id)

    async def close_demand(self, principal: Principal, demand_id: str, body: DemandClose) -> dict:
        doc = await self.visible_demand(principal, demand_id)
        if doc["status"] != "open":
            raise Conflicted("demand is already closed")
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
            raise Conflicted(str(error)) from None
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
