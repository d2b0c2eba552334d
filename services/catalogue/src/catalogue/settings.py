"""Settings of the catalogue service (env prefix LLO_CATALOGUE_)."""

from llo_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class CatalogueSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_CATALOGUE_", extra="ignore")
