"""Settings of the recruitment service (env prefix LLO_RECRUITMENT_)."""

from llo_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class RecruitmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_RECRUITMENT_", extra="ignore")
