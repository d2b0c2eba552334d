"""The lege-stoelentoeslag (empty-seat surcharge) as billing sees it.

The rule itself lives once, in `llo_shared.surcharge` (DOMAIN.md): the catalogue takes the
go-with-surcharge decision, computes every payer's part with it and carries the parts in its
events. Billing invoices exactly those parts; it checks them (`checked_parts`) and refuses an
event whose parts do not add up, name other payers than the decision, or pass a cap, instead of
splitting again.

Billing computes parts itself in one case only: a CohortUpdated of the confirmed cohort, which
carries a new seat count but no parts (the catalogue puts parts on its seat events only). Then
`parts_now` applies the catalogue's own function to the decided parts, so both services arrive at
the same cents; waiting for a later seat event instead would leave a payer over-billed meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llo_shared.surcharge import parts_after_reduction, parts_problem, split_half_up, surcharge_total_cents


class SurchargeRefused(ValueError):
    """Parts billing cannot invoice as they are; raised so the bus dead-letters the event with
    this reason (the handler writes nothing before it checks)."""


def part_key(payer: dict[str, Any]) -> str:
    """One part per payer per acceptance: two demands of one employer are two parts."""
    acceptance = payer.get("acceptance_id")
    if not acceptance or acceptance == payer["payer_id"]:
        return str(payer["payer_id"])
    return f"{acceptance}|{payer['payer_id']}"


def checked_parts(
    total_cents: int | None, payers: Sequence[dict[str, Any]], decided: dict[str, int] | None = None
) -> dict[str, int]:
    """The parts by part key, in the catalogue's order; SurchargeRefused says why not."""
    if total_cents is None or not payers:
        raise SurchargeRefused("a go-with-surcharge decision without its total and payers' parts")
    keys = [part_key(p) for p in payers]
    if len(set(keys)) != len(keys):
        raise SurchargeRefused(f"a payer appears twice in one acceptance: {keys}")
    problem = parts_problem(
        total_cents,
        [p.get("amount_cents") for p in payers],
        [p.get("cap_cents") for p in payers],
        groups=[str(p.get("acceptance_id") or p["payer_id"]) for p in payers],
    )
    if problem:
        raise SurchargeRefused(problem)
    parts = {key: int(p["amount_cents"]) for key, p in zip(keys, payers, strict=True)}
    if decided is not None:
        if list(parts) != list(decided):
            raise SurchargeRefused(f"the parts name {list(parts)}, the decision named {list(decided)}")
        over = {k: (parts[k], decided[k]) for k in parts if parts[k] > decided[k]}
        if over:
            raise SurchargeRefused(f"parts above what was decided (now, decided): {over}")
    return parts


def parts_now(decided: dict[str, int], total_now_cents: int) -> dict[str, int]:
    """The decided parts after the surcharge became `total_now_cents` (the one shared function)."""
    keys = list(decided)
    return dict(zip(keys, parts_after_reduction([decided[k] for k in keys], total_now_cents), strict=True))


@dataclass(frozen=True)
class Adjustment:
    """What to do for one part after recomputation: credit (negative) or charge more (positive)."""

    payer_id: str  # the part key
    delta_cents: int


def settle(new_parts: dict[str, int], billed_net: dict[str, int]) -> list[Adjustment]:
    """Differences that bring every part from what it was billed (net of credits) to its new value."""
    payer_ids = sorted(set(new_parts) | set(billed_net))
    adjustments = [Adjustment(p, new_parts.get(p, 0) - billed_net.get(p, 0)) for p in payer_ids]
    return [a for a in adjustments if a.delta_cents != 0]


# A preview of a split before any decision (what-if figures); invoices never use it. -----------


@dataclass(frozen=True)
class AcceptingPayer:
    payer_id: str
    seats: int
    cap_cents: int | None = None  # None: accepted without a ceiling


@dataclass(frozen=True)
class SurchargeSplit:
    surcharge_cents: int
    parts: dict[str, int]  # payer_id -> cents
    uncovered_cents: int  # what caps would leave uncovered (the catalogue refuses such a decision)

    @property
    def charged_cents(self) -> int:
        return sum(self.parts.values())


def surcharge_total(break_even: int, enrolled: int, seat_price_cents: int) -> int:
    return surcharge_total_cents(break_even, enrolled, seat_price_cents)


def split_surcharge(
    break_even: int, enrolled: int, seat_price_cents: int, payers: Sequence[AcceptingPayer]
) -> SurchargeSplit:
    """The one rule applied to payers in the order given (the order they accepted)."""
    total = surcharge_total(break_even, enrolled, seat_price_cents)
    accepting = [p for p in payers if p.seats > 0]
    if total == 0 or not accepting:
        return SurchargeSplit(total, {p.payer_id: 0 for p in payers}, total)
    raw = split_half_up(total, [p.seats for p in accepting])
    parts = {
        p.payer_id: part if p.cap_cents is None else min(part, p.cap_cents)
        for p, part in zip(accepting, raw, strict=True)
    }
    return SurchargeSplit(total, parts, total - sum(parts.values()))
