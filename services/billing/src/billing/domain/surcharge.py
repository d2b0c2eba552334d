"""The lege-stoelentoeslag (empty-seat surcharge), exactly as DOMAIN.md states it:

surcharge = max(0, break_even - enrolled) * seat_price, charged only to the payers who accepted
it, pro rata to their enrolled seats, half-up, the last payer absorbing the rounding remainder.
A payer never pays more than it accepted (its cap); what caps leave uncovered stays with the
provider and is reported, never shifted onto another payer beyond its pro-rata share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billing.domain.money import split_pro_rata


@dataclass(frozen=True)
class AcceptingPayer:
    payer_id: str
    seats: int
    cap_cents: int | None = None  # None: accepted without a ceiling


@dataclass(frozen=True)
class SurchargeSplit:
    surcharge_cents: int
    parts: dict[str, int]  # payer_id -> cents
    uncovered_cents: int  # left with the provider because of caps

    @property
    def charged_cents(self) -> int:
        return sum(self.parts.values())


def surcharge_total(break_even: int, enrolled: int, seat_price_cents: int) -> int:
    return max(0, break_even - enrolled) * seat_price_cents


def ordered_payers(payers: Sequence[AcceptingPayer]) -> list[AcceptingPayer]:
    """Deterministic order; the payer with most seats comes last so it absorbs the remainder
    (the remainder is at most a few cents, smallest relative to the largest share)."""
    return sorted(payers, key=lambda p: (p.seats, p.payer_id))


def split_surcharge(
    break_even: int, enrolled: int, seat_price_cents: int, payers: Sequence[AcceptingPayer]
) -> SurchargeSplit:
    total = surcharge_total(break_even, enrolled, seat_price_cents)
    accepting = [p for p in ordered_payers(payers) if p.seats > 0]
    if total == 0 or not accepting:
        return SurchargeSplit(total, {p.payer_id: 0 for p in payers}, total)
    raw = split_pro_rata(total, [p.seats for p in accepting])
    parts = {
        p.payer_id: part if p.cap_cents is None else min(part, p.cap_cents)
        for p, part in zip(accepting, raw, strict=True)
    }
    return SurchargeSplit(total, parts, total - sum(parts.values()))


@dataclass(frozen=True)
class Adjustment:
    """What to do for one payer after recomputation: credit (negative) or charge more (positive)."""

    payer_id: str
    delta_cents: int


def settle(new_parts: dict[str, int], billed_net: dict[str, int]) -> list[Adjustment]:
    """Differences that bring every payer from what it was billed (net of credits) to its new part."""
    payer_ids = sorted(set(new_parts) | set(billed_net))
    adjustments = [Adjustment(p, new_parts.get(p, 0) - billed_net.get(p, 0)) for p in payer_ids]
    return [a for a in adjustments if a.delta_cents != 0]
