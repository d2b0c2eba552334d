"""Settings of the billing service (env prefix LLO_BILLING_)."""

from pydantic_settings import SettingsConfigDict

from llo_shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_BILLING_", extra="ignore")
