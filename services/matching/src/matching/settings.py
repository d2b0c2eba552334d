"""Settings of the matching service (env prefix LLO_MATCHING_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from llo_shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_MATCHING_", extra="ignore")

    # Pooling runs on its own (matching.usecases.scheduling): this long after a region's demand or
    # candidates change (a burst of changes is one run), and for every region with open demand on a
    # schedule.
    pooling_debounce_s: float = Field(default=5.0, ge=0)
    pooling_interval_s: float = Field(default=900.0, gt=0)
