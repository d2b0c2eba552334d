"""The matching service: create_app(settings) wires store, bus, relay, consumers, API and pages."""

from fastapi import FastAPI

from llo_shared.pages import Pages
from llo_shared.sealed import file_sealer
from llo_shared.service import Infrastructure, Runtime, ServiceSpec, build_service_app
from matching import handlers
from matching.api import api_router
from matching.demo import seed_demo
from matching.pages import TEMPLATES, page_router
from matching.settings import MatchingSettings
from matching.store import INDEXES, OUTBOX_COLLECTIONS
from matching.usecases import Matching

SERVICE = "matching"


def create_app(settings: MatchingSettings | None = None, infra: Infrastructure | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    app: FastAPI

    async def wire_use_cases(runtime: Runtime) -> None:
        sealer = file_sealer(settings.sealing_key_file, create=settings.environment != "production")
        app.state.matching = Matching(runtime.db, runtime.relay.wake, sealer)

    async def seed(runtime: Runtime) -> None:
        if settings.environment == "demo":
            await seed_demo(app.state.matching)

    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match matching",
        api_routers=[api_router()],
        page_routers=[page_router(pages)],
        outbox_collections=OUTBOX_COLLECTIONS,
        indexes=INDEXES,
        subscriptions=handlers.subscriptions,
        on_startup=[wire_use_cases, seed],
    )
    app = build_service_app(spec, settings, infra)
    return app
