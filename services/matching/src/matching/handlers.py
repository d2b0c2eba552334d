"""Consumers: the read model of the catalogue's offerings and cohorts.

Parsing is tolerant: only the fields docs/events.md names are read, unknown ones are ignored,
and a field this service can live without has a default. An event older than what the read
model holds (by `occurred_at`) is skipped, so a replay or a late duplicate changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pydantic import Field

from llo_shared.bus import Subscription
from llo_shared.envelope import EventEnvelope
from llo_shared.envelope import TolerantModel as _Tolerant
from llo_shared.service import Runtime
from matching.store import ReadModel

log = logging.getLogger(__name__)

OFFERING_TOPIC = "catalogue.offering.v1"
COHORT_TOPIC = "catalogue.cohort.v1"
CONSUMER = "matching.catalogue"


class PriceSeen(_Tolerant):
    tuition_cents: int = 0
    exam_cents: int = 0
    materials_cents: int = 0


class OfferingSeen(_Tolerant):
    offering_id: str
    provider_id: str
    provider_name: str | None = None  # for pages; absent in events before it was added
    title: str = ""
    credential_type: str | None = None
    code: str | None = None
    leerweg: str | None = None
    level: int | None = None
    domain: str | None = None
    skills: list[str] = Field(default_factory=list)
    visibility: str = "public"
    visible_to: list[str] = Field(default_factory=list)
    funding: str | None = None
    price: PriceSeen | None = None
    learning_modes: list[str] = Field(default_factory=list)
    location_kinds: list[str] = Field(default_factory=list)
    lesson_times: list[str] = Field(default_factory=list)
    own_pace: bool = False


# The catalogue's Dutch delivery vocabulary in matching's delivery modes (domain.model.DELIVERY_MODES).
CATALOGUE_DELIVERY = {
    "klassikaal": "classroom",
    "online": "online",
    "werkplekleren": "workplace_learning",
    "in_company": "in_company",
    "dag": "daytime",
    "avond": "evening",
    "weekend": "weekend",
}


def delivery_modes(seen: OfferingSeen) -> list[str]:
    stated = [*seen.learning_modes, *seen.location_kinds, *seen.lesson_times]
    modes = {CATALOGUE_DELIVERY[v] for v in stated if v in CATALOGUE_DELIVERY}
    return sorted(modes | ({"own_pace"} if seen.own_pace else set()))


class OfferingGone(_Tolerant):
    offering_id: str


class CohortSeen(_Tolerant):
    cohort_id: str
    offering_id: str
    provider_id: str
    region: str
    municipality: str | None = None
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    start_date: date
    end_date: date | None = None
    decision_date: date | None = None
    capacity: int
    break_even: int
    seat_price_cents: int = 0
    currency: str = "EUR"
    status: str = "planned"
    seats_taken: int = 0
    seats_left: int | None = None


class SeatsChanged(_Tolerant):
    cohort_id: str
    seats_left: int
    seats_taken: int | None = None


class CohortDecided(_Tolerant):
    cohort_id: str
    enrolled: int | None = None


def offering_document(seen: OfferingSeen) -> dict[str, Any]:
    price = seen.price or PriceSeen()
    return seen.model_dump(
        exclude={"price", "learning_modes", "location_kinds", "lesson_times", "own_pace"}
    ) | {
        "delivery": delivery_modes(seen),
        "price_cents": price.tuition_cents + price.exam_cents + price.materials_cents,
        "withdrawn": False,
    }


def cohort_document(seen: CohortSeen) -> dict[str, Any]:
    document = seen.model_dump(mode="json")
    if document["seats_left"] is None:
        document["seats_left"] = max(0, seen.capacity - seen.seats_taken)
    return document


async def apply_catalogue_event(read_model: ReadModel, event: EventEnvelope) -> bool:
    """Apply one catalogue event to the read model; True when it changed something."""
    at = event.occurred_at.isoformat()
    payload = event.payload
    match event.event_type:
        case "OfferingPublished" | "OfferingUpdated":
            return await read_model.put_offering(offering_document(OfferingSeen.model_validate(payload)), at)
        case "OfferingWithdrawn":
            return await read_model.patch_offering(
                OfferingGone.model_validate(payload).offering_id, {"withdrawn": True}, at
            )
        case "CohortScheduled" | "CohortUpdated":
            return await read_model.put_cohort(cohort_document(CohortSeen.model_validate(payload)), at)
        case "SeatReserved" | "SeatReleased":
            seats = SeatsChanged.model_validate(payload)
            changes: dict[str, Any] = {"seats_left": seats.seats_left}
            if seats.seats_taken is not None:
                changes["seats_taken"] = seats.seats_taken
            return await read_model.patch_cohort(seats.cohort_id, changes, at)
        case "CohortConfirmed":
            decided = CohortDecided.model_validate(payload)
            changes = {"status": "confirmed"}
            if decided.enrolled is not None:
                changes["seats_taken"] = decided.enrolled
            return await read_model.patch_cohort(decided.cohort_id, changes, at)
        case "CohortCancelled":
            cancelled = CohortDecided.model_validate(payload)
            return await read_model.patch_cohort(cancelled.cohort_id, {"status": "cancelled"}, at)
        case "CohortDecisionDue":
            due = CohortDecided.model_validate(payload)
            if due.enrolled is None:
                return False
            return await read_model.patch_cohort(due.cohort_id, {"seats_taken": due.enrolled}, at)
        case _:
            return False  # events this service has no use for (SeatRejected, ...)


def subscriptions(runtime: Runtime) -> list[Subscription]:
    read_model = ReadModel(runtime.db)

    async def handle(event: EventEnvelope) -> None:
        await apply_catalogue_event(read_model, event)

    return [Subscription(CONSUMER, (OFFERING_TOPIC, COHORT_TOPIC), runtime.inbox.guard(CONSUMER, handle))]
