"""Events the catalogue publishes (docs/events.md); the catalogue owns these payload models."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from llo_shared.envelope import EventEnvelope, EventPayload

PRODUCER = "catalogue"
PROVIDER_TOPIC = "catalogue.provider.v1"
OFFERING_TOPIC = "catalogue.offering.v1"
COHORT_TOPIC = "catalogue.cohort.v1"
CONSORTIUM_TOPIC = "catalogue.consortium.v1"


class Payer(BaseModel):
    payer_id: str
    kind: str
    name: str = ""
    scheme: str | None = None
    endpoint: str | None = None
    share_bp: int | None = None


class PriceOut(BaseModel):
    tuition_cents: int
    exam_cents: int
    materials_cents: int
    vat_code: str
    currency: str = "EUR"


class ProviderRegistered(EventPayload):
    event_type: Literal["ProviderRegistered"] = "ProviderRegistered"
    provider_id: str
    name: str
    kind: str
    funded: bool
    kvk: str | None
    institution_code: str | None
    regions: list[str]


class OfferingPayload(EventPayload):
    offering_id: str
    provider_id: str
    title: str
    credential_type: str
    code: str | None
    leerweg: str
    level: int
    domain: str
    skills: list[str]
    visibility: str
    visible_to: list[str]
    funding: str
    price: PriceOut
    study_load_hours: int
    duration_weeks: int
    start_policy: str
    version: int
    # How it is delivered (DOMAIN.md: leermix, location, lesson times, own pace); matching's
    # delivery fit reads these. Defaults keep the change additive within v1.
    learning_modes: list[str] = Field(default_factory=list)
    location_kinds: list[str] = Field(default_factory=list)
    lesson_times: list[str] = Field(default_factory=list)
    own_pace: bool = False
    # The provider's name, so other services' pages name it instead of its id (additive in v1).
    provider_name: str | None = None


class OfferingPublished(OfferingPayload):
    event_type: Literal["OfferingPublished"] = "OfferingPublished"


class OfferingUpdated(OfferingPayload):
    event_type: Literal["OfferingUpdated"] = "OfferingUpdated"


class OfferingWithdrawn(EventPayload):
    event_type: Literal["OfferingWithdrawn"] = "OfferingWithdrawn"
    offering_id: str
    provider_id: str


class CohortPayload(EventPayload):
    cohort_id: str
    offering_id: str
    provider_id: str
    region: str
    municipality: str
    postcode: str
    lat: float
    lon: float
    start_date: date
    end_date: date
    decision_date: date
    capacity: int
    break_even: int
    seat_price_cents: int
    currency: str = "EUR"
    status: str
    seats_taken: int
    seats_left: int
    rolling: bool = False
    # Denormalised so matching can score without a second lookup (additive in v1).
    code: str | None = None
    level: int | None = None
    domain: str | None = None
    credential_type: str | None = None
    # The kinds of seat this cohort offers (rules.seat_funding_kinds), so recruitment offers only
    # those at admission; the seat decision checks them again.
    funding_kinds: list[str] | None = None


class CohortScheduled(CohortPayload):
    event_type: Literal["CohortScheduled"] = "CohortScheduled"


class CohortUpdated(CohortPayload):
    event_type: Literal["CohortUpdated"] = "CohortUpdated"


class SurchargePayer(BaseModel):
    """One payer's part. A demand paid by several payers is one acceptance (`acceptance_id`, one
    `cap_cents` for the demand as a whole) with one part per payer by `share_bp`."""

    payer_id: str
    kind: str
    name: str = ""
    scheme: str | None = None
    endpoint: str | None = None
    seats: int
    cap_cents: int
    amount_cents: int
    acceptance_id: str | None = None
    demand_id: str | None = None
    share_bp: int | None = None


class Surcharge(BaseModel):
    total_cents: int
    currency: str = "EUR"
    empty_seats: int
    payers: list[SurchargePayer]


class SeatReserved(EventPayload):
    event_type: Literal["SeatReserved"] = "SeatReserved"
    cohort_id: str
    enrolment_id: str
    application_id: str | None
    participant_ref: str | None
    funding_kind: str
    payers: list[Payer]
    seats_left: int
    seats_taken: int
    # On a cohort confirmed with a surcharge: each payer's part due after this seat, computed by
    # the catalogue with the one rule (llo_shared.surcharge); billing settles to exactly these.
    surcharge: Surcharge | None = None


class SeatRejected(EventPayload):
    event_type: Literal["SeatRejected"] = "SeatRejected"
    cohort_id: str
    enrolment_id: str
    application_id: str | None
    reason: Literal["full", "cancelled", "closed", "unknown_cohort", "funding_not_offered"]
    # With funding_not_offered: the kinds of seat the cohort does offer.
    offered_funding_kinds: list[str] | None = None


class SeatReleased(EventPayload):
    event_type: Literal["SeatReleased"] = "SeatReleased"
    cohort_id: str
    enrolment_id: str
    seats_left: int
    seats_taken: int
    surcharge: Surcharge | None = None  # as on SeatReserved


class CohortDecisionDue(EventPayload):
    event_type: Literal["CohortDecisionDue"] = "CohortDecisionDue"
    cohort_id: str
    provider_id: str
    offering_id: str
    enrolled: int
    break_even: int
    seats_missing: int
    seat_price_cents: int
    decision_date: date
    start_date: date


ConfirmingDecision = Literal["go", "go_with_surcharge"]  # the decisions that let a cohort start


class CohortConfirmed(EventPayload):
    event_type: Literal["CohortConfirmed"] = "CohortConfirmed"
    cohort_id: str
    provider_id: str
    offering_id: str
    decision: ConfirmingDecision
    enrolled: int
    break_even: int
    seat_price_cents: int
    surcharge: Surcharge | None = None
    decided_by: str


class CohortCancelled(EventPayload):
    event_type: Literal["CohortCancelled"] = "CohortCancelled"
    cohort_id: str
    provider_id: str
    offering_id: str
    reason: str
    merged_into: str | None = None
    enrolment_ids: list[str]


class ConsortiumPayload(EventPayload):
    consortium_id: str
    name: str
    members: list[str]
    funded_members: list[str]  # the members that are funded institutions (ROC, AOC, vakinstelling)
    flex_partnership: bool


class ConsortiumFormed(ConsortiumPayload):
    event_type: Literal["ConsortiumFormed"] = "ConsortiumFormed"


class ConsortiumMembersChanged(ConsortiumPayload):
    event_type: Literal["ConsortiumMembersChanged"] = "ConsortiumMembersChanged"
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


CATALOGUE_EVENTS: tuple[type[EventPayload], ...] = (
    ProviderRegistered,
    OfferingPublished,
    OfferingUpdated,
    OfferingWithdrawn,
    CohortScheduled,
    CohortUpdated,
    SeatReserved,
    SeatRejected,
    SeatReleased,
    CohortDecisionDue,
    CohortConfirmed,
    CohortCancelled,
    ConsortiumFormed,
    ConsortiumMembersChanged,
)


def envelope_of(payload: EventPayload, aggregate_id: str) -> EventEnvelope:
    return payload.envelope(producer=PRODUCER, aggregate_id=aggregate_id)
