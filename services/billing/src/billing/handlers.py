"""Consumers of other services' events. Payloads are parsed tolerantly (unknown fields ignored,
missing optional fields defaulted): the producers are free to add fields within v1."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Literal

from pydantic import Field

from billing.facts import Biller, EventRef
from billing.sealed import SealedPayers, forget, key_loader
from llo_shared.bus import Subscription
from llo_shared.envelope import EventEnvelope
from llo_shared.envelope import TolerantModel as Tolerant

log = logging.getLogger(__name__)

APPLICATION_TOPIC = "recruitment.application.v1"
COHORT_TOPIC = "catalogue.cohort.v1"
OFFERING_TOPIC = "catalogue.offering.v1"
PROVIDER_TOPIC = "catalogue.provider.v1"
CANDIDATE_TOPIC = "matching.candidate.v1"


class PayerIn(Tolerant):
    payer_id: str
    kind: str = "employer"
    name: str = ""
    scheme: str | None = None
    endpoint: str | None = None
    share_bp: int | None = Field(default=None, ge=0, le=10_000)  # None: equal shares
    seats: int | None = Field(default=None, ge=0)
    cap_cents: int | None = Field(default=None, ge=0)
    buyer_reference: str | None = None
    # a private participant's name and address, sealed for billing (billing/sealed.py)
    sealed_details: str | None = Field(default=None, max_length=20_000)
    # a surcharge part (CohortConfirmed, and seat events of a go-with-surcharge cohort)
    amount_cents: int | None = None
    acceptance_id: str | None = None
    demand_id: str | None = None


class ParticipantEnrolled(Tolerant):
    enrolment_id: str
    cohort_id: str
    offering_id: str | None = None
    provider_id: str | None = None
    participant_ref: str | None = None
    funding_kind: str = "private"
    payers: list[PayerIn] = Field(default_factory=list)
    seat_price_cents: int | None = None


class ParticipantErased(Tolerant):
    """Recruitment erased a person: their pseudonym is the payer id of a self-paying participant."""

    participant_ref: str = Field(min_length=1, max_length=100)


class CandidateErased(Tolerant):
    candidate_ref: str = Field(min_length=1, max_length=100)


class EnrolmentWithdrawn(Tolerant):
    enrolment_id: str
    cohort_id: str | None = None
    reason: str | None = None


class SurchargeIn(Tolerant):
    total_cents: int | None = None
    payers: list[PayerIn] = Field(default_factory=list)


class CohortFacts(Tolerant):
    cohort_id: str
    offering_id: str | None = None
    provider_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    decision_date: date | None = None
    capacity: int | None = None
    break_even: int | None = None
    seat_price_cents: int | None = None
    status: str | None = None
    seats_taken: int | None = None
    surcharge: SurchargeIn | None = None  # seat events: the parts due now (catalogue's rule)


class CohortConfirmed(Tolerant):
    cohort_id: str
    provider_id: str | None = None
    offering_id: str | None = None
    decision: Literal["go", "go_with_surcharge"] | str = "go"
    enrolled: int | None = None
    break_even: int | None = None
    seat_price_cents: int | None = None
    surcharge: SurchargeIn | None = None


class CohortCancelled(Tolerant):
    cohort_id: str
    provider_id: str | None = None
    reason: str | None = None
    merged_into: str | None = None  # a merge: people, seats and their money go to that cohort


class PriceIn(Tolerant):
    tuition_cents: int = 0
    exam_cents: int = 0
    materials_cents: int = 0
    vat_code: str | None = None


class OfferingFacts(Tolerant):
    offering_id: str
    provider_id: str | None = None
    title: str = ""
    funding: str | None = None
    price: PriceIn | None = None


class ProviderRegistered(Tolerant):
    provider_id: str
    name: str = ""
    funded: bool = True
    kvk: str | None = None


def parse(model: type[Tolerant], event: EventEnvelope) -> Any:
    return model.model_validate(event.payload)


def ref(event: EventEnvelope) -> EventRef:
    return EventRef(str(event.event_id), event.event_type, event.occurred_at.date())


def make_handlers(biller: Biller) -> dict[str, Any]:
    async def on_application(event: EventEnvelope) -> None:
        if event.event_type == "ParticipantEnrolled":
            await biller.participant_enrolled(parse(ParticipantEnrolled, event), ref(event))
        elif event.event_type == "EnrolmentWithdrawn":
            await biller.enrolment_withdrawn(parse(EnrolmentWithdrawn, event), ref(event))
        elif event.event_type == "ParticipantErased":
            await forget(biller.db, parse(ParticipantErased, event).participant_ref)

    async def on_candidate(event: EventEnvelope) -> None:
        if event.event_type == "CandidateErased":  # a placed candidate's ref is their payer id
            await forget(biller.db, parse(CandidateErased, event).candidate_ref)

    async def on_cohort(event: EventEnvelope) -> None:
        # seat events carry the new seats_taken: a go-with-surcharge cohort is recomputed on them
        if event.event_type in ("CohortScheduled", "CohortUpdated", "SeatReserved", "SeatReleased"):
            await biller.cohort_changed(parse(CohortFacts, event), ref(event))
        elif event.event_type == "CohortConfirmed":
            await biller.cohort_confirmed(parse(CohortConfirmed, event), ref(event))
        elif event.event_type == "CohortCancelled":
            await biller.cohort_cancelled(parse(CohortCancelled, event), ref(event))

    async def on_offering(event: EventEnvelope) -> None:
        if event.event_type in ("OfferingPublished", "OfferingUpdated"):
            await biller.offering_changed(parse(OfferingFacts, event))

    async def on_provider(event: EventEnvelope) -> None:
        if event.event_type in ("ProviderRegistered", "ProviderUpdated"):
            await biller.provider_registered(parse(ProviderRegistered, event))

    return {
        APPLICATION_TOPIC: on_application,
        COHORT_TOPIC: on_cohort,
        OFFERING_TOPIC: on_offering,
        PROVIDER_TOPIC: on_provider,
        CANDIDATE_TOPIC: on_candidate,
    }


def application_batch_handler(biller: Biller, one_by_one: Any) -> Any:
    """Runs of ParticipantEnrolled in bulk (their effects are convergent on natural keys, so
    they need no inbox claim); every other event, in its place in the order, one by one."""

    async def on_applications(events: list[EventEnvelope]) -> None:
        run: list[tuple[ParticipantEnrolled, EventRef]] = []
        for event in events:
            if event.event_type == "ParticipantEnrolled":
                run.append((parse(ParticipantEnrolled, event), ref(event)))
                continue
            if run:
                await biller.participants_enrolled(run)
                run = []
            await one_by_one(event)
        if run:
            await biller.participants_enrolled(run)

    return on_applications


def subscriptions(runtime: Any) -> list[Subscription]:
    """One consumer group per topic, each guarded by the inbox (same event_id -> no effect)."""
    biller = Biller(runtime.db, wake=runtime.relay.wake)
    biller.sealed = SealedPayers(key_loader(runtime.settings))
    runtime.biller = biller
    prefix = getattr(runtime.settings, "topic_prefix", "")
    subscriptions = []
    for topic, handler in make_handlers(biller).items():
        group = f"{prefix}billing.{topic}"
        guarded = runtime.inbox.guard(f"billing.{topic}", handler)
        batch = application_batch_handler(biller, guarded) if topic == APPLICATION_TOPIC else None
        subscriptions.append(Subscription(group, (prefix + topic,), guarded, batch_handler=batch))
    return subscriptions
