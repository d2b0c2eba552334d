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


@dataclass(frozen=True)
class ShareProblem:
    text: str  # the API's problem detail
    dutch: str  # the same for a person on the page


def share_problems(shares: Sequence[PartnerShare], paying_entity: str) -> list[ShareProblem]:
    """Why these shares cannot split a cost paid by `paying_entity` (empty when they can)."""
    problems = []
    ids = [s.partner_id for s in shares]
    if len(set(ids)) != len(ids):
        problems.append(ShareProblem("a partner appears twice", "Een partner staat er twee keer in."))
    if paying_entity not in ids:
        problems.append(
            ShareProblem(
                f"the paying administration {paying_entity} is a partner and needs its own share",
                "Uw eigen instelling hoort erbij, met een eigen aandeel.",
            )
        )
    if len(set(ids) - {paying_entity}) == 0:
        problems.append(
            ShareProblem("at least one other partner is needed", "Kies ten minste één andere partner.")
        )
    total = sum(s.share_bp for s in shares)
    if total != BASIS_POINTS:
        percent = f"{total // 100},{total % 100:02d}%"
        problems.append(
            ShareProblem(
                f"shares add up to {total} basis points, not {BASIS_POINTS}",
                f"De aandelen tellen op tot {percent}, niet tot 100%.",
            )
        )
    return problems


def split_shared_cost(total_cents: int, shares: Sequence[PartnerShare]) -> dict[str, int]:
    """partner_id -> cents, pro rata to share_bp, half-up, in the surcharge's deterministic order
    (the largest share last, absorbing the rounding remainder): the parts add up to the total."""
    ordered = sorted(shares, key=lambda s: (s.share_bp, s.partner_id))
    parts = split_pro_rata(total_cents, [s.share_bp for s in ordered])
    return {s.partner_id: part for s, part in zip(ordered, parts, strict=True)}
