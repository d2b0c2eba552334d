"""Applications and the funnel: a new application (from the public form, an RMT, the provider or a
placement), and a person's steps through the funnel (interested -> intake -> admitted ->
enrolment requested, or out with a drop-out reason). The seat decision is the catalogue's
(`usecases.enrolment`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from llo_shared.envelope import EventEnvelope
from recruitment import events as ev
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.application import Application, IntakeResult, Source, received
from recruitment.domain.campaign import Campaign, CampaignStatus, Channel
from recruitment.domain.funding import Funding, FundingKind, Payer
from recruitment.domain.funnel import SEAT_DECISIONS, DropOutReason, Stage, manual_next
from recruitment.payers import PayerChoice
from recruitment.usecases.enrolment import Enrolments
from recruitment.usecases.errors import FundingNotOffered, MissingInput, SeatDecisionOnly, TargetRefused


def new_ref() -> str:
    return "pr-" + uuid.uuid4().hex[:20]


def _funnel_fields(application: Application) -> dict[str, Any]:
    """What every funnel event tells of an application: where it came from, never who it is."""
    return {
        "application_id": application.application_id,
        "cohort_id": application.cohort_id,
        "campaign_id": application.campaign_id,
        "channel": str(application.channel) if application.channel else None,
        "source": str(application.source),
    }


class Applications(Enrolments):
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
            **_funnel_fields(application),
            offering_id=application.offering_id,
            provider_id=application.provider_id,
        )

    async def application_target(
        self, cohort_id: str | None, campaign_id: str | None
    ) -> tuple[CohortView, Campaign | None]:
        """The cohort and running campaign an application is for; a campaign's cohort wins over a
        loose one, and a loose one must be of the campaign's offering."""
        campaign = None
        if campaign_id:
            found = await self.store.campaign(campaign_id)
            if found is None or found[0].status != CampaignStatus.running:
                raise TargetRefused("campaign_id", "no running campaign with this id")
            campaign = found[0]
            cohort_id = campaign.cohort_id or cohort_id
        if not cohort_id:
            raise TargetRefused("cohort_id", "choose a cohort (start moment)")
        cohort = await self.cohort(cohort_id)
        if cohort is None or not cohort.takes_applications:
            raise TargetRefused("cohort_id", "unknown or closed cohort")
        if (
            campaign
            and campaign.offering_id
            and cohort.offering_id
            and campaign.offering_id != cohort.offering_id
        ):
            raise TargetRefused("cohort_id", "this cohort is not part of the campaign's offering")
        return cohort, campaign

    @staticmethod
    def admission_funding(kind: FundingKind | None, application: Application) -> Funding | None:
        """The funding of the seat when only its kind is chosen (the intake worklist; several payers
        with shares go through the API). A private seat is paid by whom the person named when
        applying; without that, by the person (billing then asks for their invoice details)."""
        if kind is None:
            return None
        if kind != FundingKind.private:
            return Funding(funding_kind=kind)
        declared = application.funding
        if declared is not None and declared.funding_kind == FundingKind.private:
            return declared
        payer = Payer(
            payer_id=application.participant_ref,
            kind="participant",
            name=application.participant_ref,
            share_bp=10_000,
        )
        return Funding(funding_kind=kind, payers=[payer])

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
        found = await self.store.cohort_for_check(application.cohort_id) if application.cohort_id else None
        cohort = cohort_view(found)
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
            **_funnel_fields(application),
            exemptions=len(application.intake.exemptions) if application.intake else 0,
        )
