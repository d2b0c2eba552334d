"""Settings of the catalogue service (env prefix LLO_CATALOGUE_)."""

from pydantic_settings import SettingsConfigDict

from llo_shared.settings import ServiceSettings


class CatalogueSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_CATALOGUE_", extra="ignore")

    search_sync_interval_s: float = 1.0
    decision_sweep_interval_s: float = 300.0
    demo_seed: int = 20261122

    # Topics and consumer groups are settings so tests on a shared broker can isolate themselves.
    application_topic: str = "recruitment.application.v1"
    surcharge_topic: str = "matching.surcharge.v1"
    consumer_group_suffix: str = ""
