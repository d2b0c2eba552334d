"""What recruitment does, step by step: the use cases the API, the pages, the consumers and the
demo seeding share. Each step loads an aggregate, asks the domain, and writes the new state with
its events in one single-document write; a concurrent change is retried on the fresh state."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from llo_shared.envelope import EventEnvelope
from llo_shared.sealed import Sealer, refuse_to_seal
from recruitment import events as ev
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.application import (
    Application,
    Enrolment,
    EnrolmentStatus,
    IntakeResult,
    Source,
    received,
)
from recruitment.domain.campaign import (
    Campaign,
    CampaignPlan,
    CampaignStatus,
    Channel,
    Origin,
    TargetGroup,
)
from recruitment.domain.fill import fill_goal
from recruitment.domain.funding import Funding
from recruitment.domain.funnel import SEAT_DECISIONS, DropOutReason, InvalidTransition, Stage, manual_next
from recruitment.payers import PayerChoice
from recruitment.store import AlreadyExists, ConcurrentChange, RecruitmentStore

log = logging.getLogger(__name__)
T = TypeVar("T")

CATALOGUE = "system:catalogue"
FILL_CHANNELS = [Channel.employer_visit, Channel.uwv, Channel.gemeente, Channel.leerwerkloket]
# The catalogue's refusal codes (SeatRejected.reason other than `full`) as drop-out reasons.
SEAT_REFUSAL_REASONS = {
    "cancelled": DropOutReason.cohort_cancelled,
    "closed": DropOutReason.other,
    "unknown_cohort": DropOutReason.other,
    "funding_not_offered": DropOutReason.financing,
}
FILL_TARGET_GROUPS = [TargetGroup.zij_instromers, TargetGroup.werkzoekenden, TargetGroup.herintreders]


class NotFound(Exception):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key} not found")
        self.what, self.key = what, key


class MissingInput(ValueError):
    """A step needs data the request did not carry; names the field for the 422."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class FundingNotOffered(MissingInput):
    """The cohort offers no seat of the funding kind asked for (the catalogue would refuse it)."""

    def __init__(self, asked: str, offered: list[str]) -> None:
        super().__init__(
            "funding.funding_kind", f"this cohort offers no {asked} seat; it offers: {', '.join(offered)}"
        )
        self.asked, self.offered = asked, offered


class SeatDecisionOnly(InvalidTransition):
    """enrolled and waitlisted follow the catalogue's seat decision; a person cannot choose them."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def waitlist_seq(requested_at: datetime) -> int:
    """A place on the waitlist: when the person asked (in microseconds), not when the catalogue's
    "full" arrived. Requests are keyed by application, so they reach the catalogue over several
    partitions and its answers can come in another order than the requests went out."""
    return int(requested_at.timestamp() * 1_000_000)


def fill_campaign_id(cohort_id: str) -> str:
    return f"fill-{cohort_id}"


def new_ref() -> str:
    return "pr-" + uuid.uuid4().hex[:20]


class Recruitment:
    def __init__(
        self,
        store: RecruitmentStore,
        wake: Callable[[], None],
        *,
        fill_lead_days: int = 21,
        fill_budget_per_seat_cents: int = 25_000,
        clock: Callable[[], datetime] = utcnow,
        sealer: Sealer = refuse_to_seal,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self._wake = wake
        self.fill_lead_days = fill_lead_days
        self.fill_budget_per_seat_cents = fill_budget_per_seat_cents
        self.clock = clock

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], tries: int = 8) -> T:
        for _ in range(tries - 1):
            try:
                return await attempt()
            except ConcurrentChange:
                continue
        return await attempt()

    # cohorts --------------------------------------------------------------------------
    async def cohort(self, cohort_id: str) -> CohortView | None:
        return cohort_view(await self.store.cohort(cohort_id))

    # campaigns ------------------------------------------------------------------------
    async def create_campaign(
        self,
        *,
        plan: CampaignPlan,
        provider_id: str,
        cohort_id: str | None,
        offering_id: str | None,
        origin: Origin = Origin.manual,
        campaign_id: str | None = None,
    ) -> Campaign:
        campaign = Campaign(
            campaign_id=campaign_id or "cmp-" + uuid.uuid4().hex[:16],
            provider_id=provider_id,
            cohort_id=cohort_id,
            offering_id=offering_id,
            origin=origin,
            plan=plan,
            created_at=self.clock(),
        )
        await self.store.add_campaign(campaign, [self._campaign_event(ev.CampaignProposed, campaign)])
        self._wake()
        return campaign

    async def advance_campaign(self, campaign_id: str, target: CampaignStatus) -> Campaign:
        async def attempt() -> Campaign:
            campaign, version = await self._campaign(campaign_id)
            changed = campaign.advanced(target, self.clock())
            kind = ev.CampaignLaunched if target == CampaignStatus.running else ev.CampaignClosed
            await self.store.save_campaign(changed, version, [self._campaign_event(kind, changed)])
            return changed

        campaign = await self._retrying(attempt)
        self._wake()
        return campaign

    async def replan_campaign(self, campaign_id: str, plan: CampaignPlan) -> Campaign:
        async def attempt() -> Campaign:
            campaign, version = await self._campaign(campaign_id)
            changed = campaign.replanned(plan)
            await self.store.save_campaign(changed, version, [])
            return changed

        return await self._retrying(attempt)

    async def _campaign(self, campaign_id: str) -> tuple[Campaign, int]:
        found = await self.store.campaign(campaign_id)
        if found is None:
            raise NotFound("campaign", campaign_id)
        return found

    @staticmethod
    def _campaign_event(
        kind: type[ev.CampaignProposed | ev.CampaignLaunched | ev.CampaignClosed], campaign: Campaign
    ) -> EventEnvelope:
        payload = kind(
            campaign_id=campaign.campaign_id,
            cohort_id=campaign.cohort_id,
            offering_id=campaign.offering_id,
            provider_id=campaign.provider_id,
            goal_seats=campaign.plan.goal_seats,
            channels=[str(c) for c in campaign.plan.channels],
            budget_cents=campaign.plan.budget_cents,
            origin=str(campaign.origin),  # type: ignore[arg-type]
        )
        return ev.envelope(payload, campaign.campaign_id)

    # automatic fill campaigns ----------------------------------------------------------
    async def propose_fill_campaign(self, cohort: CohortView, *, due: bool = False) -> Campaign | None:
        """A draft campaign for the seats a cohort lacks; at most one per cohort, ever.

        `due` is set when the catalogue says the decision is due: then the lead time no longer matters."""
        today = self.clock().date()
        fill = cohort.fill()
        goal = fill_goal(fill, today, self.fill_lead_days if not due else 10_000)
        if goal <= 0 or not cohort.provider_id:
            return None
        ends_on = max(today, cohort.decision_date or today)
        plan = CampaignPlan(
            name=f"Vulcampagne {cohort.label}"[:160],
            target_groups=FILL_TARGET_GROUPS,
            channels=FILL_CHANNELS,
            starts_on=today,
            ends_on=ends_on,
            goal_seats=goal,
            budget_cents=goal * self.fill_budget_per_seat_cents,
        )
        try:
            return await self.create_campaign(
                plan=plan,
                provider_id=cohort.provider_id,
                cohort_id=cohort.cohort_id,
                offering_id=cohort.offering_id,
                origin=Origin.automatic,
                campaign_id=fill_campaign_id(cohort.cohort_id),
            )
        except AlreadyExists:
            return None

    async def sweep_fill_campaigns(self, provider_id: str | None = None) -> list[Campaign]:
        """Time passes without events; this checks every known cohort (of one provider, if named)
        against today's date. One cohort's bad data is logged and skipped, never stops the others."""
        query: dict[str, Any] = {"status": {"$nin": ["cancelled", "completed"]}}
        if provider_id is not None:
            query["provider_id"] = provider_id
        proposed = []
        for doc in await self.store.all_cohorts(query):
            if campaign := await self._sweep_one(doc):
                proposed.append(campaign)
        return proposed

    async def _sweep_one(self, doc: dict[str, Any]) -> Campaign | None:
        """One cohort of the sweep: a record that breaks is logged and skipped, never the whole sweep."""
        try:
            view = cohort_view(doc)
            return await self.propose_fill_campaign(view) if view else None
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            log.warning(
                "fill sweep skipped a broken cohort",
                extra={"cohort_id": doc.get("_id") or doc.get("cohort_id"), "error": type(error).__name__},
            )
            return None

    # applications ----------------------------------------------------------------------
    async def receive_application(
        self,
        *,
        source: Source,
        cohort: CohortView,
        by: str,
        campaign: Campaign | None = None,
        channel: Channel | None = None,
        personal: dict[str, Any] | None = None,
        registered_by: str | None = None,
        candidate_ref: str | None = None,
        placement_id: str | None = None,
        participant_ref: str | None = None,
        application_id: str | None = None,
        funding: Funding | None = None,
        request_enrolment: bool = False,
        admitted: bool = False,
        payer: PayerChoice | None = None,
    ) -> Application:
        """A new application. `payer` is who the person says will pay: it becomes the declared
        funding of a private seat, its details stay beside the application as personal data.
        `admitted`: the admission happened elsewhere (a placement); `request_enrolment` also asks
        the seat at once."""
        now = self.clock()
        participant_ref = participant_ref or new_ref()
        if payer is not None:
            funding = payer.funding(participant_ref, self.sealer)
            personal = (personal or {}) | {"payer": payer.model_dump(mode="json", exclude_none=True)}
        application = received(
            application_id=application_id or "app-" + uuid.uuid4().hex[:16],
            participant_ref=participant_ref,
            source=source,
            provider_id=cohort.provider_id or (campaign.provider_id if campaign else ""),
            at=now,
            by=by,
            entry=Stage.admitted if request_enrolment or admitted else Stage.interested,
            cohort_id=cohort.cohort_id,
            offering_id=cohort.offering_id,
            campaign_id=campaign.campaign_id if campaign else None,
            channel=channel,
            candidate_ref=candidate_ref,
            placement_id=placement_id,
            registered_by=registered_by,
            funding=funding.of_participant(participant_ref) if funding else None,
        )
        events = [ev.envelope(self._received(application), application.application_id)]
        if request_enrolment:
            application, requested = self._request_enrolment(application, by=by, funding=funding)
            events += requested
        await self.store.add_application(application, events, personal)
        self._wake()
        return application

    @staticmethod
    def _received(application: Application) -> ev.ApplicationReceived:
        return ev.ApplicationReceived(
            application_id=application.application_id,
            cohort_id=application.cohort_id,
            campaign_id=application.campaign_id,
            channel=str(application.channel) if application.channel else None,
            source=str(application.source),
            offering_id=application.offering_id,
            provider_id=application.provider_id,
        )

    async def load(self, application_id: str) -> tuple[Application, int]:
        found = await self.store.application(application_id)
        if found is None:
            raise NotFound("application", application_id)
        return found

    async def move(
        self,
        application_id: str,
        target: Stage,
        *,
        by: str,
        reason: DropOutReason | None = None,
        note: str | None = None,
        intake: IntakeResult | None = None,
        planned_for: datetime | None = None,
        funding: Funding | None = None,
        loaded: tuple[Application, int] | None = None,
    ) -> Application:
        """A person's step in the funnel (the seat decision is the catalogue's, see seat_*).
        `loaded`: the application and its version as the caller just read them (spares a read;
        a concurrent change makes the step read it again)."""
        first = [loaded] if loaded is not None and loaded[0].application_id == application_id else []

        async def attempt() -> Application:
            application, version = first.pop() if first else await self.load(application_id)
            if target in SEAT_DECISIONS:
                raise SeatDecisionOnly(application.stage, target, manual_next(application.stage))
            if target == Stage.enrolment_requested:
                await self._check_funding_offered(application, funding or application.funding)
            changed, events = self._step(
                application,
                target,
                by=by,
                reason=reason,
                note=note,
                intake=intake,
                planned_for=planned_for,
                funding=funding,
            )
            await self.store.save_application(changed, version, events)
            return changed

        application = await self._retrying(attempt)
        self._wake()
        return application

    async def _check_funding_offered(self, application: Application, funding: Funding | None) -> None:
        """Refuse at once what the catalogue's seat decision would refuse later (its rule, told to us
        in the cohort events); the catalogue still decides, this only spares the round trip."""
        cohort = await self.cohort(application.cohort_id) if application.cohort_id else None
        if funding is not None and cohort is not None and not cohort.offers(funding.funding_kind):
            raise FundingNotOffered(str(funding.funding_kind), cohort.funding_kinds or [])

    def _step(
        self,
        application: Application,
        target: Stage,
        *,
        by: str,
        reason: DropOutReason | None,
        note: str | None,
        intake: IntakeResult | None,
        planned_for: datetime | None,
        funding: Funding | None,
    ) -> tuple[Application, list[EventEnvelope]]:
        if target == Stage.enrolment_requested:
            return self._request_enrolment(application, by=by, funding=funding, note=note)
        now = self.clock()
        changed = application.moved(target, at=now, by=by, reason=reason, note=note)
        events: list[EventEnvelope] = []
        if target == Stage.intake_planned:
            changed = changed.model_copy(update={"intake_planned_for": planned_for})
        elif target == Stage.intake_done:
            if intake is None:
                raise MissingInput("intake", "intake_done needs the intake result (scores, exemptions)")
            changed = changed.model_copy(update={"intake": intake})
            events.append(ev.envelope(self._intake_completed(changed), changed.application_id))
        elif target in (Stage.withdrawn, Stage.rejected) and application.holds_or_awaits_seat:
            changed, withdrawn = self._withdraw_enrolment(application, changed, str(reason))
            events.append(withdrawn)
        return changed, events

    @staticmethod
    def _intake_completed(application: Application) -> ev.IntakeCompleted:
        return ev.IntakeCompleted(
            application_id=application.application_id,
            cohort_id=application.cohort_id,
            campaign_id=application.campaign_id,
            channel=str(application.channel) if application.channel else None,
            source=str(application.source),
            exemptions=len(application.intake.exemptions) if application.intake else 0,
        )

    def _request_enrolment(
        self, application: Application, *, by: str, funding: Funding | None, note: str | None = None
    ) -> tuple[Application, list[EventEnvelope]]:
        funding = funding or application.funding
        if funding is None:
            raise MissingInput("funding", "an enrolment request needs the seat's funding and payers")
        funding = funding.of_participant(application.participant_ref)
        if not application.cohort_id:
            raise MissingInput("cohort_id", "an enrolment request needs a cohort")
        now = self.clock()
        changed = application.moved(Stage.enrolment_requested, at=now, by=by, note=note)
        previous = application.enrolment
        enrolment = Enrolment(
            enrolment_id="enr-" + uuid.uuid4().hex[:16],
            cohort_id=application.cohort_id,
            funding=funding,
            requested_at=now,
            attempt=previous.attempt + 1 if previous else 1,
            # A waitlisted person offered a seat keeps their place if the offer fails.
            waitlist_seq=previous.waitlist_seq if previous else None,
        )
        changed = changed.model_copy(update={"enrolment": enrolment, "funding": funding})
        payload = ev.EnrolmentRequested(
            enrolment_id=enrolment.enrolment_id,
            application_id=application.application_id,
            cohort_id=enrolment.cohort_id,
            participant_ref=application.participant_ref,
            funding_kind=funding.funding_kind,
            payers=funding.payers,
            attempt=enrolment.attempt,
        )
        return changed, [ev.envelope(payload, application.application_id)]

    def _withdraw_enrolment(
        self, before: Application, changed: Application, reason: str
    ) -> tuple[Application, EventEnvelope]:
        enrolment = before.enrolment
        assert enrolment is not None
        payload = ev.EnrolmentWithdrawn(
            enrolment_id=enrolment.enrolment_id,
            application_id=before.application_id,
            cohort_id=enrolment.cohort_id,
            participant_ref=before.participant_ref,
            reason=reason,
            was_enrolled=before.stage == Stage.enrolled,
        )
        closed = enrolment.model_copy(
            update={"status": EnrolmentStatus.withdrawn, "decided_at": self.clock()}
        )
        return changed.model_copy(update={"enrolment": closed}), ev.envelope(payload, before.application_id)

    # the enrolment saga: the catalogue's answers -------------------------------------------
    async def _awaiting(self, application_id: str, enrolment_id: str) -> tuple[Application, int] | None:
        found = await self.store.application(application_id)
        if found is None:
            found = await self._by_enrolment(enrolment_id)
        if found is None:
            return None
        application, _ = found
        current = application.enrolment
        if (
            application.stage != Stage.enrolment_requested
            or not current
            or current.enrolment_id != enrolment_id
        ):
            return None  # an answer to an older offer, or the person left meanwhile (withdrawal sent)
        return found

    async def _by_enrolment(self, enrolment_id: str) -> tuple[Application, int] | None:
        docs = await self.store.all_applications({"enrolment.enrolment_id": enrolment_id})
        return (await self.store.application(docs[0].application_id)) if docs else None

    async def seat_reserved(
        self, application_id: str, enrolment_id: str, cohort_known: CohortView | None = None
    ) -> Application | None:
        """`cohort_known`: the cohort as the caller just recorded it (spares a read)."""

        async def attempt() -> Application | None:
            found = await self._awaiting(application_id, enrolment_id)
            if found is None:
                return None
            application, version = found
            now = self.clock()
            cohort_id = application.enrolment.cohort_id  # type: ignore[union-attr]
            known = cohort_known if cohort_known and cohort_known.cohort_id == cohort_id else None
            cohort = known or await self.cohort(cohort_id)
            changed = application.moved(Stage.enrolled, at=now, by=CATALOGUE)
            enrolment = application.enrolment.model_copy(  # type: ignore[union-attr]
                update={"status": EnrolmentStatus.enrolled, "decided_at": now, "position": None}
            )
            changed = changed.model_copy(update={"enrolment": enrolment})
            payload = ev.ParticipantEnrolled(
                enrolment_id=enrolment.enrolment_id,
                application_id=application.application_id,
                cohort_id=enrolment.cohort_id,
                offering_id=(cohort.offering_id if cohort else None) or application.offering_id,
                provider_id=(cohort.provider_id if cohort else None) or application.provider_id,
                participant_ref=application.participant_ref,
                funding_kind=enrolment.funding.funding_kind,
                payers=enrolment.funding.payers,
                seat_price_cents=(cohort.seat_price_cents if cohort else None) or 0,
                enrolled_at=now,
            )
            await self.store.save_application(
                changed, version, [ev.envelope(payload, application.application_id)]
            )
            return changed

        application = await self._retrying(attempt)
        self._wake()
        return application

    async def seat_rejected(self, application_id: str, enrolment_id: str, reason: str) -> Application | None:
        """`full` puts the person on the waitlist; a cancelled, closed or unknown cohort ends it."""
        if reason != "full":
            return await self._seat_refused(application_id, enrolment_id, reason)
        found = await self._awaiting(application_id, enrolment_id)
        if found is None:
            return None
        application, _ = found
        enrolment = application.enrolment
        assert enrolment is not None
        seq = enrolment.waitlist_seq or waitlist_seq(enrolment.requested_at)

        async def attempt() -> Application | None:
            found = await self._awaiting(application_id, enrolment_id)
            if found is None:
                return None
            application, version = found
            now = self.clock()
            position = await self.store.waitlisted_ahead(enrolment.cohort_id, seq) + 1
            changed = application.moved(Stage.waitlisted, at=now, by=CATALOGUE, note="cohort full")
            waiting = application.enrolment.model_copy(  # type: ignore[union-attr]
                update={
                    "status": EnrolmentStatus.waitlisted,
                    "decided_at": now,
                    "waitlist_seq": seq,
                    "position": position,
                }
            )
            changed = changed.model_copy(update={"enrolment": waiting})
            payload = ev.ParticipantWaitlisted(
                enrolment_id=waiting.enrolment_id,
                application_id=application.application_id,
                cohort_id=waiting.cohort_id,
                position=position,
            )
            await self.store.save_application(
                changed, version, [ev.envelope(payload, application.application_id)]
            )
            return changed

        changed = await self._retrying(attempt)
        self._wake()
        return changed

    async def _seat_refused(self, application_id: str, enrolment_id: str, reason: str) -> Application | None:
        async def attempt() -> Application | None:
            found = await self._awaiting(application_id, enrolment_id)
            if found is None:
                return None
            application, version = found
            why = SEAT_REFUSAL_REASONS.get(reason, DropOutReason.other)
            code = reason if reason in SEAT_REFUSAL_REASONS else "other"
            changed = application.moved(
                Stage.rejected, at=self.clock(), by=CATALOGUE, reason=why, note=f"seat rejected: {code}"
            )
            await self.store.save_application(changed, version, [])
            return changed

        return await self._retrying(attempt)

    async def offer_released_seat(self, cohort_id: str) -> Application | None:
        """A seat came free: the first person on the waitlist gets a new enrolment request."""

        async def attempt() -> Application | None:
            found = await self.store.first_waitlisted(cohort_id)
            if found is None:
                return None
            application, version = found
            changed, events = self._request_enrolment(
                application, by=CATALOGUE, funding=None, note="seat released"
            )
            await self.store.save_application(changed, version, events)
            return changed

        application = await self._retrying(attempt)
        self._wake()
        return application

    async def cohort_merged(self, source_id: str, target_id: str) -> int:
        """A merge: the catalogue moved every held seat to the target cohort, so the people follow
        it there with their enrolment and funding; nobody is withdrawn. No event is needed: the
        catalogue's SeatReserved on the target and CohortCancelled.merged_into tell the others."""
        moved = 0
        for application in await self.store.all_applications(
            {"cohort_id": source_id, "stage": {"$nin": ["withdrawn", "rejected"]}}
        ):

            async def attempt(application_id: str = application.application_id) -> Application | None:
                found = await self.store.application(application_id)
                if found is None or found[0].cohort_id != source_id:
                    return None
                current, version = found
                enrolment = current.enrolment
                if enrolment is not None and enrolment.cohort_id == source_id:
                    enrolment = enrolment.model_copy(update={"cohort_id": target_id})
                changed = current.model_copy(update={"cohort_id": target_id, "enrolment": enrolment})
                await self.store.save_application(changed, version, [])
                return changed

            if await self._retrying(attempt) is not None:
                moved += 1
        return moved

    async def cohort_cancelled(self, cohort_id: str) -> int:
        """Everyone still in the funnel for a cancelled cohort leaves it, with that reason."""
        moved = 0
        for application in await self.store.all_applications(
            {"cohort_id": cohort_id, "stage": {"$nin": ["withdrawn", "rejected"]}}
        ):
            try:
                await self.move(
                    application.application_id,
                    Stage.withdrawn,
                    by=CATALOGUE,
                    reason=DropOutReason.cohort_cancelled,
                    note="cohort cancelled",
                )
                moved += 1
            except InvalidTransition:
                continue
        for campaign in await self.store.campaigns_of_cohort(cohort_id):
            if campaign.status == CampaignStatus.running:
                await self.advance_campaign(campaign.campaign_id, CampaignStatus.closed)
        return moved

    async def erase_candidate(self, candidate_ref: str) -> int:
        erased = await self.store.erase_personal_data(
            {"candidate_ref": candidate_ref}, self.clock(), unlink=True, announce=self._erased
        )
        self._wake()
        return erased

    async def erase_application(self, application_id: str) -> bool:
        """The person asked to be forgotten: name, contact details, consent, notes and payer
        details go; the funnel steps stay for the figures. Billing hears of it (ParticipantErased)."""
        erased = await self.store.erase_personal_data(
            {"_id": application_id}, self.clock(), announce=self._erased
        )
        self._wake()
        return erased == 1

    @staticmethod
    def _erased(application: Application) -> list[EventEnvelope]:
        payload = ev.ParticipantErased(
            application_id=application.application_id, participant_ref=application.participant_ref
        )
        return [ev.envelope(payload, application.application_id)]
