"""The embedded demo: all four services in one process, one in-process bus, in-memory stores.

Every service keeps its own paths (`/catalogue/...`), so a request is handed to the
service named by the first path segment, unchanged: the same app serves the same
URLs embedded and standalone.

A test may put the four services on a real broker instead (`bus="kafka"` with a
`kafka_namespace`): each service then has its own Kafka client, as in the real stack, and
their events travel through the broker under the namespace; the stores stay in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from llo_shared.bus_kafka import KafkaBus
from llo_shared.bus_memory import InProcessBus
from llo_shared.pages import not_found
from llo_shared.service import open_infrastructure

SERVICES = ("catalogue", "matching", "recruitment", "billing")


def service_factories() -> dict[str, tuple[Callable[..., FastAPI], Callable[..., Any]]]:
    from billing.app import create_app as billing_app
    from billing.settings import BillingSettings
    from catalogue.app import create_app as catalogue_app
    from catalogue.settings import CatalogueSettings
    from matching.app import create_app as matching_app
    from matching.settings import MatchingSettings
    from recruitment.app import create_app as recruitment_app
    from recruitment.settings import RecruitmentSettings

    return {
        "catalogue": (catalogue_app, CatalogueSettings),
        "matching": (matching_app, MatchingSettings),
        "recruitment": (recruitment_app, RecruitmentSettings),
        "billing": (billing_app, BillingSettings),
    }


class EmbeddedApp:
    """ASGI app dispatching to the four services; runs their lifespans around one shared bus
    (or, with `bus="kafka"`, each service on its own client of the real broker)."""

    def __init__(self, environment: str = "demo", **overrides: Any) -> None:
        self.bus = InProcessBus()  # the services' shared bus; left unused when they are on Kafka
        self.apps: dict[str, FastAPI] = {}
        bus = {"bus": "memory"} | overrides
        for name, (create_app, settings_cls) in service_factories().items():
            settings = settings_cls(environment=environment, storage="memory", **bus)
            shared = self.bus if settings.bus == "memory" else None
            self.apps[name] = create_app(settings, open_infrastructure(name, settings, shared))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        first = scope.get("path", "/").strip("/").split("/", 1)[0]
        if first in self.apps:
            await self.apps[first](scope, receive, send)
        elif scope["type"] == "http" and first == "":  # the start page lives with the portal
            await self.apps["catalogue"](scope, receive, send)
        elif scope["type"] == "http":
            await not_found(Request(scope, receive))(scope, receive, send)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[EmbeddedApp]:
        """Start the bus, then every service (their consumers subscribe, demo data is seeded).
        Pages answer at once; the seeded events keep flowing in the background."""
        await self.bus.start()
        async with contextlib.AsyncExitStack() as stack:
            for app in self.apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            reporter = asyncio.create_task(self._report_settling())
            try:
                yield self
            finally:
                reporter.cancel()
                await stack.aclose()
                await self.bus.stop()

    async def settle(self, timeout: float = 120.0) -> None:
        """Wait until every outbox is published and every service handled every event so far (tests).
        A handler may write new events, and a relay may not have read a fresh write yet: so both,
        until neither has anything left."""
        async with asyncio.timeout(timeout):
            if self._kafka_buses():
                await self._settle_on_kafka()
                return
            while True:
                await self.bus.drain(timeout=timeout)
                unpublished = [await app.state.runtime.relay.unpublished() for app in self.apps.values()]
                if not any(unpublished) and not self.bus.pending():
                    return
                await asyncio.sleep(0.02)

    def _kafka_buses(self) -> list[KafkaBus]:
        buses = (app.state.infra.bus for app in self.apps.values())
        return [bus for bus in buses if isinstance(bus, KafkaBus)]

    async def _settle_on_kafka(self) -> None:
        """Settled when every group committed everything on its topics, then no outbox holds an
        unpublished event, and the broker still holds just as many messages, all handled: nothing
        was written in between that a handler could still be turning into new events."""
        while True:
            before = [await bus.progress() for bus in self._kafka_buses()]
            caught_up = all(written == handled for written, handled in before)
            unpublished = [await app.state.runtime.relay.unpublished() for app in self.apps.values()]
            if caught_up and not any(unpublished):
                if [await bus.progress() for bus in self._kafka_buses()] == before:
                    return
            await asyncio.sleep(0.1)

    async def _report_settling(self) -> None:
        shown = False
        while pending := self.bus.pending():
            print(f"demo data: {pending} events still being handled", file=sys.stderr, flush=True)
            shown = True
            await asyncio.sleep(3)
        if shown:
            print("demo data: ready", file=sys.stderr, flush=True)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            async with self.running():
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
        except Exception as error:  # report start-up failure the ASGI way, then re-raise
            await send({"type": "lifespan.startup.failed", "message": repr(error)})
            raise
        await send({"type": "lifespan.shutdown.complete"})
