"""The catalogue service: create_app(settings) wires store, search index, bus, relay and consumers."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from catalogue import handlers
from catalogue.api import cohorts, offerings, providers, search
from catalogue.api.deps import install_refusals
from catalogue.pages import TEMPLATES, page_routers
from catalogue.search import SearchIndex
from catalogue.settings import CatalogueSettings
from catalogue.store import INDEXES, OUTBOX_COLLECTIONS, CatalogueStore
from catalogue.usecases import sweep_decisions
from llo_shared.pages import Pages
from llo_shared.periodic import PeriodicTask
from llo_shared.service import Infrastructure, Runtime, ServiceSpec, build_service_app, open_infrastructure

SERVICE = "catalogue"
log = logging.getLogger(__name__)


class DecisionSweeper:
    """Runs the decision-date sweep now and then; several replicas may run it, the writes are conditional."""

    def __init__(self, store: CatalogueStore, index: SearchIndex, interval_s: float) -> None:
        self._store, self._index, self._interval = store, index, interval_s
        self._task: PeriodicTask | None = None

    async def run_once(self, runtime: Runtime) -> dict[str, int]:
        counts = await sweep_decisions(self._store)
        await self._index.refresh(self._store)
        runtime.relay.wake()
        return counts

    def start(self, runtime: Runtime) -> None:
        self._task = PeriodicTask(
            lambda: self.run_once(runtime), self._interval, log=log, failure="decision sweep failed"
        )
        self._task.start()

    async def stop(self) -> None:
        if self._task:
            await self._task.stop()


def create_app(settings: CatalogueSettings | None = None, infra: Infrastructure | None = None) -> FastAPI:
    settings = settings or CatalogueSettings()
    infra = infra or open_infrastructure(SERVICE, settings)
    store = CatalogueStore(infra.db)
    index = SearchIndex()
    sweeper = DecisionSweeper(store, index, settings.decision_sweep_interval_s)
    pages = Pages(SERVICE, TEMPLATES, settings)

    async def seed_demo(runtime: Runtime) -> None:
        if settings.environment == "demo":
            from catalogue.seed import seed_demo_data

            await seed_demo_data(store, seed=settings.demo_seed)
            runtime.relay.wake()

    async def start_background(runtime: Runtime) -> None:
        await index.start_sync(store, settings.search_sync_interval_s)
        if settings.environment != "test":
            sweeper.start(runtime)

    async def stop_background(runtime: Runtime) -> None:
        await sweeper.stop()
        await index.stop_sync()

    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match catalogue",
        api_routers=[providers.router, offerings.router, cohorts.router, search.router],
        page_routers=page_routers(pages),
        outbox_collections=OUTBOX_COLLECTIONS,
        indexes=INDEXES,
        subscriptions=handlers.subscriptions(store, index, settings),
        on_startup=[seed_demo, start_background],
        on_shutdown=[stop_background],
    )
    app = build_service_app(spec, settings, infra)
    install_refusals(app)
    app.state.catalogue_store = store
    app.state.search_index = index
    app.state.pages = pages
    app.state.sweeper = sweeper
    return app
