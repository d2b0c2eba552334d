"""build_service_app: health, readiness, metrics, problems, and correlation from request to event."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from llo_shared.bus import Subscription
from llo_shared.bus_memory import InProcessBus
from llo_shared.envelope import EventEnvelope
from llo_shared.mongo import MemoryDatabase
from llo_shared.outbox import new_document
from llo_shared.service import Infrastructure, ServiceSpec, build_service_app
from llo_shared.settings import ServiceSettings
from tests.fixtures.apps import running
from tests.support import eventually

TOPIC = "demo.thing.v1"


def thing_app(settings_overrides, bus):
    router = APIRouter()

    @router.post("/things/{thing_id}", status_code=201)
    async def create(thing_id: str, request: Request) -> dict[str, str]:
        runtime = request.app.state.runtime
        event = EventEnvelope(event_type="ThingCreated", producer="demo", aggregate_id=thing_id)
        await runtime.db["things"].insert_one(new_document({"_id": thing_id}, TOPIC, [event]))
        runtime.relay.wake()
        logging.getLogger("demo").info("thing created")
        return {"id": thing_id}

    spec = ServiceSpec(name="demo", title="demo", api_routers=[router], outbox_collections=["things"])
    settings = ServiceSettings(**settings_overrides)
    return build_service_app(spec, settings, Infrastructure(MemoryDatabase("demo"), bus, owns_bus=False))


async def test_the_request_correlation_id_travels_into_the_event_and_back(settings_overrides):
    bus, seen = InProcessBus(), []

    async def handle(event: EventEnvelope) -> None:
        seen.append(event)

    bus.subscribe(Subscription("watch", (TOPIC,), handle))
    await bus.start()
    async with running(thing_app(settings_overrides, bus)) as client:
        response = await client.post("/demo/api/v1/things/t1", headers={"X-Correlation-ID": "corr-42"})
        assert response.status_code == 201
        assert response.headers["x-correlation-id"] == "corr-42"
        await eventually(lambda: seen, timeout=5, what="the event")
        assert seen[0].correlation_id == "corr-42"
    await bus.stop()


async def test_health_readiness_metrics_and_problem_documents(settings_overrides):
    async with running(thing_app(settings_overrides, InProcessBus())) as client:
        assert (await client.get("/demo/healthz")).json()["status"] == "ok"
        assert (await client.get("/demo/readyz")).json()["checks"] == {"mongo": True, "kafka": True}
        await client.post("/demo/api/v1/things/t2")
        metrics = (await client.get("/demo/metrics")).text
        counted = [line for line in metrics.splitlines() if line.startswith("llo_http_request_seconds_count")]
        assert any(
            'route="/demo/api/v1/things/{thing_id}"' in line and 'service="demo"' in line for line in counted
        )
        missing = await client.get("/demo/api/v1/nothing")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_readiness_is_503_when_the_store_does_not_answer(settings_overrides):
    class DeadDatabase(MemoryDatabase):
        async def command(self, name: str):
            raise ConnectionError("store away")

    spec = ServiceSpec(name="demo", title="demo")
    app = build_service_app(
        spec,
        ServiceSettings(**settings_overrides),
        Infrastructure(DeadDatabase("demo"), InProcessBus(), owns_bus=False),
    )
    async with running(app) as client:
        ready = await client.get("/demo/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["mongo"] is False
