"""Settings of the billing service (env prefix LLO_BILLING_)."""

from pydantic_settings import SettingsConfigDict

from llo_shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_BILLING_", extra="ignore")

    # Prefix for the consumed topics and consumer groups: integration tests and benchmarks run
    # against a shared broker on their own topics. Empty in every real deployment.
    topic_prefix: str = ""

    # The bulk enrolment path names the invoices it writes (OutboxRelay.wake), so the relay's
    # query for pending outboxes, a scan of the documents on FerretDB, runs only this often.
    relay_sweep_interval_s: float | None = 30.0
