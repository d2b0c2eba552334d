"""Code that fails on a person's data (issue 12, personal data stays home): a consumer's dead letter
and its log, and a request's 500 in our log and the server's, say which field failed and how, never
the value that was refused (pydantic's own text repeats it)."""

from __future__ import annotations

import json
import logging
import traceback

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from llo_shared.bus import H_ERROR, RetryPolicy, Subscription, envelope_message
from llo_shared.bus_memory import InProcessBus
from llo_shared.envelope import EventEnvelope
from llo_shared.problems import UnhandledValidationError, install_problem_handlers
from tests.support import eventually

STREET = "Kemphaanpad 88, 8232 RW"


class InvoiceAddress(BaseModel):
    street: str = Field(max_length=10)


async def test_a_refused_value_stays_out_of_the_dead_letter_and_the_log(caplog):
    caplog.set_level(logging.DEBUG)

    async def handle(event: EventEnvelope) -> None:  # as a handler checking what it opened
        InvoiceAddress(street=STREET)

    bus = InProcessBus()
    bus.subscribe(Subscription("g-privacy", ("test.privacy.v1",), handle, RetryPolicy(2, 0.01)))
    await bus.start()
    try:
        sent = EventEnvelope(event_type="Opened", producer="test", aggregate_id="pr-1", payload={"n": 1})
        await bus.publish([envelope_message("test.privacy.v1", sent)])
        await eventually(lambda: bus.broker.pending_dead_letters("test.privacy.v1"), what="the dead letter")
    finally:
        await bus.stop()
    [dead] = bus.broker.pending_dead_letters("test.privacy.v1")
    assert dead.headers[H_ERROR] == "ValidationError for InvoiceAddress: street: string_too_long"
    logged = [json.dumps(vars(r), default=str) for r in caplog.records if r.name == "llo_shared.bus"]
    assert logged and all("string_too_long" in line for line in logged)
    assert not any("Kemphaanpad" in text for text in [*logged, *dead.headers.values()])


def address_route_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/adres")
    async def checks_an_address() -> dict[str, str]:  # a bug: the model refuses what the person typed
        return InvoiceAddress(street=STREET).model_dump()

    return app


async def test_a_validation_error_escaping_a_request_is_logged_without_the_refused_value(caplog):
    caplog.set_level(logging.DEBUG)
    transport = httpx.ASGITransport(app=address_route_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/adres")
    assert answer.status_code == 500
    logged = [logging.Formatter().format(r) for r in caplog.records if r.name == "llo_shared.problems"]
    assert logged and "street: string_too_long" in logged[0] and "checks_an_address" in logged[0]
    assert not any("Kemphaanpad" in line for line in logged)


async def test_what_the_server_logs_of_it_names_the_field_not_the_value():
    transport = httpx.ASGITransport(app=address_route_app())  # re-raised to the server, as uvicorn gets it
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(UnhandledValidationError) as raised:
            await client.get("/adres")
    server_log = "".join(traceback.format_exception(raised.value))
    assert "street: string_too_long" in server_log and "checks_an_address" in server_log
    assert "Kemphaanpad" not in server_log
