"""Settings of the matching service (env prefix LLO_MATCHING_)."""

from pydantic_settings import SettingsConfigDict

from llo_shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_MATCHING_", extra="ignore")
