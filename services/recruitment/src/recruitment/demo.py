"""Demo data: for every cohort the catalogue schedules, a running campaign with applications
spread over the funnel. Deterministic per cohort (ids and choices derive from the cohort id), and
idempotent (the campaign id is fixed, so a redelivered CohortScheduled seeds nothing twice).

The histories are backdated by a stepping clock so that time-in-step figures mean something; the
seat decisions themselves come from the catalogue, through the real saga."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from recruitment.applicants import Applicant, personal_fields
from recruitment.cohorts import CohortView
from recruitment.domain.application import Exemption, IntakeResult, Score, Source
from recruitment.domain.campaign import CampaignPlan, CampaignStatus, Channel, CostShare, TargetGroup
from recruitment.domain.funding import Funding, FundingKind, Payer
from recruitment.domain.funnel import DropOutReason, Stage
from recruitment.store import AlreadyExists
from recruitment.usecases import Recruitment

DEMO_BY = "demo:aanbieder"
# The demo's signed-in provider (ROC van Flevoland); other providers' cohorts get no demo campaigns,
# which keeps the embedded start quick.
DEMO_PROVIDER = "BRIN-25LH"
CHANNELS = [Channel.uwv, Channel.employer_visit, Channel.gemeente, Channel.open_day, Channel.website_form]
EMPLOYER = Payer(
    payer_id="KVK-39084217",
    kind="employer",
    name="Zorggroep Almere",
    scheme="0106",
    endpoint="39084217",
    share_bp=10_000,
)

# (how far the application gets, and how it leaves if it does): one list, cycled per cohort.
JOURNEYS: list[tuple[Stage, DropOutReason | None]] = [
    (Stage.enrolment_requested, None),
    (Stage.intake_done, None),
    (Stage.enrolment_requested, None),
    (Stage.interested, None),
    (Stage.withdrawn, DropOutReason.found_work),
    (Stage.admitted, None),
    (Stage.intake_planned, None),
    (Stage.rejected, DropOutReason.prior_education_insufficient),
    (Stage.interested, None),
    (Stage.withdrawn, DropOutReason.not_reachable),
]
PATH = [Stage.intake_planned, Stage.intake_done, Stage.admitted, Stage.enrolment_requested]


def _digest(cohort_id: str) -> int:
    return int(hashlib.sha256(cohort_id.encode()).hexdigest()[:8], 16)


class SteppingClock:
    """Each call is a few hours after the previous one: a believable backdated history."""

    def __init__(self, start: datetime, step_hours: int) -> None:
        self._now = start
        self._step = timedelta(hours=step_hours)

    def __call__(self) -> datetime:
        self._now += self._step
        return self._now


async def seed_cohort(recruitment: Recruitment, cohort: CohortView) -> None:
    digest = _digest(cohort.cohort_id)
    if cohort.provider_id != DEMO_PROVIDER or cohort.status not in ("planned", "confirmed") or digest % 3:
        return  # a third of the demo provider's cohorts: enough to show, quick to start
    now = recruitment.clock()
    demo = Recruitment(recruitment.store, recruitment._wake, clock=SteppingClock(now - timedelta(days=30), 5))
    today = now.date()
    try:
        campaign = await demo.create_campaign(
            plan=_plan(cohort, today),
            provider_id=cohort.provider_id,
            cohort_id=cohort.cohort_id,
            offering_id=cohort.offering_id,
            campaign_id=f"demo-{cohort.cohort_id}",
        )
    except AlreadyExists:
        return
    await demo.advance_campaign(campaign.campaign_id, CampaignStatus.running)
    # Fewer seat requests than break-even for most cohorts, so the fill logic has work to do.
    count = 5 + digest % 4
    for i in range(count):
        journey, reason = JOURNEYS[(i + digest) % len(JOURNEYS)]
        await _applicant(demo, cohort, campaign.campaign_id, i, journey, reason, digest)


def _plan(cohort: CohortView, today: date) -> CampaignPlan:
    return CampaignPlan(
        name=f"Werving {cohort.label}"[:160],
        target_groups=[TargetGroup.zij_instromers, TargetGroup.werkzoekenden, TargetGroup.herintreders],
        channels=CHANNELS,
        starts_on=today - timedelta(days=30),
        ends_on=max(today, cohort.decision_date or today),
        goal_seats=max(1, cohort.break_even or 8),
        budget_cents=450_000,
        cost_shares=[
            CostShare(partner_id=cohort.provider_id or "", name="Opleider", share_bp=7_000),
            CostShare(partner_id="LWL-FLEVOLAND", name="Leerwerkloket Flevoland", share_bp=3_000),
        ],
    )


async def _applicant(
    demo: Recruitment,
    cohort: CohortView,
    campaign_id: str,
    index: int,
    journey: Stage,
    reason: DropOutReason | None,
    digest: int,
) -> None:
    number = (digest % 900) + index
    applicant = Applicant(name=f"Demo-deelnemer {number}", email=f"deelnemer{number}@voorbeeld.nl")
    application = await demo.receive_application(
        source=Source.portal,
        cohort=cohort,
        campaign=(await demo.store.campaign(campaign_id))[0],  # type: ignore[index]
        channel=CHANNELS[(index + digest) % len(CHANNELS)],
        by="portal",
        personal=personal_fields(applicant, demo.clock()),
        application_id=f"demo-{cohort.cohort_id}-{index}",
    )
    steps = PATH[: PATH.index(journey) + 1] if journey in PATH else []
    if reason is not None:
        steps = PATH[: 1 + index % 2]
    for stage in steps:
        await demo.move(
            application.application_id,
            stage,
            by=DEMO_BY,
            intake=_intake(index) if stage == Stage.intake_done else None,
            funding=_funding(index, application.participant_ref, cohort)
            if stage == Stage.enrolment_requested
            else None,
        )
    if reason is not None:
        target = Stage.rejected if reason == DropOutReason.prior_education_insufficient else Stage.withdrawn
        await demo.move(application.application_id, target, by=DEMO_BY, reason=reason)


def _intake(index: int) -> IntakeResult:
    exemptions = (
        [Exemption(unit="Leereenheid ADL", basis="praktijkscan en instaptoets boven 80%")]
        if index % 3 == 0
        else []
    )
    return IntakeResult(
        scores=[
            Score(name="motivatie", value=60 + index * 3 % 40),
            Score(name="studievaardigheden", value=70),
        ],
        exemptions=exemptions,
    )


def _funding(index: int, participant_ref: str, cohort: CohortView) -> Funding:
    """A mix of funded and private seats, within what the cohort offers."""
    funded = [FundingKind(k) for k in cohort.funding_kinds or [FundingKind.funded_bbl] if k != "private"]
    if funded and (index % 3 == 1 or not cohort.offers(FundingKind.private)):
        return Funding(funding_kind=funded[0])
    if index % 3 == 2:
        own = Payer(payer_id=participant_ref, kind="participant", name=participant_ref, share_bp=3_000)
        return Funding(
            funding_kind=FundingKind.private, payers=[EMPLOYER.model_copy(update={"share_bp": 7_000}), own]
        )
    return Funding(funding_kind=FundingKind.private, payers=[EMPLOYER])
