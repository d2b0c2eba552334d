"""Costs shared between consortium partners (licence fees, shared recruitment costs): each
partner's part of the whole, exact to the cent, by the same split as the lege-stoelentoeslag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billing.domain.money import BASIS_POINTS, split_pro_rata


@dataclass(frozen=True)
class PartnerShare:
    partner_id: str
    share_bp: int  # basis points of the whole; a consortium's shares add up to 10000


def share_problems(shares: Sequence[PartnerShare], paying_entity: str) -> list[str]:
    """Why these shares cannot split a cost paid by `paying_entity` (empty when they can)."""
    problems = []
    ids = [s.partner_id for s in shares]
    if len(set(ids)) != len(ids):
        problems.append("a partner appears twice")
    if paying_entity not in ids:
        problems.append(f"the paying administration {paying_entity} is a partner and needs its own share")
    if len(set(ids) - {paying_entity}) == 0:
        problems.append("at least one other partner is needed")
    total = sum(s.share_bp for s in shares)
    if total != BASIS_POINTS:
        problems.append(f"shares add up to {total} basis points, not {BASIS_POINTS}")
    return problems


def split_shared_cost(total_cents: int, shares: Sequence[PartnerShare]) -> dict[str, int]:
    """partner_id -> cents, pro rata to share_bp, half-up, in the surcharge's deterministic order
    (the largest share last, absorbing the rounding remainder): the parts add up to the total."""
    ordered = sorted(shares, key=lambda s: (s.share_bp, s.partner_id))
    parts = split_pro_rata(total_cents, [s.share_bp for s in ordered])
    return {s.partner_id: part for s, part in zip(ordered, parts, strict=True)}
