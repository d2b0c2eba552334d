"""Fixtures of billing's service tests: the app on memory adapters, and a way to feed it events."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from billing.app import create_app
from billing.einvoice.validation import Validator
from billing.settings import BillingSettings
from tests.fixtures.apps import bearer, running
from tests.fixtures.billing_events import complete_register, message, payers_named_in, register_known_payers

FETCH = Path(__file__).resolve().parents[1] / "tools" / "fetch_validation_artifacts.sh"


class BillingHarness:
    def __init__(self, app: Any, client: Any, settings: BillingSettings) -> None:
        self.app, self.client, self.settings = app, client, settings
        self.published: list[Any] = []
        # finance keeps the register complete for the payers of fed events (their address), so
        # their invoices are issued at once; tests of the list to complete switch this off
        self.complete_register = True

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def db(self) -> Any:
        return self.runtime.db

    async def feed(self, *items: Any) -> None:
        if self.complete_register:
            await complete_register(self.db, [named for item in items for named in payers_named_in(item)])
        messages = [message(item) for item in items]
        self.published += messages
        await self.runtime.bus.publish(messages)
        await self.runtime.bus.drain(timeout=20)

    async def documents(self, **query: Any) -> list[dict[str, Any]]:
        return await self.db["documents"].find(query).sort("_id", 1).to_list(None)

    def headers(self, role: str = "finance", org: str = "BRIN-25LH") -> dict[str, str]:
        return bearer(self.settings, role, org)


@pytest.fixture(scope="session")
def sealing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sealing") / "billing-sealing-key.pem"


@pytest.fixture
def settings_overrides(settings_overrides, sealing_key_file):
    """Billing's private key for sealed invoice details: a throwaway one, made on first use."""
    return settings_overrides | {"sealing_key_file": sealing_key_file}


@pytest.fixture
async def billing(settings_overrides):
    settings = BillingSettings(**settings_overrides)
    app = create_app(settings)
    async with running(app) as client:
        await register_known_payers(app.state.runtime.db)
        yield BillingHarness(app, client, settings)


@pytest.fixture(scope="session")
def validator() -> Validator:
    result = subprocess.run(["bash", str(FETCH)], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"validation artifacts unavailable: {result.stderr.strip()}", pytrace=False)
    return Validator(Path(result.stdout.strip().splitlines()[-1]))
