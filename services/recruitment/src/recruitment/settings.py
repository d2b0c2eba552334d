"""Settings of the recruitment service (env prefix LLO_RECRUITMENT_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from llo_shared.settings import ServiceSettings


class RecruitmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_RECRUITMENT_", extra="ignore")

    # A draft fill campaign is proposed when a cohort is below break-even this many days before
    # its go/no-go decision date.
    fill_lead_days: int = Field(default=21, ge=0, le=365)
    # Default budget of a proposed fill campaign per missing seat (the provider edits the draft).
    fill_budget_per_seat_cents: int = Field(default=25_000, ge=0)

    # Topics and consumer groups are settings so tests on a shared broker can isolate themselves.
    campaign_topic: str = "recruitment.campaign.v1"
    application_topic: str = "recruitment.application.v1"
    cohort_topic: str = "catalogue.cohort.v1"
    offering_topic: str = "catalogue.offering.v1"
    placement_topic: str = "matching.placement.v1"
    candidate_topic: str = "matching.candidate.v1"
    consumer_group_suffix: str = ""
