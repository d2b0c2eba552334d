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
from llo_shared.subscriptions import SubscriptionTable, on
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


async def put_offering(read_model: ReadModel, seen: OfferingSeen, event: EventEnvelope) -> bool:
    return await read_model.put_offering(offering_document(seen), event.occurred_at.isoformat())


async def withdraw_offering(read_model: ReadModel, gone: OfferingGone, event: EventEnvelope) -> bool:
    return await read_model.patch_offering(
        gone.offering_id, {"withdrawn": True}, event.occurred_at.isoformat()
    )


async def put_cohort(read_model: ReadModel, seen: CohortSeen, event: EventEnvelope) -> bool:
    return await read_model.put_cohort(cohort_document(seen), event.occurred_at.isoformat())


async def count_seats(read_model: ReadModel, seats: SeatsChanged, event: EventEnvelope) -> bool:
    changes: dict[str, Any] = {"seats_left": seats.seats_left}
    if seats.seats_taken is not None:
        changes["seats_taken"] = seats.seats_taken
    return await read_model.patch_cohort(seats.cohort_id, changes, event.occurred_at.isoformat())


async def confirm_cohort(read_model: ReadModel, decided: CohortDecided, event: EventEnvelope) -> bool:
    changes: dict[str, Any] = {"status": "confirmed"}
    if decided.enrolled is not None:
        changes["seats_taken"] = decided.enrolled
    return await read_model.patch_cohort(decided.cohort_id, changes, event.occurred_at.isoformat())


async def cancel_cohort(read_model: ReadModel, cancelled: CohortDecided, event: EventEnvelope) -> bool:
    return await read_model.patch_cohort(
        cancelled.cohort_id, {"status": "cancelled"}, event.occurred_at.isoformat()
    )


async def count_enrolled(read_model: ReadModel, due: CohortDecided, event: EventEnvelope) -> bool:
    if due.enrolled is None:
        return False
    return await read_model.patch_cohort(
        due.cohort_id, {"seats_taken": due.enrolled}, event.occurred_at.isoformat()
    )


# Events this service has no use for (SeatRejected, ...) are not in the table and are skipped.
CATALOGUE_EVENTS: SubscriptionTable[ReadModel, bool] = SubscriptionTable(
    CONSUMER,
    (OFFERING_TOPIC, COHORT_TOPIC),
    (
        on("OfferingPublished", OfferingSeen, put_offering),
        on("OfferingUpdated", OfferingSeen, put_offering),
        on("OfferingWithdrawn", OfferingGone, withdraw_offering),
        on("CohortScheduled", CohortSeen, put_cohort),
        on("CohortUpdated", CohortSeen, put_cohort),
        on("SeatReserved", SeatsChanged, count_seats),
        on("SeatReleased", SeatsChanged, count_seats),
        on("CohortConfirmed", CohortDecided, confirm_cohort),
        on("CohortCancelled", CohortDecided, cancel_cohort),
        on("CohortDecisionDue", CohortDecided, count_enrolled),
    ),
)
TABLES = (CATALOGUE_EVENTS,)


async def apply_catalogue_event(read_model: ReadModel, event: EventEnvelope) -> bool:
    """Apply one catalogue event to the read model; True when it changed something."""
    return await CATALOGUE_EVENTS.dispatch(read_model, event) is True


def subscriptions(runtime: Runtime) -> list[Subscription]:
    table = CATALOGUE_EVENTS
    handler = table.handler(ReadModel(runtime.db))
    return [Subscription(table.group, table.topics, runtime.inbox.guard(table.group, handler))]
