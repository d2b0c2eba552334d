"""Fixtures of the recruitment service tests: the app on an in-memory bus shared with a catalogue
double, so the saga runs the way it runs between processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from llo_shared.bus_memory import InProcessBus
from llo_shared.mongo import MemoryDatabase
from llo_shared.service import Infrastructure
from recruitment.app import create_app
from recruitment.settings import RecruitmentSettings
from services.recruitment.tests.catalogue_double import CatalogueDouble
from services.recruitment.tests.support import Service
from tests.fixtures.apps import running


@pytest.fixture
def today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture
async def service(settings_overrides: dict[str, Any]) -> AsyncIterator[Service]:
    settings = RecruitmentSettings(**settings_overrides)
    bus = InProcessBus()
    catalogue = CatalogueDouble(bus)
    app = create_app(settings, Infrastructure(MemoryDatabase("recruitment"), bus, owns_bus=False))
    await bus.start()
    try:
        async with running(app) as client:
            yield Service(client, bus, catalogue, settings, app)
    finally:
        await bus.stop()


@pytest.fixture(scope="session")
def sealing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Billing's sealing key pair for these tests (recruitment seals with its public half)."""
    return tmp_path_factory.mktemp("sealing") / "billing-sealing-key.pem"


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any], sealing_key_file: Path) -> dict[str, Any]:
    return settings_overrides | {"sealing_key_file": sealing_key_file}
