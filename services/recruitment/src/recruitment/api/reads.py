"""Read schemas of recruitment's JSON API (the Create models are beside their routes).

Each names the fields a client may rely on; views may carry more (llo_shared.reads). The views dump
the domain models in JSON mode, so moments arrive here as ISO 8601 text.
"""

from __future__ import annotations

from llo_shared.reads import Page, ReadSchema


class CostSplitRead(ReadSchema):
    partner_id: str
    amount_cents: int


class CampaignRead(ReadSchema):
    campaign_id: str
    provider_id: str
    status: str
    origin: str
    cohort_id: str | None = None
    offering_id: str | None = None
    created_at: str
    cost_split: list[CostSplitRead]


class ApplicationRead(ReadSchema):
    """Applicant, consent and payer appear only where the reader may see the person."""

    application_id: str
    participant_ref: str
    provider_id: str
    stage: str
    source: str
    allowed_next: list[str]
    cohort_id: str | None = None
    campaign_id: str | None = None
    created_at: str


class TransitionRead(ReadSchema):
    from_stage: str | None = None
    to_stage: str
    at: str
    by: str


class TransitionsPage(Page[TransitionRead]):
    allowed_next: list[str]
    allowed_by_state_machine: list[str]


class ErasureRead(ReadSchema):
    application_id: str
    erased: bool


class EnrolmentRead(ReadSchema):
    application_id: str
    participant_ref: str
    stage: str
    enrolment_id: str
    cohort_id: str
    status: str
    position: int | None = None


class ConversionRead(ReadSchema):
    from_stage: str
    to_stage: str
    from_count: int
    to_count: int


class CampaignFiguresRead(ReadSchema):
    campaign_id: str
    goal_seats: int
    applications: int
    enrolled: int
    waitlisted: int
    conversions: list[ConversionRead]


class ChannelFiguresRead(ReadSchema):
    channel: str
    applications: int
    enrolled: int


CampaignPage = Page[CampaignRead]
ApplicationPage = Page[ApplicationRead]
EnrolmentPage = Page[EnrolmentRead]
ChannelFiguresPage = Page[ChannelFiguresRead]
