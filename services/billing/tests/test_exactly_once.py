"""Exactly once: redelivering every consumed event, or replaying whole topics from the start,
changes nothing: not through the inbox, and not even with the inbox wiped (natural keys)."""

from tests.fixtures import billing_events as ev

STATE = ("entities", "offerings", "cohorts", "enrolments", "documents", "counters", "numbers")


async def snapshot(billing):
    state = {}
    for name in STATE:
        documents = await billing.db[name].find({}).sort("_id", 1).to_list(None)
        state[name] = [
            {k: v for k, v in d.items() if k not in ("outbox", "outbox_pending", "created_at")}
            for d in documents
        ]
    return state


async def busy_history(billing):
    a = {**ev.EMPLOYER, "seats": 5}
    b = {**ev.GEMEENTE, "seats": 3, "cap_cents": 2_000_000}
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort(seats_taken=8))
    await billing.feed(*(ev.enrolled(f"ENR-{i}") for i in range(6)))
    await billing.feed(ev.enrolled("ENR-F1", funding_kind="funded_bbl"), ev.withdrawn("ENR-5"))
    await billing.feed(ev.confirmed(enrolled_count=8, surcharge_payers=[a, b]))
    await billing.feed(ev.cohort("CohortUpdated", seats_taken=10, status="confirmed"))
    await billing.feed(
        ev.cohort("CohortScheduled", cohort_id="COH-2"), ev.enrolled("ENR-X", cohort_id="COH-2")
    )
    await billing.feed(ev.cancelled("COH-2"))


def replay_from_start(billing):
    """What a consumer group reset to the earliest offset does: every partition from offset 0."""
    broker = billing.runtime.bus.broker
    for key in list(broker.committed):
        group, _topic, _partition = key
        if group.startswith("billing."):
            broker.committed[key] = 0


async def wake_consumers(billing):
    broker = billing.runtime.bus.broker
    async with broker.appended:
        broker.appended.notify_all()
    await billing.runtime.bus.drain(timeout=30)


async def test_redelivering_every_consumed_event_changes_nothing(billing):
    await busy_history(billing)
    before = await snapshot(billing)
    assert len(before["documents"]) > 10
    await billing.runtime.bus.publish(list(billing.published))  # same bytes, same event_ids
    await billing.runtime.bus.drain(timeout=30)
    assert await snapshot(billing) == before


async def test_replaying_every_topic_from_the_start_changes_nothing(billing):
    await busy_history(billing)
    before = await snapshot(billing)
    replay_from_start(billing)
    await wake_consumers(billing)
    assert await snapshot(billing) == before


async def test_replay_without_the_inbox_still_changes_nothing(billing):
    await busy_history(billing)
    before = await snapshot(billing)
    await billing.db["inbox"].delete_many({})
    replay_from_start(billing)
    await wake_consumers(billing)
    assert await billing.db["inbox"].count_documents({}) > 0, "the replay went through the handlers"
    assert await snapshot(billing) == before
