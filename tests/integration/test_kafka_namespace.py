"""Two stacks on one broker (LLO_KAFKA_NAMESPACE, llo_shared.bus_kafka): the same topic and group
names, and each sees only its own events, under the topic names the services use; a dead letter
stays in its own namespace too. tests/browser/test_journeys.py runs a whole stack this way."""

from __future__ import annotations

from llo_shared.bus import RetryPolicy, Subscription, envelope_message
from llo_shared.bus_kafka import KafkaBus
from llo_shared.envelope import EventEnvelope
from tests.support import eventually

TOPIC = "catalogue.cohort.v1"  # a service's own topic name, as both stacks use it


def _event(n: int) -> EventEnvelope:
    return EventEnvelope(event_type="Counted", producer="t", aggregate_id=f"k{n}", payload={"n": n})


async def test_two_namespaces_share_a_broker_without_seeing_each_others_events(infra, unique):
    seen: dict[str, list[tuple[str, int]]] = {"a": [], "b": []}
    buses = {}
    for name in seen:

        async def handle(event: EventEnvelope, name: str = name) -> None:
            if event.payload["n"] < 0:
                raise ValueError("poison")
            seen[name].append((event.event_type, event.payload["n"]))

        bus = KafkaBus(infra.kafka, client_id=f"it-ns-{name}", namespace=f"t{unique}{name}.")
        policy = RetryPolicy(attempts=1, initial_backoff_s=0.01)
        bus.subscribe(Subscription("matching.cohorts", (TOPIC,), handle, policy))
        buses[name] = bus
    for bus in buses.values():
        await bus.start()
    try:
        await buses["a"].publish([envelope_message(TOPIC, _event(n)) for n in (1, 2, -1)])
        await buses["b"].publish([envelope_message(TOPIC, _event(10))])
        await eventually(lambda: len(seen["a"]) == 2 and len(seen["b"]) == 1, what="both namespaces")
        assert sorted(seen["a"]) == [("Counted", 1), ("Counted", 2)]
        assert seen["b"] == [("Counted", 10)]

        dead = await buses["a"].dead_letters(TOPIC)
        assert [(d.message.topic, d.original_topic) for d in dead] == [(TOPIC + ".dlq", TOPIC)]
        assert await buses["b"].dead_letters(TOPIC) == []
    finally:
        for bus in buses.values():
            await bus.stop()
