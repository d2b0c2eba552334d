"""The matching service: create_app(settings) wires store, bus, relay, consumers, API and pages."""

from fastapi import FastAPI

from llo_shared.auth import Principal
from llo_shared.pages import Pages
from llo_shared.sealed import file_sealer
from llo_shared.service import Infrastructure, Runtime, ServiceSpec, build_service_app
from matching import handlers
from matching.api import api_router
from matching.demo import seed_demo
from matching.pages import TEMPLATES, page_router
from matching.settings import MatchingSettings
from matching.store import INDEXES, OUTBOX_COLLECTIONS
from matching.usecases import Clock, Matching, PoolingRunner, PoolingSchedule, WallClock

SERVICE = "matching"
SCHEDULER = Principal("system:pooling-schedule", "admin", "LLO-BEHEER")


def create_app(
    settings: MatchingSettings | None = None, infra: Infrastructure | None = None, clock: Clock | None = None
) -> FastAPI:
    """`clock`: the pooling schedule's time. Without one, the schedule runs on the wall clock except
    in the test environment, whose tests pool when they ask (or pass a `ManualClock`)."""
    settings = settings or MatchingSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    app: FastAPI
    if clock is None and settings.environment != "test":
        clock = WallClock()
    schedule = (
        PoolingSchedule(clock, settings.pooling_debounce_s, settings.pooling_interval_s) if clock else None
    )

    async def wire_use_cases(runtime: Runtime) -> None:
        sealer = file_sealer(settings.sealing_key_file, create=settings.environment != "production")
        app.state.matching = Matching(runtime.db, runtime.relay.wake, sealer, schedule)

    async def start_schedule(runtime: Runtime) -> None:
        if schedule is None:
            return
        uc: Matching = app.state.matching
        runner = PoolingRunner(schedule, lambda region: uc.run_pooling(SCHEDULER, region), uc.regions_to_pool)
        app.state.pooling_runner = runner
        runner.start()

    async def stop_schedule(runtime: Runtime) -> None:
        runner = getattr(app.state, "pooling_runner", None)
        if runner is not None:
            await runner.stop()

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
        on_startup=[wire_use_cases, seed, start_schedule],
        on_shutdown=[stop_schedule],
    )
    app = build_service_app(spec, settings, infra)
    app.state.pages = pages  # what the page routes render with (matching.pages.common.page_kit)
    return app
