"""Settings base: every service reads `LLO_<SERVICE>_*` from the environment, falling back to
`LLO_*` for what all services share (say `LLO_KAFKA_BOOTSTRAP` or `LLO_JWKS_URL`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLO_", extra="ignore")

    environment: Literal["dev", "demo", "test", "production"] = "dev"
    storage: Literal["memory", "mongo"] = "memory"
    mongo_url: str = "mongodb://127.0.0.1:27018"
    mongo_database: str | None = None
    bus: Literal["memory", "kafka"] = "memory"
    kafka_bootstrap: str = "127.0.0.1:19092"
    # Prefix of every topic and consumer group on the broker (llo_shared.bus_kafka): a test's own
    # stack on a shared broker. Empty in every real deployment.
    kafka_namespace: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    jwt_issuer: str = "llo-dev"
    jwt_audience: str = "llo-match"
    jwks_url: str | None = None
    dev_key_file: Path = Path(".local/dev-signing-key.pem")
    # Billing's key for sealed invoice details (llo_shared.sealed): billing holds the private key,
    # the services that collect invoice details need only its public half. Made locally in dev/demo.
    sealing_key_file: Path = Path(".local/dev-sealing-key.pem")
    # The relay is woken by local writes; polling only checks whether a sweep is due.
    relay_poll_interval_s: float = 1.0
    # How often the relay queries for recent outboxes no write named (other processes, a crash);
    # None: every 30 s (llo_shared.outbox.DEFAULT_SWEEP_INTERVAL_S).
    relay_sweep_interval_s: float | None = None

    # People's sign-in to the pages outside demo mode (llo_shared.oidc); off while no issuer is set.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None  # unset: a public client (PKCE only)
    oidc_scopes: str = "openid profile"
    oidc_role_claim: str = "role"  # dotted paths allowed: "realm_access.roles"
    oidc_org_claim: str = "org"
    oidc_region_claim: str = "region"
    oidc_role_map: dict[str, str] = {}  # the issuer's role name -> llo-match's, as JSON
    public_url: str | None = None  # https://llo.example.org: the redirect URIs behind a proxy
    session_ttl_s: int = 8 * 3600
    session_cookie_secure: bool = True
    session_database: str = "llo_sessions"  # shared by the region's services: one sign-in for all

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared_env = EnvSettingsSource(settings_cls, env_prefix="LLO_")
        return init_settings, env_settings, shared_env, dotenv_settings, file_secret_settings
