"""The recruitment service: create_app(settings) wires store, bus, relay and consumers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from llo_shared.pages import Pages
from llo_shared.ratelimit import limit_public_posts
from llo_shared.sealed import file_sealer
from llo_shared.service import Infrastructure, Runtime, ServiceSpec, build_service_app
from recruitment import handlers
from recruitment.api import ROUTERS
from recruitment.api.deps import install_error_mapping
from recruitment.demo import seed_cohort
from recruitment.pages import ROUTERS as PAGE_ROUTERS
from recruitment.pages import TEMPLATES
from recruitment.settings import RecruitmentSettings
from recruitment.store import INDEXES, OUTBOX_COLLECTIONS, RecruitmentStore
from recruitment.usecases import Recruitment, utcnow

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
            sealer=file_sealer(settings.sealing_key_file, create=settings.environment != "production"),
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
        page_routers=[*PAGE_ROUTERS, pages.demo_sign_in_router()],
        outbox_collections=OUTBOX_COLLECTIONS,
        indexes=INDEXES,
        subscriptions=wire,
        on_startup=[sweep_fill_campaigns],
    )
    app = build_service_app(spec, settings, infra)
    app.state.pages = pages  # the pages' layout and templates (pages.common.render)
    limit_public_posts(app, [f"/{SERVICE}/aanmelden", f"/{SERVICE}/api/v1/applications"])
    install_error_mapping(app)
    return app
