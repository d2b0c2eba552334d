"""The recruitment service: create_app(settings) wires store, bus, relay and consumers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from llo_shared.pages import Pages
from llo_shared.ratelimit import limit_public_posts
from llo_shared.service import Infrastructure, Runtime, ServiceSpec, build_service_app
from recruitment import handlers
from recruitment.api import ROUTERS
from recruitment.api.deps import install_error_mapping
from recruitment.demo import seed_cohort
from recruitment.pages import TEMPLATES, page_router
from recruitment.settings import RecruitmentSettings
from recruitment.store import INDEXES, OUTBOX_COLLECTIONS, RecruitmentStore
from recruitment.workflows import Recruitment, utcnow

SERVICE = "recruitment"


def create_app(
    settings: RecruitmentSettings | None = None,
    infra: Infrastructure | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    settings = settings or RecruitmentSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    app: FastAPI

    def wire(runtime: Runtime) -> list[handlers.Subscription]:
        recruitment = Recruitment(
            RecruitmentStore(
                runtime.db,
                campaign_topic=settings.campaign_topic,
                application_topic=settings.application_topic,
            ),
            runtime.relay.wake,
            fill_lead_days=settings.fill_lead_days,
            fill_budget_per_seat_cents=settings.fill_budget_per_seat_cents,
            clock=clock,
        )
        app.state.recruitment = recruitment
        seed = seed_cohort if settings.environment == "demo" else None
        return handlers.subscriptions(runtime, recruitment, seed, settings)

    async def sweep_fill_campaigns(runtime: Runtime) -> None:
        await app.state.recruitment.sweep_fill_campaigns()

    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match recruitment",
        api_routers=ROUTERS,
        page_routers=[page_router(pages)],
        outbox_collections=OUTBOX_COLLECTIONS,
        indexes=INDEXES,
        subscriptions=wire,
        on_startup=[sweep_fill_campaigns],
    )
    app = build_service_app(spec, settings, infra)
    limit_public_posts(app, [f"/{SERVICE}/aanmelden", f"/{SERVICE}/api/v1/applications"])
    install_error_mapping(app)
    _stop_relay_firmly_on_shutdown(app)
    return app


def _stop_relay_firmly_on_shutdown(app: FastAPI) -> None:
    """Work-around for a shutdown hang: on Python 3.11 `asyncio.wait_for` swallows a cancellation
    that arrives just as the relay's wake event fires, so `OutboxRelay.stop()` can wait forever.
    Cancel until the task really ended; the shared stop() then finds nothing left to do.
    (Reported to the lead: the shared relay should wait with `asyncio.timeout`.)"""
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(target: FastAPI) -> AsyncIterator[Any]:
        async with original(target) as state:
            try:
                yield state
            finally:
                relay = target.state.runtime.relay
                task = relay._task
                while task is not None and not task.done():
                    task.cancel()
                    await asyncio.wait([task], timeout=0.1)
                relay._task = None

    app.router.lifespan_context = lifespan
