"""One case of the cross-service surcharge property on the real broker and a real MongoDB-compatible
server (FerretDB here): the catalogue and billing each on their own database, Kafka between them.

Billing consumes its topics under a per-test prefix (its setting for a shared broker); a forwarder
copies this test's cohort events, byte for byte and in order, from `catalogue.cohort.v1` to the
prefixed topic, so billing reads exactly what the catalogue published and nothing of other tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from billing.app import create_app as billing_app
from billing.settings import BillingSettings
from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from llo_shared.bus import Message, Subscription
from llo_shared.bus_kafka import KafkaBus
from llo_shared.envelope import EventEnvelope
from tests.fixtures.apps import running
from tests.fixtures.catalogue_data import read_cohorts_from_now
from tests.fixtures.surcharge_flow import Acceptance, SurchargeFlow
from tests.support import eventually

COHORT_TOPIC = "catalogue.cohort.v1"

pytestmark = pytest.mark.integration


@pytest.fixture
def isolation(infra, unique, dev_key_file):  # type: ignore[no-untyped-def]
    common: dict[str, Any] = {
        "environment": "test",
        "storage": "mongo",
        "mongo_url": infra.mongo_url,
        "bus": "kafka",
        "kafka_bootstrap": infra.kafka,
        "dev_key_file": dev_key_file,
        "relay_poll_interval_s": 0.2,
    }
    topics = {
        "recruitment.application.v1": f"recruitment.application.t{unique}",
        "matching.surcharge.v1": f"matching.surcharge.t{unique}",
    }
    catalogue = CatalogueSettings(
        **common,
        mongo_database=f"t_{unique}_cat",
        application_topic=topics["recruitment.application.v1"],
        surcharge_topic=topics["matching.surcharge.v1"],
        consumer_group_suffix=f".t{unique}",
    )
    billing = BillingSettings(**common, mongo_database=f"t_{unique}_bil", topic_prefix=f"t{unique}.")
    yield catalogue, billing, topics
    from pymongo import MongoClient

    with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
        for name in (f"t_{unique}_cat", f"t_{unique}_bil"):
            client.drop_database(name)


async def forwarder(kafka: str, unique: str, cohort_id: str, prefix: str) -> KafkaBus:
    """catalogue.cohort.v1 -> <prefix>catalogue.cohort.v1, this cohort's events only, as they are."""
    group = f"forward.{unique}"
    await read_cohorts_from_now(kafka, group)
    bus = KafkaBus(kafka, client_id=f"forward-{unique}")

    async def forward(event: EventEnvelope) -> None:
        if event.aggregate_id == cohort_id:
            await bus.publish([Message(prefix + COHORT_TOPIC, event.aggregate_id, event.to_bytes())])

    bus.subscribe(Subscription(group, (COHORT_TOPIC,), forward))
    await bus.start()
    return bus


async def test_each_payer_is_billed_the_catalogues_part_on_kafka_and_ferretdb(infra, isolation, unique):
    catalogue_settings, billing_settings, topics = isolation
    cohort_id = f"coh-sur-{unique}"
    relay = await forwarder(infra.kafka, unique, cohort_id, billing_settings.topic_prefix)
    producer = KafkaBus(infra.kafka, client_id=f"producer-{unique}")
    await producer.start()
    catalogue, billing = catalogue_app(catalogue_settings), billing_app(billing_settings)
    try:
        async with running(catalogue), running(billing):
            flow = SurchargeFlow(catalogue, billing, producer, catalogue_settings, topics, cohort_id)
            async with flow.client():
                await run_case(flow)
            consumed = [billing_settings.topic_prefix + COHORT_TOPIC, *topics.values()]
            for topic in consumed:  # this test's topics only: the broker's DLQs hold other tests' poison
                assert await producer.dead_letters(topic) == [], topic
    finally:
        await producer.stop()
        await relay.stop()


async def run_case(flow: SurchargeFlow) -> None:
    """Two funded seats, break-even five: 3.000,00 over three demands, two of them one employer's
    and one shared with a fund; a seat filled later, a withdrawal, then the cohort is called off."""
    await flow.cohort(break_even=5, seat_price_cents=100_000)
    await relayed(flow)
    for _ in range(2):
        await flow.take_seat()
    await eventually(lambda: seats(flow, 2), timeout=60, what="two seats taken")
    for number, acceptance in enumerate((Acceptance(0, 1), Acceptance(0, 1), Acceptance(1, 1, 5_000))):
        await flow.accept(number, acceptance, shown_cents=300_000)
    await eventually(lambda: accepted(flow, 3), timeout=60, what="three acceptances recorded")
    await relayed(flow)
    decided = await flow.decide()
    assert decided.status_code == 200, decided.text
    parts, _ = await flow.catalogue_parts()
    assert parts == {
        "dem-0|KVK-10000000": 100_000,
        "dem-1|KVK-10000000": 100_000,
        "dem-2|KVK-10000001": 50_000,
        "dem-2|KVK-41150000": 50_000,
    }
    await billed_as_decided(flow, "the decided parts invoiced")
    await relayed(flow)
    await flow.take_seat()  # a seat filled later: 2.000,00 due, pro rata to the decided parts
    await eventually(lambda: seats(flow, 3), timeout=60, what="the later seat")
    _, now = await flow.catalogue_parts()
    assert sum(now.values()) == 200_000
    await billed_as_decided(flow, "the reduction credited")
    await flow.withdraw()  # one of the first seats leaves: back to the decided parts, no more
    await eventually(lambda: seats(flow, 2), timeout=60, what="the withdrawal")
    await billed_as_decided(flow, "the increase invoiced")
    await relayed(flow)
    assert (await flow.call_off()).status_code == 200
    await eventually(lambda: billed(flow, {}), timeout=90, what="everything credited after the call-off")


async def seats(flow: SurchargeFlow, taken: int) -> bool:
    return (await flow.catalogue_cohort())["seats_taken"] == taken  # type: ignore[no-any-return]


async def accepted(flow: SurchargeFlow, count: int) -> bool:
    return len((await flow.catalogue_cohort())["surcharge_acceptances"]) == count


async def billed(flow: SurchargeFlow, expected: dict[str, int]) -> bool:
    return await flow.billed_net() == expected


async def billed_as_decided(flow: SurchargeFlow, what: str) -> None:
    """Billing's net per part reaches the catalogue's parts due now (and the parts add up)."""

    async def matches() -> bool:
        decided, now = await flow.catalogue_parts()
        assert all(0 <= now[k] <= decided[k] for k in decided)
        return await flow.billed_net() == {k: v for k, v in now.items() if v}

    await eventually(matches, timeout=90, what=what)


async def relayed(flow: SurchargeFlow) -> None:
    """Each step's events are on the broker before the next step (the steps read the consumers'
    results); the relay never writes the cohort document, so this is about order, not races."""
    relay = flow.catalogue.state.runtime.relay

    async def cleared() -> bool:
        return await relay.unpublished() == 0

    await eventually(cleared, timeout=60, what="the cohort's outbox relayed")
