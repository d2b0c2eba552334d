"""Settings of the billing service (env prefix LLO_BILLING_)."""

from pydantic_settings import SettingsConfigDict

from llo_shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_BILLING_", extra="ignore")

    # Prefix for the consumed topics and consumer groups: integration tests and benchmarks run
    # against a shared broker on their own topics. Empty in every real deployment.
    topic_prefix: str = ""
