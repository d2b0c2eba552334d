"""Cost models: the integral cost per seat and the private price checked against it (DOMAIN.md).
A private price below the integral cost is refused (`PriceBelowIntegralCost`) unless an override
gives a reason; the override is recorded with who and when, and the reports show it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from billing.domain.costing import CostModel, PriceOverride, check_private_price, integral_cost_per_seat
from billing.store import COHORTS, COST_MODELS, OFFERINGS
from billing.usecases.facts import list_price

CostScope = Literal["offering", "cohort"]


async def known_price(db: Any, scope: CostScope, ref: str) -> int | None:
    """The private seat price billing knows from the catalogue's events, if any."""
    if scope == "cohort":
        cohort = await db[COHORTS].find_one({"_id": ref})
        if cohort and cohort.get("seat_price_cents"):
            return int(cohort["seat_price_cents"])
        return None
    offering = await db[OFFERINGS].find_one({"_id": ref})
    return list_price(offering) or None if offering else None


async def set_cost_model(
    db: Any,
    entity_id: str,
    scope: CostScope,
    ref: str,
    model: CostModel,
    seat_price_cents: int | None,
    override_reason: str | None,
    by: str,
) -> dict[str, Any]:
    """Store a cost model; the price given, else the one known, is checked against its integral
    cost (`PriceBelowIntegralCost` refuses, and nothing is stored)."""
    per_seat = integral_cost_per_seat(model)
    price = seat_price_cents if seat_price_cents is not None else await known_price(db, scope, ref)
    override = None
    if price is not None and override_reason is not None and price < per_seat:
        override = PriceOverride(
            by=by,
            at=datetime.now(UTC),
            reason=override_reason,
            price_cents=price,
            integral_cost_cents=per_seat,
        )
    if price is not None:
        check_private_price(price, per_seat, override)
    stored = {
        "_id": f"{entity_id}|{scope}|{ref}",
        "entity_id": entity_id,
        "scope": scope,
        "ref": ref,
        "model": model.model_dump(),
        "integral_cost_per_seat_cents": per_seat,
        "seat_price_cents": price,
        "override": override.model_dump(mode="json") if override else None,
        "updated_by": by,
        "updated_at": datetime.now(UTC).isoformat(),
    }
    await db[COST_MODELS].replace_one({"_id": stored["_id"]}, stored, upsert=True)
    return stored
