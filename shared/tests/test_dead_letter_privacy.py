"""A handler that fails on a person's data (issue 12, personal data stays home): the dead letter's
error header and the log say which field failed and how, never the value that was refused."""

from __future__ import annotations

import json
import logging

from pydantic import BaseModel, Field

from llo_shared.bus import H_ERROR, RetryPolicy, Subscription, envelope_message
from llo_shared.bus_memory import InProcessBus
from llo_shared.envelope import EventEnvelope
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
