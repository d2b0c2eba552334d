"""A client's x-correlation-id is copied into every envelope and log line a request causes, so only
a plain token is taken over; free text (a name, an e-mail address), control characters or a long
string are replaced by a fresh id (issue 12)."""

from __future__ import annotations

import uuid

import pytest

from llo_shared.bus import Subscription
from llo_shared.bus_memory import InProcessBus
from llo_shared.context import checked_correlation_id, checked_traceparent
from llo_shared.envelope import EventEnvelope
from shared.tests.test_service_wiring import TOPIC, thing_app
from tests.fixtures.apps import running
from tests.support import eventually


@pytest.mark.parametrize("good", ["corr-42", str(uuid.uuid4()), "req_1.2:3", "a" * 64])
def test_plain_tokens_are_kept(good):
    assert checked_correlation_id(good) == good


@pytest.mark.parametrize(
    "bad", ["Jan de Vries", "jan@voorbeeld.nl", "a" * 65, "x\r\nSet-Cookie: y", "-leading", "", None, "é"]
)
def test_anything_else_is_replaced_by_a_fresh_uuid(bad):
    replaced = checked_correlation_id(bad)
    assert replaced != bad and uuid.UUID(replaced)


def test_traceparent_must_be_w3c():
    good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert checked_traceparent(good) == good
    assert checked_traceparent("00-Jan de Vries-01") is None


async def test_a_name_sent_as_correlation_id_never_reaches_the_event(settings_overrides):
    bus, seen = InProcessBus(), []

    async def handle(event: EventEnvelope) -> None:
        seen.append(event)

    bus.subscribe(Subscription("watch", (TOPIC,), handle))
    await bus.start()
    async with running(thing_app(settings_overrides, bus)) as client:
        response = await client.post(
            "/demo/api/v1/things/t2", headers={"X-Correlation-ID": "Fatima de Vries fatima@voorbeeld.nl"}
        )
        assert response.status_code == 201
        await eventually(lambda: seen, timeout=5, what="the event")
        assert seen[0].correlation_id == response.headers["x-correlation-id"]
        assert uuid.UUID(seen[0].correlation_id) and "Fatima" not in seen[0].to_bytes().decode()
    await bus.stop()
