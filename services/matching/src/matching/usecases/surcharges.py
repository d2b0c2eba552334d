"""The empty-seat surcharge: a commissioner whose demand's placement was accepted agrees to pay
its share, up to the amount it was shown; the catalogue decides and splits it."""

from __future__ import annotations

from llo_shared.auth import Principal
from matching import events as ev
from matching.domain.model import empty_seat_surcharge_cents
from matching.store import PLACEMENTS, SURCHARGES, Conflict, now
from matching.usecases.common import Conflicted, InvalidInput
from matching.usecases.proposals import Proposals


class Surcharges(Proposals):
    async def accept_surcharge(
        self, principal: Principal, proposal_id: str, demand_id: str, cap: int | None
    ) -> dict:
        proposal = await self.visible_proposal(principal, proposal_id)
        demand = await self.visible_demand(principal, demand_id)
        unit_id = f"demand:{demand_id}"
        member = next((m for m in proposal["members"] if m["unit_id"] == unit_id), None)
        if member is None:
            raise InvalidInput("demand is not in this proposal", "demand_id")
        placement = await self.store.get(PLACEMENTS, f"{proposal_id}:{unit_id}")
        if placement is None or placement["status"] != "accepted":
            raise Conflicted("accept the proposal for this demand before its surcharge")
        shown = empty_seat_surcharge_cents(
            proposal["break_even"], proposal["fill_after"], proposal["seat_price_cents"]
        )
        if shown == 0:
            raise Conflicted("this group reaches break-even: there is no surcharge to accept")
        cap_cents = shown if cap is None else cap
        if cap_cents <= 0 or cap_cents > shown:
            raise InvalidInput(f"cap_cents must be 1..{shown}", "cap_cents")
        payers = demand.get("payers") or []
        if not payers:
            raise Conflicted("this demand names no payer to charge the surcharge to")
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
            raise Conflicted("the surcharge for this cohort was already accepted for this demand") from None
        self._wake()
        return doc
