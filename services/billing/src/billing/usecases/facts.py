"""Billable facts: what other services' events mean for the ledgers.

Every effect is convergent (natural keys, $setOnInsert, "credit what is still outstanding"),
so applying an event again, or replaying a topic from the start, changes nothing; the inbox
in front of these handlers is the first line, this is the second."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeGuard

from billing.domain.invoices import (
    STANDARD_RATE_BP,
    Cause,
    CauseKind,
    Document,
    DocumentKind,
    Line,
    Party,
    PartyKind,
    VatCategory,
)
from billing.domain.ledgers import BillingMoment, Ledger
from billing.domain.money import split_pro_rata
from billing.domain.naming import cohort_label
from billing.domain.surcharge import (
    SurchargeRefused,
    checked_parts,
    part_key,
    parts_now,
    settle,
    surcharge_total,
)
from billing.store import COHORTS, DOCUMENTS, ENROLMENTS, ENTITIES, OFFERINGS, insert_new
from billing.usecases.issuing import issue, issue_new
from billing.usecases.payers import drop_waiting
from billing.usecases.sealed import SealedPayers
from llo_shared.dutch import aantal, datum

log = logging.getLogger(__name__)

PAYER_KINDS: set[PartyKind] = {"employer", "uwv", "gemeente", "oo_fonds", "participant", "budget_scheme"}
BILLABLE_STATUSES = {"confirmed", "running"}


@dataclass(frozen=True)
class EventRef:
    event_id: str
    event_type: str
    day: date


def entity_defaults(entity_id: str) -> dict[str, Any]:
    return {
        "name": entity_id,
        "funded": True,
        "billing_moment": BillingMoment.at_enrolment.value,
        "payment_terms_days": 30,
        "kvk": None,
        "vat_number": None,
        "iban": None,
        "street": "",
        "city": "",
        "postcode": "",
    }


def _is_payer_kind(kind: object) -> TypeGuard[PartyKind]:
    return kind in PAYER_KINDS


def party_of(payer: dict[str, Any]) -> Party:
    given = payer.get("kind")
    kind: PartyKind = given if _is_payer_kind(given) else "employer"
    scheme = payer.get("scheme") if payer.get("scheme") in ("0106", "0190") else None
    return Party(
        payer_id=payer["payer_id"],
        kind=kind,
        name=payer.get("name") or payer["payer_id"],
        scheme=scheme,
        endpoint=payer.get("endpoint") if scheme else None,
    )


def vat_of(offering: dict[str, Any] | None) -> tuple[VatCategory, int]:
    """Vocational education is exempt unless the offering says it is standard-rated."""
    code = str(((offering or {}).get("price") or {}).get("vat_code") or "E").lower()
    if code in ("s", "standard", "21", "high", "hoog"):
        return VatCategory.standard, STANDARD_RATE_BP
    return VatCategory.exempt, 0


def _set_known(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if v is not None}


class Biller:
    def __init__(self, db: Any, wake: Callable[..., None] = lambda *hint: None) -> None:
        self.db = db
        self.wake = wake
        self.sealed = SealedPayers()  # the service hands it billing's sealing key (handlers.py)
        # demo mode hangs a cost-model seeder here; production has none
        self.after_offering: Callable[[Any, dict[str, Any]], Awaitable[None]] | None = None

    # read models ---------------------------------------------------------------------

    async def provider_registered(self, provider: Any) -> None:
        changes = _set_known({"name": provider.name or None, "funded": provider.funded, "kvk": provider.kvk})
        defaults = {k: v for k, v in entity_defaults(provider.provider_id).items() if k not in changes}
        await self.db[ENTITIES].update_one(
            {"_id": provider.provider_id}, {"$set": changes, "$setOnInsert": defaults}, upsert=True
        )

    async def ensure_entity(self, entity_id: str) -> dict[str, Any]:
        await self.db[ENTITIES].update_one(
            {"_id": entity_id}, {"$setOnInsert": entity_defaults(entity_id)}, upsert=True
        )
        return await self.db[ENTITIES].find_one({"_id": entity_id})

    async def offering_changed(self, offering: Any) -> None:
        values = _set_known(
            {
                "provider_id": offering.provider_id,
                "title": offering.title or None,
                "funding": offering.funding,
                "price": offering.price.model_dump() if offering.price else None,
            }
        )
        await self.db[OFFERINGS].update_one({"_id": offering.offering_id}, {"$set": values}, upsert=True)
        if self.after_offering is not None:
            stored = await self.db[OFFERINGS].find_one({"_id": offering.offering_id})
            await self.after_offering(self.db, stored)

    async def _already_applied(self, cohort_id: str, event: EventRef) -> bool:
        """The cohort read model remembers the events applied to it: a replayed old event must not
        roll it back (and so settle a surcharge against stale seat counts)."""
        seen = await self.db[COHORTS].find_one(
            {"_id": cohort_id, "applied_events": event.event_id}, {"_id": 1}
        )
        return seen is not None

    async def _mark_applied(self, cohort_id: str, event: EventRef) -> None:
        await self.db[COHORTS].update_one(
            {"_id": cohort_id}, {"$addToSet": {"applied_events": event.event_id}}, upsert=True
        )

    async def cohort_changed(self, cohort: Any, event: EventRef) -> None:
        if await self._already_applied(cohort.cohort_id, event):
            return
        stored = await self.db[COHORTS].find_one({"_id": cohort.cohort_id}) or {}
        carried = self._carried_parts(stored, cohort)  # checked before anything is written
        values = _set_known(cohort.model_dump(exclude={"cohort_id", "status", "surcharge"}))
        # Billing's own decisions (confirmed, cancelled) are not undone by a late "planned" update.
        if cohort.status and stored.get("status") not in ("cancelled",):
            if not (stored.get("status") == "confirmed" and cohort.status == "planned"):
                values["status"] = cohort.status
        await self.db[COHORTS].update_one({"_id": cohort.cohort_id}, {"$set": values}, upsert=True)
        if values.get("status") in BILLABLE_STATUSES:
            await self.bill_pending_seats(cohort.cohort_id, event)
        if stored.get("decision") == "go_with_surcharge" and (carried or after_decision(cohort)):
            await self.recompute_surcharge(cohort.cohort_id, event, carried)
        elif carried_surcharge(cohort) and stored.get("decision") is None:
            # parts of a decision not seen yet: the catalogue's relay may publish a seat written
            # just after the decision before the decision itself; kept for cohort_confirmed
            await self.db[COHORTS].update_one(
                {"_id": cohort.cohort_id}, {"$set": {"surcharge_parts_early": carried_surcharge(cohort)}}
            )
        await self._mark_applied(cohort.cohort_id, event)

    @staticmethod
    def _carried_parts(stored: dict[str, Any], cohort: Any) -> dict[str, int] | None:
        """The parts a seat event carries for a go-with-surcharge cohort, checked against the decision."""
        surcharge = carried_surcharge(cohort)
        if stored.get("decision") != "go_with_surcharge" or surcharge is None:
            return None
        return checked_parts(surcharge["total_cents"], surcharge["payers"], decided_parts(stored))

    async def _settle_early_parts(self, cohort_id: str, event: EventRef) -> None:
        """Parts carried by seat events that came in before the decision they follow."""
        cohort = await self.db[COHORTS].find_one({"_id": cohort_id}) or {}
        early = cohort.get("surcharge_parts_early")
        if not early:
            return
        try:
            parts = checked_parts(early["total_cents"], early["payers"], decided_parts(cohort))
        except SurchargeRefused as refused:  # that seat event is handled already: tell, do not guess
            log.warning("early surcharge parts ignored", extra={"cohort_id": cohort_id, "why": str(refused)})
            return
        await self._settle_surcharge(cohort, event, parts)

    # billable facts ------------------------------------------------------------------

    async def participant_enrolled(self, enrolment: Any, event: EventRef) -> None:
        cohort = await self.db[COHORTS].find_one({"_id": enrolment.cohort_id}) or {}
        await self.sealed.remember(self.db, [(enrolment, cohort, event.day)])
        await self.db[ENROLMENTS].update_one(
            {"_id": enrolment.enrolment_id},
            {"$setOnInsert": enrolment_record(enrolment, event, cohort)},
            upsert=True,
        )
        stored = await self.db[ENROLMENTS].find_one({"_id": enrolment.enrolment_id})
        if cohort.get("merged_into"):  # the merge came first: the seat is on the target already
            await self.move_merged_enrolments(cohort["_id"], cohort["merged_into"], event)
            return
        if not is_private_seat(stored):
            return  # funded seats are counted for the allocation, never invoiced
        entity = await self.ensure_entity(stored["provider_id"])
        if billable_now(entity, cohort):
            await self.bill_seat(stored, event)

    async def participants_enrolled(self, run: list[tuple[Any, EventRef]]) -> None:
        """A run of enrolments at once: one bulk write per collection instead of some fifteen
        round trips each. An enrolment stored before (a redelivery, or its withdrawal came
        first) takes the one-by-one path, which finds what an earlier attempt left."""
        cohorts = await self._by_id(COHORTS, {enrolment.cohort_id for enrolment, _ in run})
        await self.sealed.remember(self.db, [(e, cohorts.get(e.cohort_id, {}), ev.day) for e, ev in run])
        records: dict[str, dict[str, Any]] = {}
        for enrolment, event in run:
            cohort = cohorts.get(enrolment.cohort_id, {})
            records.setdefault(enrolment.enrolment_id, enrolment_record(enrolment, event, cohort))
        fresh = await insert_new(self.db[ENROLMENTS], [{"_id": k} | r for k, r in records.items()])
        private = [{"_id": k} | r for k, r in records.items() if k in fresh and is_private_seat(r)]
        invoices = await self._fresh_seat_invoices(private, cohorts)
        await issue_new(self.db, invoices)
        if invoices:
            self.wake(DOCUMENTS, [document.document_id for document, _ in invoices])
        for enrolment, event in run:
            if enrolment.enrolment_id not in fresh or cohorts.get(enrolment.cohort_id, {}).get("merged_into"):
                await self.participant_enrolled(enrolment, event)

    async def _fresh_seat_invoices(
        self, enrolments: list[dict[str, Any]], cohorts: dict[str, dict[str, Any]]
    ) -> list[tuple[Document, dict[str, Any]]]:
        entities = {p: await self.ensure_entity(p) for p in {e["provider_id"] for e in enrolments}}
        offerings = await self._by_id(
            OFFERINGS, {e["offering_id"] for e in enrolments if e.get("offering_id")}
        )
        invoices = []
        for enrolment in enrolments:
            cohort, entity = cohorts.get(enrolment["cohort_id"], {}), entities[enrolment["provider_id"]]
            if billable_now(entity, cohort):
                offering = offerings.get(enrolment.get("offering_id") or "", {})
                cause = EventRef(
                    enrolment["event_id"],
                    enrolment["event_type"],
                    date.fromisoformat(enrolment["enrolled_on"]),
                )
                invoices += self._seat_invoices(enrolment, cause, None, cohort, offering, entity)
        return invoices

    async def _cohort_label(self, cohort: dict[str, Any]) -> str:
        offering = await self.db[OFFERINGS].find_one({"_id": cohort.get("offering_id")}) or {}
        return cohort_label(cohort, offering)

    async def _by_id(self, collection: str, ids: set[str]) -> dict[str, dict[str, Any]]:
        found = await self.db[collection].find({"_id": {"$in": sorted(ids)}}).to_list(None)
        return {document["_id"]: document for document in found}

    async def enrolment_withdrawn(self, withdrawal: Any, event: EventRef) -> None:
        await self.db[ENROLMENTS].update_one(
            {"_id": withdrawal.enrolment_id},
            {"$set": {"status": "withdrawn", "withdrawn_event_id": event.event_id}},
            upsert=True,
        )
        await drop_waiting(self.db, enrolment_id=withdrawal.enrolment_id)
        invoices = (
            await self.db[DOCUMENTS]
            .find({"enrolment_id": withdrawal.enrolment_id, "kind": "invoice"})
            .to_list(None)
        )
        for invoice in invoices:
            await self.credit_remaining(
                invoice, CauseKind.withdrawal, event, "Terugboeking: deelnemer uitgeschreven"
            )

    async def cohort_confirmed(self, confirmed: Any, event: EventRef) -> None:
        if await self._already_applied(confirmed.cohort_id, event):
            return
        surcharge_payers = surcharge_payers_of(confirmed)  # refused (to the DLQ) before any write
        values = _set_known(
            {
                "provider_id": confirmed.provider_id,
                "offering_id": confirmed.offering_id,
                "break_even": confirmed.break_even,
                "seat_price_cents": confirmed.seat_price_cents,
            }
        ) | {
            "status": "confirmed",
            "decision": confirmed.decision,
            "confirmed_enrolled": confirmed.enrolled,
            "surcharge_payers": surcharge_payers,
            "confirmed_event_id": event.event_id,
            "confirmed_on": event.day.isoformat(),
        }
        await self.db[COHORTS].update_one({"_id": confirmed.cohort_id}, {"$set": values}, upsert=True)
        await self.bill_pending_seats(confirmed.cohort_id, event)
        if confirmed.decision == "go_with_surcharge":
            await self.bill_surcharge(confirmed.cohort_id, event)
            await self._settle_early_parts(confirmed.cohort_id, event)
        await self._mark_applied(confirmed.cohort_id, event)

    async def cohort_cancelled(self, cancelled: Any, event: EventRef) -> None:
        await self.db[COHORTS].update_one(
            {"_id": cancelled.cohort_id},
            {
                "$set": {
                    "status": "cancelled",
                    "cancelled_event_id": event.event_id,
                    "merged_into": getattr(cancelled, "merged_into", None),
                }
            },
            upsert=True,
        )
        await drop_waiting(self.db, cohort_id=cancelled.cohort_id)
        invoices = (
            await self.db[DOCUMENTS].find({"cohort_id": cancelled.cohort_id, "kind": "invoice"}).to_list(None)
        )
        merged_into = getattr(cancelled, "merged_into", None)
        if merged_into:
            target = await self.db[COHORTS].find_one({"_id": merged_into}) or {}
            text = f"Creditering: startmoment samengevoegd met {await self._cohort_label(target)}"
        else:
            text = "Creditering: startmoment gaat niet door"
        for invoice in invoices:
            await self.credit_remaining(invoice, CauseKind.cohort_cancelled, event, text)
        if merged_into:
            await self.move_merged_enrolments(cancelled.cohort_id, merged_into, event)

    async def move_merged_enrolments(self, source_id: str, target_id: str, event: EventRef) -> None:
        """A merge: the people and their seats went to the target cohort (the catalogue moved the
        seats), so their money follows. The old cohort's invoices are credited (above); each
        private seat is invoiced again on the target, at the target's seat price."""
        target = await self.db[COHORTS].find_one({"_id": target_id}) or {}
        source = await self.db[COHORTS].find_one({"_id": source_id}) or {}
        moving = (
            await self.db[ENROLMENTS]
            .find({"$or": [{"cohort_id": source_id}, {"merged_from": source_id}], "status": "enrolled"})
            .to_list(None)
        )
        for enrolment in moving:
            moved = {
                "cohort_id": target_id,
                "merged_from": source_id,
                "merged_from_start": source.get("start_date"),  # its invoice line names where it came from
                "offering_id": target.get("offering_id") or enrolment.get("offering_id"),
                "seat_price_cents": target.get("seat_price_cents") or enrolment.get("seat_price_cents"),
            }
            await self.db[ENROLMENTS].update_one({"_id": enrolment["_id"]}, {"$set": moved})
            stored = enrolment | moved
            entity = await self.ensure_entity(stored["provider_id"]) if stored.get("provider_id") else {}
            if is_private_seat(stored) and billable_now(entity, target):
                cause = EventRef(
                    stored["event_id"], stored.get("event_type", "ParticipantEnrolled"), event.day
                )
                await self.bill_seat(stored, cause, triggered_by=event.event_id)

    # seats ---------------------------------------------------------------------------

    async def bill_pending_seats(self, cohort_id: str, trigger: EventRef) -> None:
        pending = (
            await self.db[ENROLMENTS]
            .find({"cohort_id": cohort_id, "funding_kind": "private", "status": "enrolled"})
            .to_list(None)
        )
        for enrolment in pending:
            cause = EventRef(
                enrolment["event_id"],
                enrolment.get("event_type", "ParticipantEnrolled"),
                trigger.day,
            )
            await self.bill_seat(enrolment, cause, triggered_by=trigger.event_id)

    async def bill_seat(
        self, enrolment: dict[str, Any], cause: EventRef, triggered_by: str | None = None
    ) -> None:
        if enrolment.get("status") != "enrolled" or not enrolment.get("provider_id"):
            return
        cohort = await self.db[COHORTS].find_one({"_id": enrolment["cohort_id"]}) or {}
        offering = await self.db[OFFERINGS].find_one({"_id": enrolment.get("offering_id")}) or {}
        entity = await self.ensure_entity(enrolment["provider_id"])
        for document, extra in self._seat_invoices(enrolment, cause, triggered_by, cohort, offering, entity):
            await issue(self.db, document, **extra)
        self.wake()

    def _seat_invoices(
        self,
        enrolment: dict[str, Any],
        cause: EventRef,
        triggered_by: str | None,
        cohort: dict[str, Any],
        offering: dict[str, Any],
        entity: dict[str, Any],
    ) -> list[tuple[Document, dict[str, Any]]]:
        """The invoices for one private seat: one per payer, by its share of the seat price."""
        if cohort.get("status") == "cancelled":
            return []
        price = enrolment.get("seat_price_cents") or cohort.get("seat_price_cents") or list_price(offering)
        if not price:
            log.warning("private seat without a price", extra={"enrolment_id": enrolment["_id"]})
            return []
        payers = enrolment.get("payers") or [
            {
                "payer_id": enrolment.get("participant_ref") or enrolment["_id"],
                "kind": "participant",
            }
        ]
        amounts = split_pro_rata(price, [max(1, p.get("share_bp") or 10_000) for p in payers])
        category, rate = vat_of(offering)
        description = f"Opleidingsplaats {cohort_label(cohort, offering)}{moved_note(enrolment)}"
        invoices = []
        for payer, amount in zip(payers, amounts, strict=True):
            if amount <= 0:
                continue
            line = Line(
                description=description,
                unit_price_cents=amount,
                ledger=Ledger.privaat,
                vat_category=category,
                vat_rate_bp=rate,
                cost_centre=enrolment["cohort_id"],
                cohort_id=enrolment["cohort_id"],
                cause=Cause(
                    kind=CauseKind.private_seat,
                    event_id=cause.event_id,
                    event_type=cause.event_type,
                    reference=enrolment["_id"],
                    triggered_by_event_id=triggered_by,
                ),
            )
            document = self._invoice(
                seat_document_id(enrolment, payer),
                entity,
                payer,
                line,
                cause.day,
                enrolment["cohort_id"],
            )
            invoices.append((document, {"enrolment_id": enrolment["_id"], "purpose": "seat"}))
        return invoices

    # surcharge -----------------------------------------------------------------------
    # The parts are the catalogue's (llo_shared.surcharge, carried in its events); billing
    # brings what each part was billed (net of credit notes) to exactly that part.

    async def bill_surcharge(self, cohort_id: str, event: EventRef) -> None:
        """The go-with-surcharge decision: invoices for the decided parts, exactly."""
        cohort = await self.db[COHORTS].find_one({"_id": cohort_id}) or {}
        await self._settle_surcharge(cohort, event, decided_parts(cohort))

    async def recompute_surcharge(
        self, cohort_id: str, event: EventRef, carried: dict[str, int] | None = None
    ) -> None:
        """Seats filled (or freed) later: bring every part to what the catalogue says is due now."""
        cohort = await self.db[COHORTS].find_one({"_id": cohort_id}) or {}
        if cohort.get("status") != "confirmed":
            return  # once running (enrolment closed), cancelled or completed the surcharge stands
        parts = carried
        if parts is None:  # an event with a seat count but no parts: the shared function
            enrolled = cohort.get("seats_taken")
            if enrolled is None:
                enrolled = cohort.get("confirmed_enrolled") or 0
            total_now = surcharge_total(
                cohort.get("break_even") or 0, enrolled, cohort.get("seat_price_cents") or 0
            )
            parts = parts_now(decided_parts(cohort), total_now)
        await self._settle_surcharge(cohort, event, parts)

    async def _settle_surcharge(self, cohort: dict[str, Any], event: EventRef, parts: dict[str, int]) -> None:
        payers = {part_key(p): p for p in cohort.get("surcharge_payers") or []}
        if not payers or not cohort.get("provider_id"):
            return
        billed = await self.surcharge_billed_net(cohort["_id"])
        entity = await self.ensure_entity(cohort["provider_id"])
        price = cohort.get("seat_price_cents") or 0
        empty = sum(parts.values()) // price if price else 0
        for adjustment in settle(parts, billed):
            key = adjustment.payer_id
            if adjustment.delta_cents > 0:
                await self._surcharge_invoice(
                    cohort, entity, payers[key], key, adjustment.delta_cents, empty, event, billed
                )
            else:
                await self._surcharge_credit(cohort, key, -adjustment.delta_cents, empty, event)
        self.wake()

    async def surcharge_billed_net(self, cohort_id: str) -> dict[str, int]:
        """Net surcharge per part (payer, or demand and payer): invoiced minus credited."""
        documents = (
            await self.db[DOCUMENTS].find({"cohort_id": cohort_id, "purpose": "surcharge"}).to_list(None)
        )
        net: dict[str, int] = {}
        for document in documents:
            sign = -1 if document["kind"] == DocumentKind.credit_note.value else 1
            key = document.get("surcharge_part") or document["payer"]["payer_id"]
            net[key] = net.get(key, 0) + sign * document["net_cents"]
        return net

    async def _surcharge_invoice(
        self,
        cohort: dict,
        entity: dict,
        payer: dict,
        key: str,
        amount: int,
        empty: int,
        event: EventRef,
        billed: dict,
    ) -> None:
        first = key not in billed
        document_id = f"surcharge|{cohort['_id']}|{key}"
        kind = CauseKind.surcharge if first else CauseKind.surcharge_recomputation
        if not first:
            document_id += f"|{event.event_id}"
        offering = await self.db[OFFERINGS].find_one({"_id": cohort.get("offering_id")}) or {}
        category, rate = vat_of(offering)
        line = Line(
            description=(
                f"Lege-stoelentoeslag {cohort_label(cohort, offering)}: "
                f"{aantal(empty, 'lege plaats', 'lege plaatsen')}, uw aandeel naar "
                f"{aantal(payer.get('seats') or 1, 'ingeschreven plaats', 'ingeschreven plaatsen')}"
            ),
            unit_price_cents=amount,
            ledger=Ledger.privaat,  # surcharge is private revenue, even in a funded cohort
            vat_category=category,
            vat_rate_bp=rate,
            cost_centre=cohort["_id"],
            cohort_id=cohort["_id"],
            cause=Cause(
                kind=kind,
                event_id=event.event_id,
                event_type=event.event_type,
                reference=cohort["_id"],
            ),
        )
        document = self._invoice(document_id, entity, payer, line, event.day, cohort["_id"])
        await issue(self.db, document, purpose="surcharge", surcharge_part=key)

    async def _surcharge_credit(
        self, cohort: dict, key: str, amount: int, empty: int, event: EventRef
    ) -> None:
        """Credit notes referencing the part's invoices, the original last, each up to what it
        still holds, so no invoice is credited beyond its amount."""
        invoices = [
            d
            for d in await self.db[DOCUMENTS]
            .find({"cohort_id": cohort["_id"], "purpose": "surcharge", "kind": "invoice"})
            .to_list(None)
            if (d.get("surcharge_part") or d["payer"]["payer_id"]) == key
        ]
        original = f"surcharge|{cohort['_id']}|{key}"
        training = await self._cohort_label(cohort)
        for invoice in sorted(invoices, key=lambda d: (d["_id"] == original, d["_id"])):
            held = invoice["net_cents"] - sum(c.get("net_cents", 0) for c in invoice.get("credits", []))
            take = min(amount, held)
            if take <= 0:
                continue
            line = invoice["lines"][0]
            credit = Line(
                description=(
                    f"Herberekening lege-stoelentoeslag {training}: "
                    f"{aantal(empty, 'lege plaats', 'lege plaatsen')}"
                ),
                unit_price_cents=take,
                ledger=Ledger(invoice["ledger"]),
                vat_category=VatCategory(line["vat_category"]),
                vat_rate_bp=line["vat_rate_bp"],
                exemption_reason=line.get("exemption_reason"),
                cost_centre=cohort["_id"],
                cohort_id=cohort["_id"],
                cause=Cause(
                    kind=CauseKind.surcharge_recomputation,
                    event_id=event.event_id,
                    event_type=event.event_type,
                    reference=cohort["_id"],
                ),
            )
            await self._issue_credit(
                invoice, f"credit|{invoice['_id']}|{event.event_id}", credit, event, "surcharge", key
            )
            amount -= take

    # credits -------------------------------------------------------------------------

    async def credit_remaining(
        self, invoice: dict[str, Any], kind: CauseKind, event: EventRef, text: str
    ) -> None:
        """Credit what is still outstanding on `invoice`; nothing if it is fully credited already."""
        fresh = await self.db[DOCUMENTS].find_one({"_id": invoice["_id"]})
        remaining_net = fresh["net_cents"] - sum(c.get("net_cents", 0) for c in fresh.get("credits", []))
        if remaining_net <= 0:
            return
        line = fresh["lines"][0]
        credit = Line(
            description=f"{text} (factuur {fresh['number']})",
            unit_price_cents=remaining_net,
            ledger=Ledger(fresh["ledger"]),
            vat_category=VatCategory(line["vat_category"]),
            vat_rate_bp=line["vat_rate_bp"],
            exemption_reason=line.get("exemption_reason"),
            cost_centre=line.get("cost_centre"),
            cohort_id=fresh.get("cohort_id"),
            cause=Cause(
                kind=kind,
                event_id=event.event_id,
                event_type=event.event_type,
                reference=fresh["_id"],
            ),
        )
        await self._issue_credit(
            fresh, f"credit|{fresh['_id']}|{kind.value}", credit, event, fresh.get("purpose")
        )
        self.wake()

    async def _issue_credit(
        self,
        original: dict,
        document_id: str,
        line: Line,
        event: EventRef,
        purpose: str | None,
        surcharge_part: str | None = None,
    ) -> None:
        document = Document(
            document_id=document_id,
            kind=DocumentKind.credit_note,
            entity_id=original["entity_id"],
            ledger=Ledger(original["ledger"]),
            payer=Party.model_validate(original["payer"]),
            buyer_reference=original["buyer_reference"],
            issue_date=event.day,
            due_date=event.day,
            lines=[line],
            cohort_id=original.get("cohort_id"),
            credited_document_id=original["_id"],
            credited_number=original["number"],
            credited_issue_date=date.fromisoformat(original["issue_date"]),
        )
        extra = {"surcharge_part": surcharge_part or original.get("surcharge_part")}
        await issue(
            self.db,
            document,
            purpose=purpose,
            enrolment_id=original.get("enrolment_id"),
            **{k: v for k, v in extra.items() if v is not None},
        )

    def _invoice(
        self, document_id: str, entity: dict, payer: dict, line: Line, day: date, cohort_id: str
    ) -> Document:
        return Document(
            document_id=document_id,
            kind=DocumentKind.invoice,
            entity_id=entity["_id"],
            ledger=line.ledger,
            payer=party_of(payer),
            buyer_reference=payer.get("buyer_reference") or cohort_id,
            issue_date=day,
            due_date=day + timedelta(days=entity.get("payment_terms_days", 30)),
            lines=[line],
            cohort_id=cohort_id,
        )


def seat_document_id(enrolment: dict[str, Any], payer: dict[str, Any]) -> str:
    """A seat moved by a merge is a new fact on its new cohort: a document of its own."""
    base = f"seat|{enrolment['_id']}|{payer['payer_id']}"
    return f"{base}|{enrolment['cohort_id']}" if enrolment.get("merged_from") else base


def moved_note(enrolment: dict[str, Any]) -> str:
    """A seat moved by a merge says from which start it came (same training: the start date)."""
    if not enrolment.get("merged_from"):
        return ""
    start = enrolment.get("merged_from_start")
    return f" (overgezet van start {datum(start)})" if start else " (overgezet van een ander startmoment)"


def carried_surcharge(cohort: Any) -> dict[str, Any] | None:
    """The surcharge parts a cohort event carries (seat events after a go-with-surcharge decision)."""
    surcharge = getattr(cohort, "surcharge", None)
    if surcharge is None:
        return None
    return {"total_cents": surcharge.total_cents, "payers": [p.model_dump() for p in surcharge.payers]}


def after_decision(cohort: Any) -> bool:
    """An event without parts that still tells the seat count after the decision: a CohortUpdated
    of the confirmed cohort. A seat event without parts was written before the decision (the
    catalogue's relay may publish it later), so its count must not move the parts."""
    return cohort.status == "confirmed" and cohort.seats_taken is not None


def surcharge_payers_of(confirmed: Any) -> list[dict[str, Any]]:
    """The decided parts of a go-with-surcharge CohortConfirmed, checked; SurchargeRefused if they
    cannot be invoiced as they are (the event goes to the DLQ with that reason)."""
    if confirmed.decision != "go_with_surcharge":
        return []
    if confirmed.surcharge is None:
        raise SurchargeRefused("a go-with-surcharge decision without its surcharge")
    payers = [p.model_dump() for p in confirmed.surcharge.payers]
    checked_parts(confirmed.surcharge.total_cents, payers)
    return payers


def decided_parts(cohort: dict[str, Any]) -> dict[str, int]:
    """The parts fixed at the decision, by part key, in the catalogue's order."""
    return {part_key(p): int(p["amount_cents"]) for p in cohort.get("surcharge_payers") or []}


def enrolment_record(enrolment: Any, event: EventRef, cohort: dict[str, Any]) -> dict[str, Any]:
    return {
        "cohort_id": enrolment.cohort_id,
        "offering_id": enrolment.offering_id or cohort.get("offering_id"),
        "provider_id": enrolment.provider_id or cohort.get("provider_id"),
        "participant_ref": enrolment.participant_ref,
        "funding_kind": enrolment.funding_kind,
        "payers": [p.model_dump(exclude={"sealed_details"}) for p in enrolment.payers],
        "seat_price_cents": enrolment.seat_price_cents,
        "status": "enrolled",
        "event_id": event.event_id,
        "event_type": event.event_type,
        "enrolled_on": event.day.isoformat(),
    }


def is_private_seat(enrolment: dict[str, Any]) -> bool:
    """As first recorded: a later event for the same enrolment does not change its funding."""
    return enrolment.get("funding_kind") == "private" and bool(enrolment.get("provider_id"))


def billable_now(entity: dict[str, Any], cohort: dict[str, Any]) -> bool:
    """A private seat is billed at enrolment, or once its cohort is confirmed (the entity's setting)."""
    at_enrolment = entity.get("billing_moment") == BillingMoment.at_enrolment.value
    return at_enrolment or cohort.get("status") in BILLABLE_STATUSES


def list_price(offering: dict[str, Any]) -> int:
    price = offering.get("price") or {}
    return int(price.get("tuition_cents", 0) + price.get("exam_cents", 0) + price.get("materials_cents", 0))
