"""The lege-stoelentoeslag (empty-seat surcharge) rule, in one place (DOMAIN.md).

The catalogue takes the go-with-surcharge decision and computes every payer's part with these
functions; it carries the parts in its events. Billing invoices exactly those parts and only
checks them (`parts_problem`); where an event carries no parts (events published before v1
carried them) billing settles with `parts_after_reduction`, the same function the catalogue
uses, so both arrive at the same cents.

Rounding order, documented once:
1. At the decision the surcharge is split pro rata to the accepting payers' enrolled seats,
   in the order the payers accepted: each part but the last rounded half-up, the last payer
   absorbing the remainder, so the parts add up exactly.
2. A later reduction (seats filled before enrolment closes) is returned pro rata to the parts
   fixed at the decision, in the same order and with the same rounding; a payer's part is thus
   never above what it was at the decision (an acceptance is a promise of at most that much)
   and the parts always add up to the surcharge now due.
3. Guard for cent-level corner cases (a few cents over many payers): a part is never below 0 or
   above its bound (what is left of the total, or the part fixed at the decision); where the
   last part's remainder would fall outside its bound, the difference moves to the parts
   before it, from the last-but-one backwards.
"""

from __future__ import annotations

from collections.abc import Sequence


def surcharge_total_cents(break_even: int, enrolled: int, seat_price_cents: int) -> int:
    """DOMAIN.md: surcharge = max(0, break_even - enrolled) * seat_price."""
    return max(0, break_even - enrolled) * seat_price_cents


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def split_half_up(total: int, weights: Sequence[int], bounds: Sequence[int] | None = None) -> list[int]:
    """`total` (>= 0) pro rata to `weights`, half-up, the last part absorbing the remainder.

    With `bounds`, no part exceeds its bound (their sum must cover `total`).
    """
    if not weights or any(w < 0 for w in weights) or total < 0:
        raise ValueError("a split needs at least one weight, no negative weights and a total >= 0")
    limits = list(bounds) if bounds is not None else [total] * len(weights)
    if len(limits) != len(weights) or sum(limits) < total:
        raise ValueError("the bounds do not cover the total")
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights, weight_sum = [1] * len(weights), len(weights)
    parts: list[int] = []
    for weight, limit in zip(weights[:-1], limits[:-1], strict=True):
        parts.append(min(_half_up(total * weight, weight_sum), limit, total - sum(parts)))
    parts.append(total - sum(parts))
    return _within_bounds(parts, limits)


def _within_bounds(parts: list[int], limits: list[int]) -> list[int]:
    """Move what the last part holds beyond its bound to the parts before it (step 3 above)."""
    excess = parts[-1] - limits[-1]
    if excess > 0:
        parts[-1] = limits[-1]
        for index in range(len(parts) - 2, -1, -1):
            moved = min(excess, limits[index] - parts[index])
            parts[index] += moved
            excess -= moved
    return parts


def decided_parts(total: int, seats: Sequence[int]) -> list[int]:
    """The parts fixed at the go-with-surcharge decision: pro rata to seats, in acceptance order."""
    return split_half_up(total, seats)


def parts_after_reduction(decided: Sequence[int], total_now: int) -> list[int]:
    """The parts due when the surcharge is `total_now`: the reduction from the decided total is
    returned pro rata to the decided parts. Never more than decided (the promise holds)."""
    decided_total = sum(decided)
    if not decided or decided_total == 0:
        return [0] * len(decided)
    reduction = decided_total - max(0, min(total_now, decided_total))
    returned = split_half_up(reduction, decided, bounds=decided)
    return [part - back for part, back in zip(decided, returned, strict=True)]


def parts_problem(
    total: int,
    parts: Sequence[int | None],
    caps: Sequence[int | None],
    groups: Sequence[str] | None = None,
) -> str | None:
    """Why parts cannot be invoiced as they are (None: they can).

    `groups` names the acceptance each part belongs to (a demand paid by several payers is one
    acceptance with one cap); without it every part is its own acceptance.
    """
    if any(part is None for part in parts):
        return "a payer's part (amount_cents) is missing"
    amounts = [int(part) for part in parts if part is not None]
    if any(amount < 0 for amount in amounts):
        return f"a payer's part is negative: {amounts}"
    if sum(amounts) != total:
        return f"the parts {amounts} add up to {sum(amounts)}, not to the surcharge {total}"
    keys = list(groups) if groups is not None else [str(i) for i in range(len(amounts))]
    accepted: dict[str, int] = {}
    cap_of: dict[str, int | None] = {}
    for key, amount, cap in zip(keys, amounts, caps, strict=True):
        accepted[key] = accepted.get(key, 0) + amount
        cap_of.setdefault(key, cap)
    over = [(k, a, c) for k, a in accepted.items() if (c := cap_of[k]) is not None and a > c]
    if over:
        return f"parts above the accepted cap (acceptance, part, cap): {over}"
    return None
