"""Settings of the matching service (env prefix LLO_MATCHING_)."""

from llo_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_MATCHING_", extra="ignore")
