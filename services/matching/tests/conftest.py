"""Service-test fixtures: the matching app on memory adapters, tokens per demo role."""

from __future__ import annotations

import asyncio

import pytest

from matching.app import create_app
from matching.settings import MatchingSettings
from services.matching.tests.catalogue_events import cohort_scheduled, deliver, offering_published
from tests.fixtures.apps import bearer, running
from tests.support import eventually

EMPLOYER = "KVK-39084217"
OTHER_EMPLOYER = "KVK-11223344"


@pytest.fixture
def settings(settings_overrides) -> MatchingSettings:
    return MatchingSettings(**settings_overrides)


async def relay_idle(application) -> None:
    """Wait until the outbox relay has nothing left and sleeps again.

    Python 3.11's asyncio.wait_for can swallow a cancellation that arrives in the same loop
    step as the relay's wake-up, which leaves the shared relay running after shutdown (reported
    to the lead); stopping only an idle relay sidesteps that race in these tests.
    """
    relay = application.state.runtime.relay

    async def drained() -> bool:
        return await relay.unpublished() == 0

    await eventually(drained, what="outbox relay drained")
    await asyncio.sleep(5 * application.state.settings.relay_poll_interval_s)


@pytest.fixture
async def app(settings):
    application = create_app(settings)
    async with running(application) as client:
        application.state.client = client
        yield application
        await relay_idle(application)


@pytest.fixture
def client(app):
    return app.state.client


@pytest.fixture
def bus(app):
    return app.state.infra.bus


@pytest.fixture
def as_employer(settings):
    return bearer(settings, "employer", EMPLOYER, "flevoland")


@pytest.fixture
def as_other_employer(settings):
    return bearer(settings, "employer", OTHER_EMPLOYER, "flevoland")


@pytest.fixture
def as_rmt(settings):
    return bearer(settings, "rmt", "RMT-FLEVOLAND", "flevoland")


@pytest.fixture
def as_other_rmt(settings):
    return bearer(settings, "rmt", "RMT-TWENTE", "twente")


@pytest.fixture
async def catalogue(bus):
    """One public Helpende offering with one cohort in Almere (break-even 12 of 16 seats)."""
    await deliver(bus, offering_published(), cohort_scheduled())
