"""Settings of the billing service (env prefix LLO_BILLING_)."""

from llo_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_BILLING_", extra="ignore")
