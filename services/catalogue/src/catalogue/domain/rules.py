"""Cohort status machine, seat rules and the go/no-go decision (DOMAIN.md "Cohorts")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from catalogue.domain.vocab import CohortStatus, Funding, FundingKind, Leerweg
from llo_shared import surcharge

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
    return surcharge.surcharge_total_cents(
        cohort["break_even"], cohort["seats_taken"], cohort["seat_price_cents"]
    )


@dataclass(frozen=True)
class SurchargeShare:
    """One payer's part of the surcharge: per acceptance (a demand, or a payer that accepted on
    its own), and within an acceptance per payer it names (by `share_bp`)."""

    payer: dict[str, Any]
    seats: int
    cap_cents: int
    amount_cents: int
    acceptance_id: str = ""
    share_bp: int = 10_000
    demand_id: str | None = None


def acceptance_id(acceptance: dict[str, Any]) -> str:
    """Each accepting demand keeps its own acceptance; a payer accepting on its own is one."""
    given = acceptance.get("acceptance_id") or acceptance.get("demand_id")
    return str(given or acceptance["payer"]["payer_id"])


def acceptance_payers(acceptance: dict[str, Any]) -> list[dict[str, Any]]:
    """The payers an acceptance names, their shares summing to 10000 (equal when not given)."""
    payers = acceptance.get("payers") or [acceptance["payer"]]
    given = [p.get("share_bp") or 0 for p in payers]
    shares = surcharge.split_half_up(10_000, given if sum(given) > 0 else [1] * len(payers))
    return [p | {"share_bp": share} for p, share in zip(payers, shares, strict=True)]


def split_surcharge(total_cents: int, acceptances: list[dict[str, Any]]) -> list[SurchargeShare]:
    """The parts fixed at the go-with-surcharge decision (llo_shared.surcharge, the one rule):
    pro rata to the accepting seats, a demand's seats shared by its payers' share_bp, in the
    order the acceptances came in, half-up, the last part absorbing the remainder."""
    flat = [(a, p) for a in acceptances for p in acceptance_payers(a)]
    if not flat:
        return []
    amounts = surcharge.decided_parts(total_cents, [a["seats"] * p["share_bp"] for a, p in flat])
    return [
        SurchargeShare(
            {k: v for k, v in p.items() if k != "share_bp"},
            a["seats"],
            a["cap_cents"],
            amount,
            acceptance_id(a),
            p["share_bp"],
            a.get("demand_id"),
        )
        for (a, p), amount in zip(flat, amounts, strict=True)
    ]


def surcharge_problem(cohort: dict[str, Any]) -> str | None:
    """Why go-with-surcharge is not possible now, or None."""
    acceptances = cohort.get("surcharge_acceptances") or []
    total = surcharge_total_cents(cohort)
    if total == 0:
        return "the cohort is at break-even: decide go"
    if not acceptances:
        return "no payer has accepted a surcharge for this cohort"
    accepted: dict[str, int] = {}
    for share in split_surcharge(total, acceptances):
        accepted[share.acceptance_id] = accepted.get(share.acceptance_id, 0) + share.amount_cents
    over = [
        acceptance["payer"]["payer_id"]
        for acceptance in acceptances
        if accepted.get(acceptance_id(acceptance), 0) > acceptance["cap_cents"]
    ]
    if over:
        return f"the surcharge share exceeds the accepted cap of: {', '.join(over)}"
    return None


def surcharge_now(cohort: dict[str, Any]) -> list[int] | None:
    """Each part due now, in the order of the decision's parts; None without a surcharge.

    While the cohort is confirmed (enrolment open) seats filled later reduce the surcharge and
    the reduction goes back pro rata to the decided parts; once it runs the parts stand as they
    were (kept in `surcharge_parts_now`); a cancelled cohort owes nothing.
    """
    decided = ((cohort.get("decision") or {}).get("surcharge") or {}).get("payers")
    if not decided:
        return None
    parts = [p["amount_cents"] for p in decided]
    if cohort["status"] == CohortStatus.cancelled:
        return [0] * len(parts)
    if cohort["status"] != CohortStatus.confirmed:
        return list(cohort.get("surcharge_parts_now") or parts)
    return surcharge.parts_after_reduction(parts, surcharge_total_cents(cohort))
