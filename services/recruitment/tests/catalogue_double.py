"""A minimal stand-in for the catalogue's seat decision, for service tests on the in-memory bus.

It publishes what docs/events.md says the catalogue publishes (CohortScheduled, SeatReserved,
SeatRejected, SeatReleased) and decides seats first come, first served per cohort.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from llo_shared.bus import EventBus, Subscription, envelope_message
from llo_shared.envelope import EventEnvelope

COHORT_TOPIC = "catalogue.cohort.v1"


@dataclass
class CohortSeats:
    cohort_id: str
    provider_id: str
    capacity: int
    break_even: int
    decision_date: date
    offering_id: str = "off-vig"
    seat_price_cents: int = 350_000
    status: str = "planned"
    funding_kinds: list[str] | None = None  # as the catalogue's cohort events name them
    refuses: list[str] = field(default_factory=list)  # funding kinds the seat decision refuses
    held: dict[str, str] = field(default_factory=dict)  # enrolment_id -> application_id

    def payload(self) -> dict[str, Any]:
        return {
            "cohort_id": self.cohort_id,
            "offering_id": self.offering_id,
            "provider_id": self.provider_id,
            "region": "flevoland",
            "municipality": "Almere",
            "start_date": self.decision_date.replace(year=self.decision_date.year + 1).isoformat(),
            "decision_date": self.decision_date.isoformat(),
            "capacity": self.capacity,
            "break_even": self.break_even,
            "seat_price_cents": self.seat_price_cents,
            "currency": "EUR",
            "status": self.status,
            "seats_taken": len(self.held),
            "seats_left": self.capacity - len(self.held),
            "some_future_field": {"ignored": True},
        } | ({"funding_kinds": self.funding_kinds} if self.funding_kinds is not None else {})


class CatalogueDouble:
    def __init__(self, bus: EventBus, group: str = "catalogue-double") -> None:
        self.bus = bus
        self.cohorts: dict[str, CohortSeats] = {}
        self.decisions: list[tuple[str, str]] = []  # (event_type, application_id) in decision order
        bus.subscribe(Subscription(group, ("recruitment.application.v1",), self.handle))

    async def publish(self, event_type: str, cohort_id: str, payload: dict[str, Any]) -> EventEnvelope:
        envelope = EventEnvelope(
            event_type=event_type, producer="catalogue", aggregate_id=cohort_id, payload=payload
        )
        await self.bus.publish([envelope_message(COHORT_TOPIC, envelope)])
        return envelope

    async def schedule(self, cohort: CohortSeats, event_type: str = "CohortScheduled") -> None:
        self.cohorts[cohort.cohort_id] = cohort
        await self.publish(event_type, cohort.cohort_id, cohort.payload())

    async def handle(self, event: EventEnvelope) -> None:
        p = event.payload
        if event.event_type == "EnrolmentRequested":
            await self._decide(p)
        elif event.event_type == "EnrolmentWithdrawn":
            await self._release(p)

    async def _decide(self, p: dict[str, Any]) -> None:
        cohort = self.cohorts.get(p["cohort_id"])
        base = {
            "cohort_id": p["cohort_id"],
            "enrolment_id": p["enrolment_id"],
            "application_id": p["application_id"],
        }
        if cohort is not None and p["funding_kind"] in cohort.refuses:
            self.decisions.append(("SeatRejected", p["application_id"]))
            await self.publish("SeatRejected", p["cohort_id"], base | {"reason": "funding_not_offered"})
            return
        if cohort is None or len(cohort.held) >= cohort.capacity:
            self.decisions.append(("SeatRejected", p["application_id"]))
            reason = "unknown_cohort" if cohort is None else "full"
            await self.publish("SeatRejected", p["cohort_id"], base | {"reason": reason})
            return
        cohort.held[p["enrolment_id"]] = p["application_id"]
        self.decisions.append(("SeatReserved", p["application_id"]))
        await self.publish(
            "SeatReserved",
            cohort.cohort_id,
            base
            | {
                "participant_ref": p["participant_ref"],
                "funding_kind": p["funding_kind"],
                "payers": p["payers"],
                "seats_left": cohort.capacity - len(cohort.held),
                "seats_taken": len(cohort.held),
            },
        )

    async def _release(self, p: dict[str, Any]) -> None:
        cohort = self.cohorts.get(p["cohort_id"])
        if cohort is None or cohort.held.pop(p["enrolment_id"], None) is None:
            return
        await self.publish(
            "SeatReleased",
            cohort.cohort_id,
            {
                "cohort_id": cohort.cohort_id,
                "enrolment_id": p["enrolment_id"],
                "seats_left": cohort.capacity - len(cohort.held),
                "seats_taken": len(cohort.held),
            },
        )
