"""Consumers: the catalogue's cohort and seat events (read model + the enrolment saga), its
offering events (the course names on the pages),
matching's accepted placements and candidate erasure. Every handler runs inside the inbox guard,
so a redelivered event changes nothing; they parse tolerantly (unknown fields ignored)."""

from __future__ import annotations

import logging
import uuid
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
from recruitment.domain.application import Source
from recruitment.domain.funding import Funding, FundingKind, Payer
from recruitment.settings import RecruitmentSettings
from recruitment.usecases import Recruitment

log = logging.getLogger(__name__)

MAX_SEATS_PER_PLACEMENT = 100
_NAMESPACE = uuid.UUID("6f1c2a4e-8a55-4d0e-9a53-3c1f3f0e7a10")


class CohortChanged(_Tolerant):
    """CohortScheduled / CohortUpdated: every field but the id may be absent."""

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
        self.store = recruitment.store
        self._seed = seed

    async def _record(self, cohort_id: str, fields: dict[str, Any], event: EventEnvelope) -> CohortView:
        """Update the read model and keep a point of the fill-over-time series."""
        current = await self.store.cohort(cohort_id, with_history=False) or {}
        merged = {**current, **fields}
        capacity = merged.get("capacity") or 0
        if fields.get("seats_left") is not None and fields.get("seats_taken") is None and capacity:
            fields["seats_taken"] = max(0, capacity - fields["seats_left"])
            merged["seats_taken"] = fields["seats_taken"]
        point = None
        shape = ("seats_taken", "break_even", "capacity")
        if merged.get("seats_taken") is not None and any(current.get(k) != merged.get(k) for k in shape):
            point = {
                "at": event.occurred_at.isoformat(),
                "seats_taken": merged["seats_taken"],
                "break_even": merged.get("break_even") or 0,
                "capacity": capacity,
            }
        await self.store.upsert_cohort(cohort_id, fields, point)
        return CohortView.model_validate({**current, **fields, "cohort_id": cohort_id, "fill_history": []})

    async def scheduled(self, change: CohortChanged, event: EventEnvelope) -> None:
        await self._changed(change, event, scheduled=True)

    async def updated(self, change: CohortChanged, event: EventEnvelope) -> None:
        await self._changed(change, event, scheduled=False)

    async def _changed(self, change: CohortChanged, event: EventEnvelope, *, scheduled: bool) -> None:
        fields = change.model_dump(mode="json", exclude_none=True, exclude={"cohort_id"})
        view = await self._record(change.cohort_id, fields, event)
        view = await self._named(view)
        if scheduled and self._seed is not None:
            await self._seed(self.recruitment, view)
        await self.recruitment.propose_fill_campaign(view)

    async def _named(self, view: CohortView) -> CohortView:
        """The course's name from the offering events. Read after the cohort is written (the offering
        handler writes before it reads cohorts), so whichever event comes second names the cohort."""
        offering = await self.store.offering(view.offering_id) if view.offering_id else None
        title = (offering or {}).get("title")
        if not title or title == view.title:
            return view
        await self.store.upsert_cohort(view.cohort_id, {"title": title}, None)
        return view.model_copy(update={"title": title})

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
        await self._record(goes.cohort_id or event.aggregate_id, {"status": "confirmed"}, event)

    async def cancelled(self, ended: CohortEnded, event: EventEnvelope) -> None:
        await self._record(ended.cohort_id, {"status": "cancelled", "merged_into": ended.merged_into}, event)
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
    cohort = await recruitment.cohort(placement.cohort_id)
    if cohort is None or not cohort.provider_id:
        # Retried, then dead-lettered (replayable) until the catalogue's cohort event arrived.
        raise LookupError(f"cohort {placement.cohort_id} not known yet")
    try:
        funding = placement_funding(placement)
    except ValidationError as error:
        raise ValueError(f"placement {placement.placement_id} has unusable payers") from error
    people = 1 if placement.candidate_ref else max(1, min(placement.seats, MAX_SEATS_PER_PLACEMENT))
    for index in range(people):
        key = f"{placement.placement_id}:{index}"
        ref = placement.candidate_ref or "pr-" + uuid.uuid5(_NAMESPACE, key).hex[:20]
        if await recruitment.store.application(_placement_application_id(key)) is not None:
            continue
        await recruitment.receive_application(
            source=Source.placement,
            cohort=cohort,
            by="system:matching",
            registered_by=placement.commissioner_org,
            candidate_ref=placement.candidate_ref,
            placement_id=placement.placement_id,
            participant_ref=ref,
            application_id=_placement_application_id(key),
            funding=funding,
            # A group of an employer's demand holds its seats at once (the pooling counted on
            # them); a person a mobility team routed waits, admitted, for the provider to enrol.
            request_enrolment=placement.candidate_ref is None,
            admitted=True,
        )


def _placement_application_id(key: str) -> str:
    return "app-" + uuid.uuid5(_NAMESPACE, key).hex[:16]


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
