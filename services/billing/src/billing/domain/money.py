"""Money is integer cents. Splits are exact: the parts always add up to the whole."""

from __future__ import annotations

from collections.abc import Sequence

BASIS_POINTS = 10_000


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers only (no float drift)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


def split_pro_rata(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Split `total_cents` in proportion to `weights`: each part rounded half-up, and the last
    part absorbs the rounding remainder, so the parts add up to the total exactly (DOMAIN.md)."""
    if not weights:
        raise ValueError("at least one weight is needed")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    parts = [round_half_up_div(total_cents * w, weight_sum) for w in weights[:-1]]
    parts.append(total_cents - sum(parts))
    return parts


def apply_basis_points(amount_cents: int, basis_points: int) -> int:
    return round_half_up_div(amount_cents * basis_points, BASIS_POINTS)


def format_eur(cents: int) -> str:
    """Dutch notation, for pages and PDFs: € 1.234,56"""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    return f"{sign}€ {grouped},{rest:02d}"


def decimal_string(cents: int) -> str:
    """Amount for UBL: 1234.56 (two decimals, a dot)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros}.{rest:02d}"
