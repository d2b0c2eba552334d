"""Consumers of other services' events. Payloads are parsed tolerantly (unknown fields ignored,
missing optional fields defaulted): the producers are free to add fields within v1."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import Field

from billing.usecases.consortium import keep_consortium
from billing.usecases.facts import Biller, EventRef
from billing.usecases.sealed import SealedPayers, forget, key_loader
from llo_shared.bus import BatchHandler, Handler, Subscription
from llo_shared.envelope import EventEnvelope
from llo_shared.envelope import TolerantModel as Tolerant
from llo_shared.subscriptions import SubscriptionTable, on

log = logging.getLogger(__name__)

Parsed = TypeVar("Parsed", bound=Tolerant)

APPLICATION_TOPIC = "recruitment.application.v1"
COHORT_TOPIC = "catalogue.cohort.v1"
OFFERING_TOPIC = "catalogue.offering.v1"
PROVIDER_TOPIC = "catalogue.provider.v1"
CANDIDATE_TOPIC = "matching.candidate.v1"
CONSORTIUM_TOPIC = "catalogue.consortium.v1"


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
    # a private participant's name and address, sealed for billing (billing/usecases/sealed.py)
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


class ConsortiumFacts(Tolerant):
    """ConsortiumFormed / ConsortiumMembersChanged: each carries the whole member list."""

    consortium_id: str
    name: str = ""
    members: list[str] = Field(default_factory=list)
    funded_members: list[str] = Field(default_factory=list)
    flex_partnership: bool = False


def parse(model: type[Parsed], event: EventEnvelope) -> Parsed:
    return model.model_validate(event.payload)


def ref(event: EventEnvelope) -> EventRef:
    return EventRef(str(event.event_id), event.event_type, event.occurred_at.date())


async def enrolled(biller: Biller, enrolment: ParticipantEnrolled, event: EventEnvelope) -> None:
    await biller.participant_enrolled(enrolment, ref(event))


async def withdrawn(biller: Biller, withdrawal: EnrolmentWithdrawn, event: EventEnvelope) -> None:
    await biller.enrolment_withdrawn(withdrawal, ref(event))


async def forget_participant(biller: Biller, erased: ParticipantErased, event: EventEnvelope) -> None:
    await forget(biller.db, erased.participant_ref)


async def forget_candidate(biller: Biller, erased: CandidateErased, event: EventEnvelope) -> None:
    await forget(biller.db, erased.candidate_ref)  # a placed candidate's ref is their payer id


async def cohort_changed(biller: Biller, cohort: CohortFacts, event: EventEnvelope) -> None:
    await biller.cohort_changed(cohort, ref(event))


async def cohort_confirmed(biller: Biller, confirmed: CohortConfirmed, event: EventEnvelope) -> None:
    await biller.cohort_confirmed(confirmed, ref(event))


async def cohort_cancelled(biller: Biller, cancelled: CohortCancelled, event: EventEnvelope) -> None:
    await biller.cohort_cancelled(cancelled, ref(event))


async def offering_changed(biller: Biller, offering: OfferingFacts, event: EventEnvelope) -> None:
    await biller.offering_changed(offering)


async def provider_registered(biller: Biller, provider: ProviderRegistered, event: EventEnvelope) -> None:
    await biller.provider_registered(provider)


async def consortium_changed(biller: Biller, consortium: ConsortiumFacts, event: EventEnvelope) -> None:
    fields = consortium.model_dump(exclude={"consortium_id"})
    await keep_consortium(biller.db, consortium.consortium_id, fields, str(event.event_id))


# The subscription tables: one consumer group per topic (named after it), each with the events it
# acts on (others on its topic are skipped), their payload models and their handlers.
APPLICATION_EVENTS: SubscriptionTable[Biller, None] = SubscriptionTable(
    f"billing.{APPLICATION_TOPIC}",
    (APPLICATION_TOPIC,),
    (
        on("ParticipantEnrolled", ParticipantEnrolled, enrolled),
        on("EnrolmentWithdrawn", EnrolmentWithdrawn, withdrawn),
        on("ParticipantErased", ParticipantErased, forget_participant),
    ),
)
COHORT_EVENTS: SubscriptionTable[Biller, None] = SubscriptionTable(
    f"billing.{COHORT_TOPIC}",
    (COHORT_TOPIC,),
    (
        on("CohortScheduled", CohortFacts, cohort_changed),
        on("CohortUpdated", CohortFacts, cohort_changed),
        # seat events carry the new seats_taken: a go-with-surcharge cohort is recomputed on them
        on("SeatReserved", CohortFacts, cohort_changed),
        on("SeatReleased", CohortFacts, cohort_changed),
        on("CohortConfirmed", CohortConfirmed, cohort_confirmed),
        on("CohortCancelled", CohortCancelled, cohort_cancelled),
    ),
)
OFFERING_EVENTS: SubscriptionTable[Biller, None] = SubscriptionTable(
    f"billing.{OFFERING_TOPIC}",
    (OFFERING_TOPIC,),
    (
        on("OfferingPublished", OfferingFacts, offering_changed),
        on("OfferingUpdated", OfferingFacts, offering_changed),
    ),
)
PROVIDER_EVENTS: SubscriptionTable[Biller, None] = SubscriptionTable(
    f"billing.{PROVIDER_TOPIC}",
    (PROVIDER_TOPIC,),
    (on("ProviderRegistered", ProviderRegistered, provider_registered),),
)
CANDIDATE_EVENTS: SubscriptionTable[Biller, None] = SubscriptionTable(
    f"billing.{CANDIDATE_TOPIC}",
    (CANDIDATE_TOPIC,),
    (on("CandidateErased", CandidateErased, forget_candidate),),
)
CONSORTIUM_EVENTS: SubscriptionTable[Biller, None] = SubscriptionTable(
    f"billing.{CONSORTIUM_TOPIC}",
    (CONSORTIUM_TOPIC,),
    (
        on("ConsortiumFormed", ConsortiumFacts, consortium_changed),
        on("ConsortiumMembersChanged", ConsortiumFacts, consortium_changed),
    ),
)
TABLES = (
    APPLICATION_EVENTS,
    COHORT_EVENTS,
    OFFERING_EVENTS,
    PROVIDER_EVENTS,
    CANDIDATE_EVENTS,
    CONSORTIUM_EVENTS,
)


def make_handlers(biller: Biller) -> dict[str, Handler]:
    """Per topic, the handler of its table bound to `biller`."""
    return {table.topics[0]: table.handler(biller) for table in TABLES}


def application_batch_handler(biller: Biller, one_by_one: Handler) -> BatchHandler:
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
    for table in TABLES:
        guarded = runtime.inbox.guard(table.group, table.handler(biller))
        batch = application_batch_handler(biller, guarded) if table is APPLICATION_EVENTS else None
        topics = tuple(prefix + topic for topic in table.topics)
        subscriptions.append(Subscription(prefix + table.group, topics, guarded, batch_handler=batch))
    return subscriptions
