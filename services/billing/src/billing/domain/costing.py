"""Integral cost price (integrale kostprijs) per seat, and the rule that a private seat may not
be priced below it unless an explicit, logged override says why (OCW rule against state aid)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from billing.domain.money import BASIS_POINTS, split_pro_rata

MAX_CENTS = 10**11  # one billion euro: anything above is a typing error, refused as input


class CostModel(BaseModel):
    """Costs of one run of an offering (a cohort) or of every run of an offering.

    Teaching, rooms and development are group costs, spread over `seats_basis` (normally the
    break-even size: the price must be viable at the minimum group). Materials and examination
    are costs per seat. Overhead is a percentage on top, in basis points (1500 = 15%)."""

    teaching_hours: int = Field(ge=0, le=100_000)
    hourly_cost_cents: int = Field(ge=0, le=MAX_CENTS)
    materials_cents_per_seat: int = Field(default=0, ge=0, le=MAX_CENTS)
    rooms_cents: int = Field(default=0, ge=0, le=MAX_CENTS)
    examination_cents_per_seat: int = Field(default=0, ge=0, le=MAX_CENTS)
    development_cents: int = Field(default=0, ge=0, le=MAX_CENTS)
    development_runs: int = Field(default=1, ge=1, le=1000)  # depreciation over this many runs
    overhead_bp: int = Field(default=0, ge=0, le=100_000)
    seats_basis: int = Field(ge=1, le=10_000)

    @property
    def group_costs_cents(self) -> int:
        """Costs of the group as a whole for one run, before overhead."""
        depreciation = -(-self.development_cents // self.development_runs)  # ceiling
        return self.teaching_hours * self.hourly_cost_cents + self.rooms_cents + depreciation

    @property
    def seat_costs_cents(self) -> int:
        return self.materials_cents_per_seat + self.examination_cents_per_seat


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def integral_cost_per_seat(model: CostModel) -> int:
    """Full cost of one seat, rounded up to the cent so that a price >= it covers the cost."""
    direct = (
        model.group_costs_cents * BASIS_POINTS + model.seat_costs_cents * model.seats_basis * BASIS_POINTS
    )
    with_overhead = direct * (BASIS_POINTS + model.overhead_bp)
    return _ceil_div(with_overhead, model.seats_basis * BASIS_POINTS * BASIS_POINTS)


class PriceOverride(BaseModel):
    """Who accepted a private price below integral cost, when, and why. Shown in the reports."""

    by: str = Field(min_length=1, max_length=200)
    at: datetime
    reason: str = Field(min_length=10, max_length=2000)
    price_cents: int = Field(ge=0, le=MAX_CENTS)
    integral_cost_cents: int = Field(ge=0)


class PriceBelowIntegralCost(ValueError):
    def __init__(self, price_cents: int, integral_cost_cents: int) -> None:
        super().__init__(
            f"private seat price {price_cents} cents is below the integral cost price "
            f"{integral_cost_cents} cents; record an override with a reason to accept it"
        )
        self.price_cents = price_cents
        self.integral_cost_cents = integral_cost_cents


def check_private_price(price_cents: int, integral_cost_cents: int, override: PriceOverride | None) -> None:
    """Refuse a private price below integral cost unless an override covers exactly this price."""
    if price_cents >= integral_cost_cents:
        return
    if override is not None and override.price_cents == price_cents:
        return
    raise PriceBelowIntegralCost(price_cents, integral_cost_cents)


class Allocation(BaseModel):
    """Shared costs of a mixed cohort allocated to the ledgers by seat share."""

    shared_costs_cents: int
    funded_seats: int
    private_seats: int
    publiek_cents: int
    privaat_cents: int


def allocate_shared_costs(shared_costs_cents: int, funded_seats: int, private_seats: int) -> Allocation:
    """Split group costs by seat share so the private ledger carries its own part (no cross-subsidy)."""
    if funded_seats < 0 or private_seats < 0:
        raise ValueError("seat counts must not be negative")
    if funded_seats + private_seats == 0:
        publiek, privaat = 0, 0
    else:
        publiek, privaat = split_pro_rata(shared_costs_cents, [funded_seats, private_seats])
    return Allocation(
        shared_costs_cents=shared_costs_cents,
        funded_seats=funded_seats,
        private_seats=private_seats,
        publiek_cents=publiek,
        privaat_cents=privaat,
    )
