"""The go/no-go decision on a planned cohort, and what leads up to it (DOMAIN.md "Cohorts").

`take_decision` is the one use case the API (`POST /cohorts/{id}/decision`) and the provider's
go/no-go page both call. It refuses with named errors (`catalogue.domain.errors`): NotFound for an
unknown cohort, NotYours for another provider's, InvalidInput for a bad merge target, Conflict when
the cohort's state does not allow the decision; the API answers them as problem+json, the page in
Dutch. The sweep confirms at break-even or asks the provider once; matching's surcharge
acceptances are kept per accepting demand; the surcharge parts are computed here, once."""

from __future__ import annotations

from datetime import timedelta

from catalogue import events as ev
from catalogue.documents import Document, now
from catalogue.domain import rules
from catalogue.domain.errors import Conflict, invalid
from catalogue.domain.model import DecisionIn
from catalogue.domain.vocab import CohortStatus
from catalogue.search import SearchIndex
from catalogue.store import CatalogueStore, Page
from catalogue.usecases.cohorts import own_cohort, transition
from catalogue.usecases.seats import SEAT_ATTEMPTS, SeatChange, change_seats
from llo_shared.auth import Principal

# The decisions that confirm a cohort, spelled as CohortConfirmed carries them.
CONFIRMING: dict[rules.Decision, ev.ConfirmingDecision] = {
    rules.Decision.go: "go",
    rules.Decision.go_with_surcharge: "go_with_surcharge",
}


async def work_list(
    store: CatalogueStore, provider_id: str, within_days: int, cursor: str | None, limit: int
) -> Page:
    """The go/no-go work list: the provider's planned cohorts decided within `within_days` from
    today, or overdue, in `_id` order (the API's `GET /decisions` and the go/no-go page)."""
    horizon = store.today() + timedelta(days=within_days)
    return await store.pending_decisions(provider_id, horizon, cursor, limit)


async def take_decision(
    store: CatalogueStore, index: SearchIndex, actor: Principal, cohort_id: str, body: DecisionIn
) -> Document:
    """The go/no-go decision on one of the actor's cohorts; the search index follows."""
    cohort = await own_cohort(store, actor, cohort_id)
    target = None
    if body.decision == rules.Decision.merge:
        target = await store.cohort_document(body.merge_into or "")
        if target is None or not actor.owns(target["provider_id"]):
            raise invalid("merge_into", "unknown cohort", "merge_into: not one of your cohorts")
    doc = await decide(
        store, cohort, body.decision, decided_by=actor.subject, merge_into=target, reason=body.reason
    )
    index.upsert_cohort(doc)
    if target is not None and (merged_into := await store.cohort_document(target["_id"])) is not None:
        index.upsert_cohort(merged_into)
    return doc


async def decide(
    store: CatalogueStore,
    cohort: Document,
    decision: rules.Decision,
    *,
    decided_by: str,
    merge_into: Document | None = None,
    reason: str | None = None,
) -> Document:
    decision = rules.Decision(decision)
    if cohort["status"] != CohortStatus.planned:
        raise Conflict(
            f"the cohort is {cohort['status']}; only a planned cohort is decided", field="decision"
        )
    if decision == rules.Decision.go:
        return await _confirm(store, cohort, decision, None, decided_by)
    if decision == rules.Decision.go_with_surcharge:
        problem = rules.surcharge_problem(cohort)
        if problem:
            raise Conflict(problem, field="decision")
        return await _confirm(store, cohort, decision, surcharge_of(cohort), decided_by)
    if decision == rules.Decision.merge:
        assert merge_into is not None
        await _move_enrolments(store, cohort, merge_into)
        return await _cancel(store, cohort, "merged", merge_into["_id"], decided_by)
    return await _cancel(store, cohort, reason or "below_break_even", None, decided_by)


def surcharge_of(cohort: Document) -> ev.Surcharge:
    """The total and each payer's part, computed once: billing invoices them as they are."""
    total = rules.surcharge_total_cents(cohort)
    shares = rules.split_surcharge(total, cohort["surcharge_acceptances"])
    return ev.Surcharge(
        total_cents=total,
        empty_seats=rules.empty_seats(cohort),
        payers=[
            ev.SurchargePayer(
                **{
                    k: s.payer[k]
                    for k in ("payer_id", "kind", "name", "scheme", "endpoint")
                    if s.payer.get(k) is not None
                },
                seats=s.seats,
                cap_cents=s.cap_cents,
                amount_cents=s.amount_cents,
                acceptance_id=s.acceptance_id,
                demand_id=s.demand_id,
                share_bp=s.share_bp,
            )
            for s in shares
        ],
    )


async def _confirm(
    store: CatalogueStore,
    cohort: Document,
    decision: rules.Decision,
    surcharge: ev.Surcharge | None,
    decided_by: str,
) -> Document:
    """The cohort becomes confirmed; CohortConfirmed (with the parts) goes out with it."""
    event = ev.CohortConfirmed(
        cohort_id=cohort["_id"],
        provider_id=cohort["provider_id"],
        offering_id=cohort["offering_id"],
        decision=CONFIRMING[decision],
        enrolled=cohort["seats_taken"],
        break_even=cohort["break_even"],
        seat_price_cents=cohort["seat_price_cents"],
        surcharge=surcharge,
        decided_by=decided_by,
    )
    record = {
        "decision": decision.value,
        "decided_by": decided_by,
        "decided_at": now(),
        "enrolled": cohort["seats_taken"],
        "surcharge": surcharge.model_dump() if surcharge else None,
    }
    return await transition(store, cohort, CohortStatus.confirmed, record, event)


async def _cancel(
    store: CatalogueStore, cohort: Document, reason: str, merged_into: str | None, decided_by: str
) -> Document:
    held = await store.cohort(cohort["_id"])  # who holds its seats: from the seat ledger
    event = ev.CohortCancelled(
        cohort_id=cohort["_id"],
        provider_id=cohort["provider_id"],
        offering_id=cohort["offering_id"],
        reason=reason,
        merged_into=merged_into,
        enrolment_ids=list(held["enrolment_ids"]) if held else [],
    )
    record = {
        "decision": "merge" if merged_into else "cancel",
        "decided_by": decided_by,
        "decided_at": now(),
        "reason": reason,
        "merged_into": merged_into,
        "enrolled": cohort["seats_taken"],
        # a called-off cohort keeps its decided parts: they are what billing credits in full
        "surcharge": (cohort.get("decision") or {}).get("surcharge"),
    }
    return await transition(store, cohort, CohortStatus.cancelled, record, event)


async def call_off(
    store: CatalogueStore, cohort: Document, *, decided_by: str, reason: str | None = None
) -> Document:
    """A confirmed cohort that cannot start after all is cancelled; billing credits all it billed."""
    if cohort["status"] != CohortStatus.confirmed:
        raise Conflict(
            f"the cohort is {cohort['status']}; only a confirmed cohort is called off "
            "(a planned one gets a decision)",
            field="status",
        )
    return await _cancel(store, cohort, reason or "called_off", None, decided_by)


async def _move_enrolments(store: CatalogueStore, source: Document, target: Document) -> None:
    """Merge step 1: every enrolment of the source takes a seat in the target (SeatReserved there).

    Reservations are idempotent per enrolment, so a merge retried after a failure moves what is
    left; step 2 (cancelling the source with merged_into) runs only once all have a seat.
    """
    if target["_id"] == source["_id"] or target["status"] not in rules.OPEN_FOR_SEATS:
        raise Conflict("merge_into: pick another planned or confirmed cohort", field="merge_into")
    same_code = source.get("code") and target.get("code") == source.get("code")
    if target["offering_id"] != source["offering_id"] and not same_code:
        raise Conflict("merge_into: the target teaches another offering or code", field="merge_into")
    source, target = await _with_holders(store, source), await _with_holders(store, target)
    moving = [e for e in source["enrolments"] if e["enrolment_id"] not in target["enrolment_ids"]]
    if len(moving) > target["seats_left"]:
        raise Conflict(
            f"merge_into: the target has {target['seats_left']} seats left, {len(moving)} needed",
            field="merge_into",
        )
    requests = [SeatChange("reserve", {**e, "cohort_id": target["_id"]}) for e in moving]
    outcomes = await change_seats(store, target["_id"], requests)
    for enrolment, outcome in zip(moving, outcomes, strict=True):
        if outcome.outcome not in ("reserved", "duplicate"):
            raise Conflict(f"merge_into: no seat for {enrolment['enrolment_id']} ({outcome.reason})")


async def _with_holders(store: CatalogueStore, cohort: Document) -> Document:
    """The cohort as stored now, with who holds its seats (read from the seat ledger)."""
    found = await store.cohort(cohort["_id"])
    if found is None:
        raise Conflict(f"cohort {cohort['_id']} is gone", field="merge_into")
    return found


async def sweep_decisions(store: CatalogueStore) -> dict[str, int]:
    """Cohorts at their decision date: confirm at break-even, otherwise ask the provider once."""
    today = store.today()
    counts = {"confirmed": 0, "decision_due": 0}
    for cohort in await store.planned_due_by(today):
        action = rules.due_action(cohort, today)
        if action == rules.DueAction.confirm:
            await _confirm(store, cohort, rules.Decision.go, None, decided_by="catalogue")
            counts["confirmed"] += 1
        elif action == rules.DueAction.ask_provider:
            event = ev.CohortDecisionDue(
                cohort_id=cohort["_id"],
                provider_id=cohort["provider_id"],
                offering_id=cohort["offering_id"],
                enrolled=cohort["seats_taken"],
                break_even=cohort["break_even"],
                seats_missing=rules.empty_seats(cohort),
                seat_price_cents=cohort["seat_price_cents"],
                decision_date=cohort["decision_date"],
                start_date=cohort["start_date"],
            )
            counts["decision_due"] += await store.mark_decision_due(cohort, event)
    return counts


async def record_surcharge_acceptance(store: CatalogueStore, acceptance: Document) -> bool:
    """Keep the latest acceptance per accepting demand (or per payer accepting on its own):
    two demands of one employer are two acceptances. False if the cohort is unknown."""
    entry = {
        "acceptance_id": rules.acceptance_id(acceptance),
        "demand_id": acceptance.get("demand_id"),
        "payer": acceptance["payer"],
        "payers": acceptance.get("payers") or [acceptance["payer"]],
        "seats": acceptance["seats"],
        "cap_cents": acceptance["cap_cents"],
    }
    for _ in range(SEAT_ATTEMPTS):
        cohort = await store.cohort_document(acceptance["cohort_id"])
        if cohort is None:
            return False
        others = [
            a for a in cohort["surcharge_acceptances"] if rules.acceptance_id(a) != entry["acceptance_id"]
        ]
        if await store.set_surcharge_acceptances(cohort, [*others, entry]):
            return True
    raise RuntimeError("surcharge acceptance not recorded under contention")
