"""The application aggregate: where a person is in the funnel, and why.

Personal data is not part of this model; the store keeps it beside the aggregate and
nothing derived from this model (events, figures) can leak it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from llo_shared.dates import Day
from recruitment.domain.campaign import Channel
from recruitment.domain.funding import Funding
from recruitment.domain.funnel import (
    EXITS,
    DropOutReason,
    InvalidTransition,
    Stage,
    Transition,
    allowed_next,
    make_transition,
)


class Source(StrEnum):
    portal = "portal"
    placement = "placement"
    rmt = "rmt"
    provider = "provider"


class Score(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    value: int = Field(ge=0, le=100)


class Exemption(BaseModel):
    """A vrijstelling as the examencommissie decided it; the system records, it does not decide."""

    unit: str = Field(min_length=1, max_length=120, description="module, keuzedeel or leereenheid")
    basis: str = Field(min_length=1, max_length=200, description="e.g. praktijkscan + instaptoets >= 80%")
    decided_by: str = Field(default="examencommissie", min_length=1, max_length=120)
    decision_ref: str | None = Field(default=None, max_length=120)
    decided_on: Day | None = None


class IntakeResult(BaseModel):
    scores: list[Score] = Field(default_factory=list, max_length=20)
    exemptions: list[Exemption] = Field(default_factory=list, max_length=30)
    notes: str | None = Field(default=None, max_length=2000)


class EnrolmentStatus(StrEnum):
    requested = "requested"
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    withdrawn = "withdrawn"


class Enrolment(BaseModel):
    """The seat request of an application; a new enrolment_id for each offer of a seat."""

    enrolment_id: str
    cohort_id: str
    funding: Funding
    status: EnrolmentStatus = EnrolmentStatus.requested
    requested_at: datetime
    attempt: int = 1
    decided_at: datetime | None = None
    waitlist_seq: int | None = None
    position: int | None = None


class Application(BaseModel):
    application_id: str
    participant_ref: str
    source: Source
    provider_id: str
    cohort_id: str | None = None
    offering_id: str | None = None
    campaign_id: str | None = None
    channel: Channel | None = None
    candidate_ref: str | None = None
    placement_id: str | None = None
    registered_by: str | None = None
    stage: Stage
    created_at: datetime
    history: list[Transition] = Field(default_factory=list)
    intake_planned_for: datetime | None = None
    intake: IntakeResult | None = None
    funding: Funding | None = None
    enrolment: Enrolment | None = None

    # transitions -----------------------------------------------------------------
    def moved(
        self,
        target: Stage,
        *,
        at: datetime,
        by: str,
        reason: DropOutReason | None = None,
        note: str | None = None,
    ) -> Application:
        step = make_transition(self.stage, target, at=at, by=by, reason=reason, note=note)
        return self.model_copy(update={"stage": target, "history": [*self.history, step]})

    def allowed_next(self) -> list[Stage]:
        return allowed_next(self.stage)

    @property
    def drop_out(self) -> Transition | None:
        last = self.history[-1] if self.history else None
        return last if last is not None and last.to_stage in EXITS else None

    @property
    def holds_or_awaits_seat(self) -> bool:
        """True while the catalogue may count a seat for this application."""
        return self.stage in (Stage.enrolment_requested, Stage.enrolled)

    def forgotten(self) -> Application:
        """What stays after the person asked to be forgotten: the funnel steps, dates and reasons
        (the figures need them), without free-text notes (they held phone numbers, a BSN) and
        without the person as payer beyond their pseudonym (no name, no sealed invoice details)."""
        intake = self.intake.model_copy(update={"notes": None}) if self.intake else None
        enrolment = (
            self.enrolment.model_copy(
                update={"funding": _anonymous(self.enrolment.funding, self.participant_ref)}
            )
            if self.enrolment
            else None
        )
        return self.model_copy(
            update={
                "history": [t.model_copy(update={"note": None}) for t in self.history],
                "intake": intake,
                "funding": _anonymous(self.funding, self.participant_ref) if self.funding else None,
                "enrolment": enrolment,
            }
        )

    def entered_at(self, stage: Stage) -> datetime | None:
        return next((t.at for t in self.history if t.to_stage == stage), None)


def _anonymous(funding: Funding, participant_ref: str) -> Funding:
    return funding.without_sealed_details().of_participant(participant_ref)


def received(
    *,
    application_id: str,
    participant_ref: str,
    source: Source,
    provider_id: str,
    at: datetime,
    by: str,
    entry: Stage = Stage.interested,
    **fields: object,
) -> Application:
    """A new application; it enters the funnel at `interested`, or at `admitted` when a commissioner
    placed the person (matching's accepted placement: the admission happened there)."""
    if entry not in (Stage.interested, Stage.admitted):
        raise InvalidTransition(Stage.interested, entry, [Stage.interested, Stage.admitted])
    first = Transition(from_stage=None, to_stage=entry, at=at, by=by)
    return Application(
        application_id=application_id,
        participant_ref=participant_ref,
        source=source,
        provider_id=provider_id,
        stage=entry,
        created_at=at,
        history=[first],
        **fields,  # type: ignore[arg-type]
    )
