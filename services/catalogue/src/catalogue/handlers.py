"""Consumers: recruitment's enrolment requests and withdrawals, matching's surcharge acceptances.

Each handler runs inside the inbox guard (once per event id); the seat rules themselves are
idempotent per enrolment id too, so a request that arrives twice under two event ids (a
producer retry) still takes one seat.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from catalogue.search import SearchIndex
from catalogue.settings import CatalogueSettings
from catalogue.store import CatalogueStore
from catalogue.usecases import seats as seat_decisions
from catalogue.usecases.decisions import record_surcharge_acceptance
from catalogue.usecases.seats import SeatChange, SeatOutcome
from llo_shared.bus import BatchHandler, Handler, Subscription
from llo_shared.envelope import EventEnvelope
from llo_shared.envelope import TolerantModel as Tolerant
from llo_shared.service import Runtime
from llo_shared.subscriptions import SubscriptionTable, on

log = logging.getLogger(__name__)

APPLICATION_TOPIC = "recruitment.application.v1"
SURCHARGE_TOPIC = "matching.surcharge.v1"
SEATS_CONSUMER = "catalogue.seats"
SURCHARGE_CONSUMER = "catalogue.surcharges"


# The fields of events.Payer, read tolerantly: what matching sends may grow (`duplicates` pairs the two;
# a declaration, kept apart on purpose: the catalogue's own model stays strict).
class PayerIn(Tolerant):
    payer_id: str
    kind: str
    name: str = ""
    scheme: str | None = None
    endpoint: str | None = None
    share_bp: int | None = None


class EnrolmentRequested(Tolerant):
    enrolment_id: str = Field(min_length=1, max_length=100)
    application_id: str | None = None
    cohort_id: str = Field(min_length=1, max_length=100)
    participant_ref: str | None = None
    funding_kind: str = Field(default="private", pattern=r"^(funded_bol|funded_bbl|private)$")
    payers: list[PayerIn] = Field(default_factory=list)


class EnrolmentWithdrawn(Tolerant):
    enrolment_id: str
    cohort_id: str
    reason: str | None = None


class SurchargeAccepted(Tolerant):
    cohort_id: str
    demand_id: str | None = None  # each accepting demand keeps its own acceptance
    payer: PayerIn
    payers: list[PayerIn] = Field(default_factory=list)  # every payer the demand names (share_bp)
    seats: int = Field(ge=1)
    cap_cents: int = Field(ge=0)


def seat_change(event: EventEnvelope) -> SeatChange | None:
    if event.event_type == "EnrolmentRequested":
        request = EnrolmentRequested.model_validate(event.payload)
        return SeatChange("reserve", request.model_dump(mode="json"))
    if event.event_type == "EnrolmentWithdrawn":
        withdrawal = EnrolmentWithdrawn.model_validate(event.payload)
        return SeatChange("release", withdrawal.model_dump(mode="json"))
    return None


@dataclass(frozen=True)
class SeatDesk:
    """What the seat consumer works with: the seat use cases decide against the store, the search
    index and the relay follow."""

    store: CatalogueStore
    index: SearchIndex
    wake: Callable[[], None]


async def request_seat(desk: SeatDesk, request: EnrolmentRequested, event: EventEnvelope) -> None:
    outcome = await seat_decisions.reserve_seat(desk.store, request.model_dump(mode="json"))
    await _seat_decided(desk, outcome, request.cohort_id, event)


async def release_seat(desk: SeatDesk, withdrawal: EnrolmentWithdrawn, event: EventEnvelope) -> None:
    outcome = await seat_decisions.release_seat(desk.store, withdrawal.model_dump(mode="json"))
    await _seat_decided(desk, outcome, withdrawal.cohort_id, event)


async def _seat_decided(desk: SeatDesk, outcome: SeatOutcome, cohort_id: str, event: EventEnvelope) -> None:
    log.info(
        "seat decision",
        extra={"event_id": str(event.event_id), "outcome": outcome.outcome, "reason": outcome.reason},
    )
    desk.wake()
    if outcome.cohort is not None:
        desk.index.upsert_cohort(public_cohort(outcome.cohort))
    else:
        await refresh_cohort(desk.store, desk.index, cohort_id)


def public_cohort(cohort: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cohort.items() if k not in ("outbox", "enrolments")}


async def accept_surcharge(
    store: CatalogueStore, acceptance: SurchargeAccepted, event: EventEnvelope
) -> None:
    if not await record_surcharge_acceptance(store, acceptance.model_dump(mode="json")):
        log.warning("surcharge for unknown cohort ignored", extra={"cohort_id": acceptance.cohort_id})


# The subscription tables: per consumer group, the events it acts on (others on its topic are
# skipped), each with the payload model it is read with and its handler.
SEAT_EVENTS: SubscriptionTable[SeatDesk, None] = SubscriptionTable(
    SEATS_CONSUMER,
    (APPLICATION_TOPIC,),
    (
        on("EnrolmentRequested", EnrolmentRequested, request_seat),
        on("EnrolmentWithdrawn", EnrolmentWithdrawn, release_seat),
    ),
)
SURCHARGE_EVENTS: SubscriptionTable[CatalogueStore, None] = SubscriptionTable(
    SURCHARGE_CONSUMER,
    (SURCHARGE_TOPIC,),
    (on("SurchargeAccepted", SurchargeAccepted, accept_surcharge),),
)
TABLES = (SEAT_EVENTS, SURCHARGE_EVENTS)


def seat_run_handler(store: CatalogueStore, index: SearchIndex, wake: Callable[[], None]) -> BatchHandler:
    """A run of seat events: each cohort's requests and withdrawals decided in order, in one
    decision (one read of the cohort, one commit, one write) per cohort."""

    async def handle_run(events: list[EventEnvelope]) -> None:
        by_cohort: dict[str, list[tuple[EventEnvelope, SeatChange]]] = defaultdict(list)
        for event in events:
            if (change := seat_change(event)) is not None:
                by_cohort[change.data["cohort_id"]].append((event, change))
        for cohort_id, run in by_cohort.items():
            outcomes = await seat_decisions.change_seats(store, cohort_id, [change for _, change in run])
            for (event, _), outcome in zip(run, outcomes, strict=True):
                log.info(
                    "seat decision",
                    extra={
                        "event_id": str(event.event_id),
                        "outcome": outcome.outcome,
                        "reason": outcome.reason,
                    },
                )
            wake()
            if outcomes[-1].cohort is not None:
                index.upsert_cohort(public_cohort(outcomes[-1].cohort))
            else:
                await refresh_cohort(store, index, cohort_id)

    return handle_run


def seat_events_only(guarded: Handler) -> Handler:
    """The application topic carries every step of a person's funnel; only the seat events need
    the inbox (the others would cost a claim and its release each for nothing)."""

    async def handle(event: EventEnvelope) -> None:
        if event.event_type in SEAT_EVENTS.event_types:
            await guarded(event)

    return handle


def seat_handler(store: CatalogueStore, index: SearchIndex, wake: Callable[[], None]) -> Handler:
    return SEAT_EVENTS.handler(SeatDesk(store, index, wake))


def seat_runs_only(guarded: BatchHandler) -> BatchHandler:
    async def handle(events: list[EventEnvelope]) -> None:
        seats = [event for event in events if event.event_type in SEAT_EVENTS.event_types]
        if seats:
            await guarded(seats)

    return handle


def surcharge_handler(store: CatalogueStore) -> Handler:
    return SURCHARGE_EVENTS.handler(store)


async def refresh_cohort(store: CatalogueStore, index: SearchIndex, cohort_id: Any) -> None:
    if isinstance(cohort_id, str):
        doc = await store.search_document(cohort_id)
        if doc:
            index.upsert_cohort(doc)


def subscriptions(
    store: CatalogueStore, index: SearchIndex, settings: CatalogueSettings
) -> Callable[[Runtime], list[Subscription]]:
    seats = SEATS_CONSUMER + settings.consumer_group_suffix
    surcharges = SURCHARGE_CONSUMER + settings.consumer_group_suffix

    def build(runtime: Runtime) -> list[Subscription]:
        return [
            Subscription(
                seats,
                (settings.application_topic,),
                seat_events_only(runtime.inbox.guard(seats, seat_handler(store, index, runtime.relay.wake))),
                batch_handler=seat_runs_only(
                    runtime.inbox.guard_batch(seats, seat_run_handler(store, index, runtime.relay.wake))
                ),
            ),
            Subscription(
                surcharges,
                (settings.surcharge_topic,),
                runtime.inbox.guard(surcharges, surcharge_handler(store)),
            ),
        ]

    return build
