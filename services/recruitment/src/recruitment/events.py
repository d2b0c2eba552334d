"""Events recruitment publishes (the models it owns). No personal data: people appear as
pseudonymous `participant_ref`s only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from llo_shared.envelope import EventEnvelope, EventPayload
from recruitment.domain.funding import FundingKind, Payer

PRODUCER = "recruitment"
CAMPAIGN_TOPIC = "recruitment.campaign.v1"
APPLICATION_TOPIC = "recruitment.application.v1"


class _CampaignEvent(EventPayload):
    campaign_id: str
    cohort_id: str | None
    offering_id: str | None
    provider_id: str
    goal_seats: int
    channels: list[str]
    budget_cents: int
    currency: str = "EUR"
    origin: Literal["manual", "automatic"] = "manual"


class CampaignProposed(_CampaignEvent):
    event_type: Literal["CampaignProposed"] = "CampaignProposed"


class CampaignLaunched(_CampaignEvent):
    event_type: Literal["CampaignLaunched"] = "CampaignLaunched"


class CampaignClosed(_CampaignEvent):
    event_type: Literal["CampaignClosed"] = "CampaignClosed"


class _ApplicationEvent(EventPayload):
    application_id: str
    cohort_id: str | None
    campaign_id: str | None
    channel: str | None
    source: str


class ApplicationReceived(_ApplicationEvent):
    event_type: Literal["ApplicationReceived"] = "ApplicationReceived"
    offering_id: str | None = None
    provider_id: str


class IntakeCompleted(_ApplicationEvent):
    event_type: Literal["IntakeCompleted"] = "IntakeCompleted"
    exemptions: int = Field(ge=0, description="number of recorded exemptions (vrijstellingen)")


class EnrolmentRequested(EventPayload):
    event_type: Literal["EnrolmentRequested"] = "EnrolmentRequested"
    enrolment_id: str
    application_id: str
    cohort_id: str
    participant_ref: str
    funding_kind: FundingKind
    payers: list[Payer]
    attempt: int = 1


class ParticipantEnrolled(EventPayload):
    event_type: Literal["ParticipantEnrolled"] = "ParticipantEnrolled"
    enrolment_id: str
    application_id: str
    cohort_id: str
    offering_id: str | None
    provider_id: str
    participant_ref: str
    funding_kind: FundingKind
    payers: list[Payer]
    seat_price_cents: int
    currency: str = "EUR"
    enrolled_at: datetime


class ParticipantWaitlisted(EventPayload):
    event_type: Literal["ParticipantWaitlisted"] = "ParticipantWaitlisted"
    enrolment_id: str
    application_id: str
    cohort_id: str
    position: int


class EnrolmentWithdrawn(EventPayload):
    event_type: Literal["EnrolmentWithdrawn"] = "EnrolmentWithdrawn"
    enrolment_id: str
    application_id: str
    cohort_id: str
    participant_ref: str
    reason: str
    was_enrolled: bool = False


class ParticipantErased(EventPayload):
    """The person behind this pseudonym asked to be forgotten: recruitment erased what it held.
    Billing keeps issued invoices (fiscal retention) and drops what else it holds of the person."""

    event_type: Literal["ParticipantErased"] = "ParticipantErased"
    application_id: str
    participant_ref: str


PUBLISHED: dict[str, tuple[str, type[EventPayload]]] = {
    model.model_fields["event_type"].default: (topic, model)
    for topic, models in (
        (CAMPAIGN_TOPIC, (CampaignProposed, CampaignLaunched, CampaignClosed)),
        (
            APPLICATION_TOPIC,
            (
                ApplicationReceived,
                IntakeCompleted,
                EnrolmentRequested,
                ParticipantEnrolled,
                ParticipantWaitlisted,
                EnrolmentWithdrawn,
                ParticipantErased,
            ),
        ),
    )
    for model in models
}


def envelope(payload: EventPayload, aggregate_id: str) -> EventEnvelope:
    return payload.envelope(producer=PRODUCER, aggregate_id=aggregate_id)
