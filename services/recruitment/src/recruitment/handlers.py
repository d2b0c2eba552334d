"""Consumers: the catalogue's cohort and seat events (read model + the enrolment saga), its
offering events (the course names on the pages),
matching's accepted placements and candidate erasure. Every handler runs inside the inbox guard,
so a redelivered event changes nothing; they parse tolerantly (unknown fields ignored)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from pydantic import Field, ValidationError

from llo_shared.bus import Handler, Subscription
from llo_shared.envelope import EventEnvelope
from llo_shared.envelope import TolerantModel as _Tolerant
from llo_shared.service import Runtime
from llo_shared.subscriptions import SubscriptionTable, on
from recruitment.cohorts import CohortView
from recruitment.domain.funding import Funding, FundingKind, Payer
from recruitment.settings import RecruitmentSettings
from recruitment.usecases import Recruitment

log = logging.getLogger(__name__)


class CohortChanged(_Tolerant):
    """CohortScheduled / CohortUpdated: every field but the id may be absent. The fields are the
    read model's (`cohorts.CohortView`, which `duplicates` pairs with this: declarations, not logic);
    here without defaults, so only what the event told is recorded."""

    cohort_id: str
    offering_id: str | None = None
    provider_id: str | None = None
    title: str | None = None
    region: str | None = None
    municipality: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    decision_date: date | None = None
    capacity: int | None = None
    break_even: int | None = None
    seat_price_cents: int | None = None
    currency: str | None = None
    status: str | None = None
    seats_taken: int | None = None
    seats_left: int | None = None
    funding_kinds: list[str] | None = None


class SeatAnswer(_Tolerant):
    cohort_id: str
    enrolment_id: str
    application_id: str | None = None
    seats_left: int | None = None
    seats_taken: int | None = None
    reason: str | None = None


class OfferingNamed(_Tolerant):
    """OfferingPublished / OfferingUpdated: only what the pages show."""

    offering_id: str
    title: str | None = None
    provider_name: str | None = None


async def name_offering(recruitment: Recruitment, offering: OfferingNamed, event: EventEnvelope) -> None:
    fields = offering.model_dump(mode="json", exclude_none=True, exclude={"offering_id"})
    await recruitment.store.upsert_offering(offering.offering_id, fields)


class DecisionDue(_Tolerant):
    cohort_id: str
    enrolled: int | None = None
    break_even: int | None = None
    seat_price_cents: int | None = None
    decision_date: date | None = None


class CohortEnded(_Tolerant):
    cohort_id: str
    reason: str | None = None
    merged_into: str | None = None


class PlacementAccepted(_Tolerant):
    placement_id: str
    cohort_id: str
    demand_id: str | None = None
    candidate_ref: str | None = None
    commissioner_org: str | None = None
    seats: int = 1
    funding_kind: FundingKind = FundingKind.private
    payers: list[dict[str, Any]] = Field(default_factory=list)


class CohortGoes(_Tolerant):
    """CohortConfirmed: older events may leave the id to the envelope's aggregate id."""

    cohort_id: str | None = None


class CandidateErased(_Tolerant):
    candidate_ref: str


SeedHook = Callable[[Recruitment, CohortView], Awaitable[None]]


class CohortHandlers:
    def __init__(self, recruitment: Recruitment, seed: SeedHook | None = None) -> None:
        self.recruitment = recruitment
        self._seed = seed

    async def _record(self, cohort_id: str, fields: dict[str, Any], event: EventEnvelope) -> CohortView:
        return await self.recruitment.record_cohort(cohort_id, fields, event.occurred_at, str(event.event_id))

    async def scheduled(self, change: CohortChanged, event: EventEnvelope) -> None:
        await self._changed(change, event, scheduled=True)

    async def updated(self, change: CohortChanged, event: EventEnvelope) -> None:
        await self._changed(change, event, scheduled=False)

    async def _changed(self, change: CohortChanged, event: EventEnvelope, *, scheduled: bool) -> None:
        fields = change.model_dump(mode="json", exclude_none=True, exclude={"cohort_id"})
        view = await self._record(change.cohort_id, fields, event)
        view = await self.recruitment.name_cohort(view)
        if scheduled and self._seed is not None:
            await self._seed(self.recruitment, view)
        await self.recruitment.propose_fill_campaign(view)

    async def seat_reserved(self, answer: SeatAnswer, event: EventEnvelope) -> None:
        view = await self._record(answer.cohort_id, _seats(answer), event)
        await self.recruitment.seat_reserved(answer.application_id or "", answer.enrolment_id, view)

    async def seat_rejected(self, answer: SeatAnswer, event: EventEnvelope) -> None:
        await self.recruitment.seat_rejected(
            answer.application_id or "", answer.enrolment_id, answer.reason or "full"
        )

    async def seat_released(self, answer: SeatAnswer, event: EventEnvelope) -> None:
        await self._record(answer.cohort_id, _seats(answer), event)
        await self.recruitment.offer_released_seat(answer.cohort_id)

    async def decision_due(self, due: DecisionDue, event: EventEnvelope) -> None:
        fields = {
            k: v
            for k, v in {
                "seats_taken": due.enrolled,
                "break_even": due.break_even,
                "seat_price_cents": due.seat_price_cents,
                "decision_date": due.decision_date.isoformat() if due.decision_date else None,
            }.items()
            if v is not None
        }
        view = await self._record(due.cohort_id, fields, event)
        await self.recruitment.propose_fill_campaign(view, due=True)

    async def confirmed(self, goes: CohortGoes, event: EventEnvelope) -> None:
        cohort_id = goes.cohort_id or event.aggregate_id
        await self._record(cohort_id, {"status": "confirmed"}, event)

    async def cancelled(self, ended: CohortEnded, event: EventEnvelope) -> None:
        fields = {"status": "cancelled", "merged_into": ended.merged_into}
        await self._record(ended.cohort_id, fields, event)
        if ended.merged_into:  # people follow their seats to the target instead of being withdrawn
            await self.recruitment.cohort_merged(ended.cohort_id, ended.merged_into)
        await self.recruitment.cohort_cancelled(ended.cohort_id)


def _seats(answer: SeatAnswer) -> dict[str, Any]:
    return {
        k: v
        for k, v in (("seats_left", answer.seats_left), ("seats_taken", answer.seats_taken))
        if v is not None
    }


def tolerant_payer(raw: dict[str, Any]) -> Payer:
    """Producers may leave a payer's name empty or use a routing scheme we do not know."""
    scheme = raw.get("scheme") if raw.get("scheme") in ("0106", "0190") else None
    return Payer.model_validate({**raw, "name": raw.get("name") or raw.get("payer_id"), "scheme": scheme})


def placement_funding(placement: PlacementAccepted) -> Funding:
    """The placement's funding; a private placement without payers is paid by its commissioner."""
    payers = [tolerant_payer(p) for p in placement.payers]
    if not payers and placement.funding_kind == FundingKind.private and placement.commissioner_org:
        org = placement.commissioner_org
        kvk = org.removeprefix("KVK-") if org.startswith("KVK-") else None
        payers = [
            Payer(
                payer_id=org,
                kind="employer",
                name=org,
                scheme="0106" if kvk else None,
                endpoint=kvk,
                share_bp=10_000,
            )
        ]
    return Funding(funding_kind=placement.funding_kind, payers=payers)


async def apply_for_placement(
    recruitment: Recruitment, placement: PlacementAccepted, event: EventEnvelope
) -> None:
    cohort = await recruitment.placement_cohort(placement.cohort_id)
    try:
        funding = placement_funding(placement)
    except ValidationError as error:
        raise ValueError(f"placement {placement.placement_id} has unusable payers") from error
    await recruitment.accept_placement(
        cohort,
        placement_id=placement.placement_id,
        seats=placement.seats,
        candidate_ref=placement.candidate_ref,
        commissioner_org=placement.commissioner_org,
        funding=funding,
    )


async def erase_candidate(recruitment: Recruitment, erased: CandidateErased, event: EventEnvelope) -> None:
    await recruitment.erase_candidate(erased.candidate_ref)


# The subscription tables: per consumer group, the events it acts on (others on its topic are
# skipped), each with the payload model it is read with and its handler.
COHORT_EVENTS: SubscriptionTable[CohortHandlers, None] = SubscriptionTable(
    "recruitment.cohorts",
    ("catalogue.cohort.v1",),
    (
        on("CohortScheduled", CohortChanged, CohortHandlers.scheduled),
        on("CohortUpdated", CohortChanged, CohortHandlers.updated),
        on("SeatReserved", SeatAnswer, CohortHandlers.seat_reserved),
        on("SeatRejected", SeatAnswer, CohortHandlers.seat_rejected),
        on("SeatReleased", SeatAnswer, CohortHandlers.seat_released),
        on("CohortDecisionDue", DecisionDue, CohortHandlers.decision_due),
        on("CohortConfirmed", CohortGoes, CohortHandlers.confirmed),
        on("CohortCancelled", CohortEnded, CohortHandlers.cancelled),
    ),
)
OFFERING_EVENTS: SubscriptionTable[Recruitment, None] = SubscriptionTable(
    "recruitment.offerings",
    ("catalogue.offering.v1",),
    (
        on("OfferingPublished", OfferingNamed, name_offering),
        on("OfferingUpdated", OfferingNamed, name_offering),
    ),
)
PLACEMENT_EVENTS: SubscriptionTable[Recruitment, None] = SubscriptionTable(
    "recruitment.placements",
    ("matching.placement.v1",),
    (on("PlacementAccepted", PlacementAccepted, apply_for_placement),),
)
CANDIDATE_EVENTS: SubscriptionTable[Recruitment, None] = SubscriptionTable(
    "recruitment.candidates",
    ("matching.candidate.v1",),
    (on("CandidateErased", CandidateErased, erase_candidate),),
)
TABLES = (COHORT_EVENTS, OFFERING_EVENTS, PLACEMENT_EVENTS, CANDIDATE_EVENTS)


def subscriptions(
    runtime: Runtime, recruitment: Recruitment, seed: SeedHook | None, settings: RecruitmentSettings
) -> list[Subscription]:
    """The tables bound to this process; topics come from the settings (their defaults are the tables')."""
    guard = runtime.inbox.guard
    suffix = settings.consumer_group_suffix
    consumers: list[tuple[str, str, Handler]] = [
        (
            COHORT_EVENTS.group,
            settings.cohort_topic,
            COHORT_EVENTS.handler(CohortHandlers(recruitment, seed)),
        ),
        (OFFERING_EVENTS.group, settings.offering_topic, OFFERING_EVENTS.handler(recruitment)),
        (PLACEMENT_EVENTS.group, settings.placement_topic, PLACEMENT_EVENTS.handler(recruitment)),
        (CANDIDATE_EVENTS.group, settings.candidate_topic, CANDIDATE_EVENTS.handler(recruitment)),
    ]
    return [
        Subscription(group + suffix, (topic,), guard(group, handler)) for group, topic, handler in consumers
    ]
