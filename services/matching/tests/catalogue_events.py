"""Catalogue events as docs/events.md describes them, for feeding the read model in tests."""

from __future__ import annotations

from typing import Any

from llo_shared.bus import envelope_message
from llo_shared.envelope import EventEnvelope

OFFERING_TOPIC = "catalogue.offering.v1"
COHORT_TOPIC = "catalogue.cohort.v1"


def offering_published(offering_id: str = "OFF-HZW", **changes: Any) -> EventEnvelope:
    payload = {
        "offering_id": offering_id,
        "provider_id": "BRIN-25LH",
        "provider_name": "ROC van Flevoland",
        "title": "Helpende Zorg & Welzijn",
        "credential_type": "diploma",
        "code": "25498",
        "leerweg": "derde_leerweg",
        "level": 2,
        "domain": "zorg_welzijn_sport",
        "skills": ["zorg.adl", "zorg.hygiene_infectiepreventie", "zorg.persoonlijke_verzorging"],
        "visibility": "public",
        "visible_to": [],
        "funding": "privaat",
        "price": {"tuition_cents": 200000, "exam_cents": 20000, "materials_cents": 5000, "vat_code": "E"},
        "a_field_matching_does_not_know": {"nested": True},
    } | changes
    return EventEnvelope(
        event_type="OfferingPublished", producer="catalogue", aggregate_id=offering_id, payload=payload
    )


def cohort_scheduled(
    cohort_id: str = "COH-ALM-1", offering_id: str = "OFF-HZW", **changes: Any
) -> EventEnvelope:
    payload = {
        "cohort_id": cohort_id,
        "offering_id": offering_id,
        "provider_id": "BRIN-25LH",
        "region": "flevoland",
        "municipality": "Almere",
        "postcode": "1315",
        "lat": 52.3508,
        "lon": 5.2647,
        "start_date": "2027-02-01",
        "end_date": "2027-09-30",
        "decision_date": "2027-01-15",
        "capacity": 16,
        "break_even": 12,
        "seat_price_cents": 180000,
        "currency": "EUR",
        "status": "planned",
        "seats_taken": 0,
        "seats_left": 16,
        "rolling": False,
    } | changes
    return EventEnvelope(
        event_type="CohortScheduled", producer="catalogue", aggregate_id=cohort_id, payload=payload
    )


def cohort_event(event_type: str, cohort_id: str, **payload: Any) -> EventEnvelope:
    return EventEnvelope(
        event_type=event_type,
        producer="catalogue",
        aggregate_id=cohort_id,
        payload={"cohort_id": cohort_id} | payload,
    )


async def deliver(bus: Any, *events: EventEnvelope) -> None:
    """Publish catalogue events on the app's bus and wait until its consumers handled them."""
    messages = [
        envelope_message(OFFERING_TOPIC if e.event_type.startswith("Offering") else COHORT_TOPIC, e)
        for e in events
    ]
    await bus.publish(messages)
    await bus.drain()


def published(bus: Any, topic: str) -> list[EventEnvelope]:
    return [EventEnvelope.from_bytes(m.value) for partition in bus.broker.log(topic) for m in partition]
