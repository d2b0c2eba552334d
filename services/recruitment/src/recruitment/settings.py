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
