"""Cohort status machine, seat rules and the go/no-go decision (DOMAIN.md "Cohorts")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from catalogue.domain.vocab import CohortStatus, Funding, FundingKind, Leerweg

TRANSITIONS: dict[CohortStatus, frozenset[CohortStatus]] = {
    CohortStatus.planned: frozenset({CohortStatus.confirmed, CohortStatus.cancelled}),
    CohortStatus.confirmed: frozenset({CohortStatus.running, CohortStatus.cancelled}),
    CohortStatus.running: frozenset({CohortStatus.completed}),
    CohortStatus.cancelled: frozenset(),
    CohortStatus.completed: frozenset(),
}

# Seats can be reserved while the cohort has not started; a running cohort is closed
# for new enrolments unless it is a rolling period of a continuous-start offering.
OPEN_FOR_SEATS = (CohortStatus.planned.value, CohortStatus.confirmed.value)


def can_transition(current: str, target: str) -> bool:
    return CohortStatus(target) in TRANSITIONS[CohortStatus(current)]


class RejectReason(StrEnum):
    full = "full"
    cancelled = "cancelled"
    closed = "closed"
    unknown_cohort = "unknown_cohort"
    funding_not_offered = "funding_not_offered"


def list_price_cents(offering: dict[str, Any]) -> int:
    """The offering's price per participant: its components (tuition, exam, materials) added up."""
    price = offering["price"]
    return int(price["tuition_cents"] + price.get("exam_cents", 0) + price.get("materials_cents", 0))


def seat_funding_kinds(offering: dict[str, Any] | None, cohort: dict[str, Any]) -> list[str]:
    """The kinds of seat a cohort offers (DOMAIN.md "Offerings", "Mixed cohorts").

    A private offering (derde leerweg, contractonderwijs) sells private seats only. A funded
    offering sells seats of its own leerweg (BOL or BBL) and, beside them, private seats when the
    cohort names a price for one; a cohort without a seat price offers no private seat."""
    if offering is None or offering.get("funding") != Funding.bekostigd:
        return [FundingKind.private.value]
    funded = FundingKind.funded_bbl if offering.get("leerweg") == Leerweg.bbl else FundingKind.funded_bol
    private = [FundingKind.private.value] if cohort.get("seat_price_cents") else []
    return [funded.value, *private]


def rejection_reason(
    cohort: dict[str, Any] | None,
    today: date,
    funding_kind: str | None = None,
    offered: list[str] | None = None,
) -> RejectReason | None:
    """Why a seat cannot be had now; None means a seat could be had (the write decides).

    `offered` is what `seat_funding_kinds` allows; a request for another kind of seat is refused
    before the count is looked at (a waitlist place for a seat that is never offered helps nobody)."""
    if cohort is None:
        return RejectReason.unknown_cohort
    if cohort["status"] == CohortStatus.cancelled:
        return RejectReason.cancelled
    if cohort["status"] not in OPEN_FOR_SEATS or enrolment_closed(cohort, today):
        return RejectReason.closed
    if funding_kind is not None and offered is not None and funding_kind not in offered:
        return RejectReason.funding_not_offered
    if cohort["seats_left"] <= 0:
        return RejectReason.full
    return None


def enrolment_closed(cohort: dict[str, Any], today: date) -> bool:
    """Enrolment closes at the start date (rolling periods: at their end date)."""
    last_day = cohort["end_date"] if cohort.get("rolling") else cohort["start_date"]
    return today > date.fromisoformat(last_day)


def start_guaranteed(cohort: dict[str, Any]) -> bool:
    return cohort["status"] in (CohortStatus.confirmed, CohortStatus.running)


class Decision(StrEnum):
    go = "go"
    go_with_surcharge = "go_with_surcharge"
    merge = "merge"
    cancel = "cancel"


class DueAction(StrEnum):
    confirm = "confirm"  # at or above break-even: go without asking
    ask_provider = "ask_provider"  # below: CohortDecisionDue, the provider decides
    nothing = "nothing"


def due_action(cohort: dict[str, Any], today: date) -> DueAction:
    if cohort["status"] != CohortStatus.planned or date.fromisoformat(cohort["decision_date"]) > today:
        return DueAction.nothing
    if cohort["seats_taken"] >= cohort["break_even"]:
        return DueAction.confirm
    if cohort.get("decision_due_at"):
        return DueAction.nothing
    return DueAction.ask_provider


def empty_seats(cohort: dict[str, Any]) -> int:
    return max(0, cohort["break_even"] - cohort["seats_taken"])


def surcharge_total_cents(cohort: dict[str, Any]) -> int:
    """DOMAIN.md: surcharge = max(0, break_even - enrolled) * seat_price."""
    return empty_seats(cohort) * cohort["seat_price_cents"]


@dataclass(frozen=True)
class SurchargeShare:
    payer: dict[str, Any]
    seats: int
    cap_cents: int
    amount_cents: int


def split_surcharge(total_cents: int, acceptances: list[dict[str, Any]]) -> list[SurchargeShare]:
    """Pro rata to the payers' seats, half-up rounding, the last payer takes the remainder.

    Billing invoices the parts; catalogue computes them only to refuse a go-with-surcharge
    whose parts exceed what a payer accepted.
    """
    seats_total = sum(a["seats"] for a in acceptances)
    shares, given = [], 0
    for index, acceptance in enumerate(acceptances):
        if index == len(acceptances) - 1:
            amount = total_cents - given
        else:
            amount = (2 * total_cents * acceptance["seats"] + seats_total) // (2 * seats_total)
        given += amount
        shares.append(
            SurchargeShare(acceptance["payer"], acceptance["seats"], acceptance["cap_cents"], amount)
        )
    return shares


def surcharge_problem(cohort: dict[str, Any]) -> str | None:
    """Why go-with-surcharge is not possible now, or None."""
    acceptances = cohort.get("surcharge_acceptances") or []
    total = surcharge_total_cents(cohort)
    if total == 0:
        return "the cohort is at break-even: decide go"
    if not acceptances:
        return "no payer has accepted a surcharge for this cohort"
    over = [s.payer["payer_id"] for s in split_surcharge(total, acceptances) if s.amount_cents > s.cap_cents]
    if over:
        return f"the surcharge share exceeds the accepted cap of: {', '.join(over)}"
    return None
