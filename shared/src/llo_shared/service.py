"""One wiring function for every service: store, bus, outbox relay, inbox, consumers, health,
metrics, problems and pages. A service's create_app() describes itself and calls this."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse

from llo_shared import mongo, oidc
from llo_shared.auth import TokenVerifier
from llo_shared.bus import EventBus, Subscription
from llo_shared.bus_kafka import KafkaBus
from llo_shared.bus_memory import InProcessBus
from llo_shared.inbox import Inbox
from llo_shared.metrics import render
from llo_shared.observability import RequestContextMiddleware, configure_logging
from llo_shared.outbox import OutboxRelay, outbox_index
from llo_shared.problems import install_problem_handlers, problem_response, problem_responses
from llo_shared.settings import ServiceSettings
from llo_shared.web_security import BrowserSafetyMiddleware

log = logging.getLogger(__name__)


@dataclass
class Infrastructure:
    """What a service plugs into. The embedded demo hands every service one shared bus."""

    db: Any
    bus: EventBus
    owns_bus: bool = True


def open_infrastructure(
    service: str, settings: ServiceSettings, bus: EventBus | None = None
) -> Infrastructure:
    database = settings.mongo_database or service
    db = (
        mongo.connect(settings.mongo_url, database)
        if settings.storage == "mongo"
        else mongo.MemoryDatabase(database)
    )
    if bus is not None:
        return Infrastructure(db, bus, owns_bus=False)
    own: EventBus = (
        KafkaBus(settings.kafka_bootstrap, client_id=service, namespace=settings.kafka_namespace)
        if settings.bus == "kafka"
        else InProcessBus()
    )
    return Infrastructure(db, own)


@dataclass
class Runtime:
    """Handed to a service's startup hook and kept on app.state.runtime."""

    service: str
    settings: ServiceSettings
    infra: Infrastructure
    inbox: Inbox
    relay: OutboxRelay

    @property
    def db(self) -> Any:
        return self.infra.db

    @property
    def bus(self) -> EventBus:
        return self.infra.bus


@dataclass
class ServiceSpec:
    name: str
    title: str
    version: str = "0.1.0"
    api_routers: Sequence[APIRouter] = ()
    page_routers: Sequence[APIRouter] = ()
    outbox_collections: Sequence[str] = ()
    indexes: Sequence[mongo.IndexSpec] = ()
    subscriptions: Callable[[Runtime], list[Subscription]] = lambda runtime: []
    on_startup: Sequence[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    # Run in reverse order at shutdown, before the relay and the bus stop (background work such as
    # sweeps may still write events the relay should publish).
    on_shutdown: Sequence[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)


def build_service_app(
    spec: ServiceSpec, settings: ServiceSettings, infra: Infrastructure | None = None
) -> FastAPI:
    configure_logging(settings.log_level)
    infra = infra or open_infrastructure(spec.name, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        indexes = [*spec.indexes, *(outbox_index(c) for c in spec.outbox_collections)]
        await mongo.ensure_indexes(infra.db, indexes)
        relay = OutboxRelay(
            infra.db,
            spec.outbox_collections,
            infra.bus,
            service=spec.name,
            poll_interval_s=settings.relay_poll_interval_s,
            sweep_interval_s=settings.relay_sweep_interval_s,
        )
        runtime = Runtime(spec.name, settings, infra, Inbox(infra.db), relay)
        app.state.runtime = runtime
        for subscription in spec.subscriptions(runtime):
            infra.bus.subscribe(subscription)
        if infra.owns_bus:
            await infra.bus.start()
        for hook in spec.on_startup:
            await hook(runtime)
        await relay.start()
        log.info(
            "service started",
            extra={"service": spec.name, "storage": settings.storage, "bus": type(infra.bus).__name__},
        )
        try:
            yield
        finally:
            for stop in reversed(spec.on_shutdown):
                await stop(runtime)
            await relay.stop()
            if infra.owns_bus:
                await infra.bus.stop()

    app = FastAPI(
        title=spec.title,
        version=spec.version,
        lifespan=lifespan,
        openapi_url=f"/{spec.name}/openapi.json",
        docs_url=f"/{spec.name}/docs",
        redoc_url=None,
    )
    app.state.verifier = TokenVerifier(settings)
    app.state.settings = settings
    app.state.infra = infra
    install_problem_handlers(app)
    app.add_middleware(BrowserSafetyMiddleware)
    app.add_middleware(RequestContextMiddleware, service=spec.name)
    app.include_router(_health_router(spec.name, infra))
    for router in spec.api_routers:
        app.include_router(router, prefix=f"/{spec.name}/api/v1", responses=problem_responses())
    for router in spec.page_routers:
        app.include_router(router)
    if oidc.enabled(settings):
        oidc.install(app, spec.name, settings, infra.db)
    return app


def _health_router(service: str, infra: Infrastructure) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(f"/{service}/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get(f"/{service}/readyz", response_model=None)
    async def readyz() -> JSONResponse | dict[str, Any]:
        checks = {"mongo": await mongo.ping(infra.db), "kafka": await infra.bus.ping()}
        if all(checks.values()):
            return {"status": "ready", "service": service, "checks": checks}
        return problem_response(503, "not-ready", "Not ready", checks=checks)

    @router.get(f"/{service}/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(render(), media_type="text/plain; version=0.0.4")

    return router
