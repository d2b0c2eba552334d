"""Read schemas of the catalogue's JSON API (the Create/Update models are in domain/model.py).

Each names the fields a client may rely on; views may carry more (llo_shared.reads).
"""

from __future__ import annotations

from datetime import datetime

from llo_shared.reads import Page, ReadSchema


class ProviderRead(ReadSchema):
    provider_id: str
    name: str
    kind: str
    funded: bool
    regions: list[str]
    kvk: str | None = None
    institution_code: str | None = None
    created_at: datetime | None = None


class MemberRead(ReadSchema):
    provider_id: str
    name: str | None = None
    kind: str | None = None
    funded: bool | None = None


class ConsortiumRead(ReadSchema):
    consortium_id: str
    name: str
    members: list[str]
    flex_partnership: bool
    member_details: list[MemberRead] | None = None  # the single consortium, not the list
    version: int | None = None
    created_at: datetime | None = None


class PriceRead(ReadSchema):
    tuition_cents: int
    exam_cents: int
    materials_cents: int
    vat_code: str | None = None
    currency: str | None = None


class OfferingRead(ReadSchema):
    offering_id: str
    provider_id: str
    title: str
    status: str
    visibility: str
    credential_type: str
    leerweg: str
    level: int | None = None
    domain: str | None = None
    code: str | None = None
    funding: str | None = None
    price: PriceRead | None = None
    provider_name: str | None = None
    version: int | None = None
    created_at: datetime | None = None


class SeatHolderRead(ReadSchema):
    """A reserved seat, shown to the cohort's provider only."""

    enrolment_id: str
    seat_id: str
    funding_kind: str | None = None
    slot: int | None = None
    reserved_at: datetime | None = None


class DecisionRecordRead(ReadSchema):
    """The go/no-go decision taken (go, go_with_surcharge, merge, cancel) and who took it when."""

    decision: str
    decided_by: str | None = None
    decided_at: datetime | None = None


class CohortRead(ReadSchema):
    cohort_id: str
    offering_id: str
    provider_id: str
    status: str
    start_date: str
    capacity: int
    break_even: int
    seats_taken: int
    seats_left: int
    seat_price_cents: int
    start_guaranteed: bool
    end_date: str | None = None
    decision_date: str | None = None
    municipality: str | None = None
    region: str | None = None
    decision: DecisionRecordRead | None = None
    decision_due_at: datetime | None = None
    enrolments: list[SeatHolderRead] | None = None  # the provider's own view only
    surcharge_parts_now: list[int] | None = None  # the provider's own view only
    version: int | None = None
    created_at: datetime | None = None


class DecisionItemRead(CohortRead):
    """A planned cohort on the go/no-go work list, with what a decision would mean."""

    below_break_even: bool
    seats_missing: int
    surcharge_total_cents: int
    surcharge_possible: bool


class CohortSummaryRead(ReadSchema):
    cohort_id: str
    start_date: str
    status: str
    seats_left: int
    start_guaranteed: bool
    distance_km: float | None = None


class SearchItemRead(ReadSchema):
    offering_id: str
    title: str
    provider_id: str
    provider_name: str | None = None
    price_cents: int
    cohort_count: int
    start_guaranteed: bool
    cohorts: list[CohortSummaryRead]


class SearchPage(Page[SearchItemRead]):
    facets: dict[str, dict[str, int]]


class SkillRead(ReadSchema):
    id: str
    label: str
    domain: str | None = None  # a skill may belong to no single domain


class SkillsPage(Page[SkillRead]):
    version: str


class PlaceRead(ReadSchema):
    municipality: str
    region: str
    pc4: str
    lat: float
    lon: float


class PlacesPage(Page[PlaceRead]):
    regions: dict[str, str]
