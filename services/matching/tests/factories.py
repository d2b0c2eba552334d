"""Builders for domain objects: sensible defaults, override what a test is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from matching.domain.model import CohortView, DemandSpec, Need, OfferingView

ALMERE = (52.3508, 5.2647)
LELYSTAD = (52.5185, 5.4714)
EMMELOORD = (52.7107, 5.7481)
START = date(2027, 2, 1)


def offering(**changes: Any) -> OfferingView:
    base = OfferingView(
        offering_id="OFF-HZW",
        provider_id="BRIN-25LH",
        title="Helpende Zorg & Welzijn",
        credential_type="diploma",
        code="25498",
        leerweg="derde_leerweg",
        level=2,
        domain="zorg_welzijn_sport",
        skills=frozenset({"zorg.adl", "zorg.hygiene", "zorg.communicatie"}),
        price_cents=250_000,
    )
    return replace(base, **changes)


def cohort(**changes: Any) -> CohortView:
    base = CohortView(
        cohort_id="COH-1",
        offering_id="OFF-HZW",
        provider_id="BRIN-25LH",
        region="flevoland",
        start_date=START,
        capacity=16,
        break_even=12,
        seat_price_cents=200_000,
        seats_taken=0,
        seats_left=16,
        status="planned",
        municipality="Almere",
        lat=ALMERE[0],
        lon=ALMERE[1],
    )
    return replace(base, **changes)


def need(**changes: Any) -> Need:
    base = Need(
        kind="demand",
        ref="D-1",
        commissioner_org="KVK-39084217",
        region="flevoland",
        lat=ALMERE[0],
        lon=ALMERE[1],
        max_distance_km=40,
        start_from=date(2027, 1, 1),
        start_until=date(2027, 6, 30),
        participants=5,
        essential_skills=frozenset({"zorg.adl", "zorg.hygiene"}),
        optional_skills=frozenset({"zorg.medicatie"}),
        level=2,
        budget_per_participant_cents=300_000,
    )
    return replace(base, **changes)


def demand(**changes: Any) -> DemandSpec:
    base = DemandSpec(
        demand_id="D-1",
        commissioner_kind="employer",
        commissioner_org="KVK-39084217",
        region="flevoland",
        lat=ALMERE[0],
        lon=ALMERE[1],
        max_distance_km=40,
        start_from=date(2027, 1, 1),
        start_until=date(2027, 6, 30),
        participants=5,
    )
    return replace(base, **changes)
