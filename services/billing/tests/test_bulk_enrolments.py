"""Runs of enrolments billed in bulk end exactly where billing them one by one ends: the same
enrolments, the same invoices with the same numbers (gapless), whatever the batch boundaries,
redeliveries, withdrawals and funded seats in between; and a run that failed half-way is
finished by its redelivery without a gap."""

import asyncio
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.handlers import APPLICATION_TOPIC, application_batch_handler, make_handlers
from billing.store import DOCUMENTS
from billing.usecases import issuing
from billing.usecases.facts import Biller
from llo_shared.mongo import MemoryDatabase
from tests.fixtures import billing_events as ev

STATE = ("enrolments", "documents", "numbers", "counters")
VOLATILE = ("created_at", "outbox", "outbox_pending")  # clock times, and events with fresh ids and times
SECOND_PAYER = {**ev.GEMEENTE, "share_bp": 4_000}
FIRST_PAYER = {**ev.EMPLOYER, "share_bp": 6_000}


def history_event(step: tuple[str, int]):
    kind, n = step
    if kind == "withdraw":
        return ev.withdrawn(f"ENR-{n}")[1]
    if kind == "funded":
        return ev.enrolled(f"ENR-{n}", funding_kind="funded_bbl")[1]
    payers = [FIRST_PAYER, SECOND_PAYER] if kind == "two_payers" else None
    return ev.enrolled(f"ENR-{n}", payers=payers)[1]


steps = st.lists(
    st.tuples(st.sampled_from(["enrol", "enrol", "two_payers", "funded", "withdraw"]), st.integers(0, 12)),
    min_size=1,
    max_size=40,
)


async def setup() -> tuple[Biller, dict]:
    biller = Biller(MemoryDatabase("bulk"))
    await ev.register_known_payers(biller.db)
    handlers = make_handlers(biller)
    for item in (ev.provider_registered(), ev.offering_published(), ev.cohort()):
        topic, envelope = item
        await handlers[topic](envelope)
    return biller, handlers


async def state(biller: Biller) -> dict:
    found = {}
    for name in STATE:
        documents = await biller.db[name].find({}).sort("_id", 1).to_list(None)
        found[name] = [{k: v for k, v in d.items() if k not in VOLATILE} for d in documents]
    return found


async def one_by_one(events) -> dict:
    biller, handlers = await setup()
    for event in events:
        await handlers[APPLICATION_TOPIC](event)
    return await state(biller)


async def in_batches(events, cuts: list[int]) -> dict:
    biller, handlers = await setup()
    batch = application_batch_handler(biller, handlers[APPLICATION_TOPIC])
    bounds = sorted({0, len(events), *(c % (len(events) + 1) for c in cuts)})
    for start, end in itertools.pairwise(bounds):
        await batch(events[start:end])
    return await state(biller)


@settings(max_examples=60, deadline=None)
@given(steps, st.lists(st.integers(0, 40), max_size=6), st.lists(st.integers(0, 39), max_size=5))
def test_batches_end_where_one_by_one_ends(plan, cuts, redelivered):
    events = [history_event(step) for step in plan]
    events += [events[i % len(events)] for i in redelivered]  # same event_id, delivered again

    expected = asyncio.run(one_by_one(events))
    got = asyncio.run(in_batches(events, cuts))

    assert got == expected
    for kind in ("invoice", "credit_note"):  # one series each (one entity, ledger and year here)
        numbers = sorted(d["sequence"] for d in got["documents"] if d["kind"] == kind)
        assert numbers == list(range(1, len(numbers) + 1))


async def test_a_run_that_failed_half_way_is_finished_by_its_redelivery_without_a_gap(monkeypatch):
    biller, handlers = await setup()
    batch = application_batch_handler(biller, handlers[APPLICATION_TOPIC])
    run = [ev.enrolled(f"ENR-{n}")[1] for n in range(5)]

    async def store_down(*args, **kwargs):
        raise ConnectionError("store went away after the numbers were claimed")

    with monkeypatch.context() as patched:
        patched.setattr(issuing, "insert_new", store_down)
        with pytest.raises(ConnectionError):
            await batch(run)
    documents = biller.db[DOCUMENTS]
    assert await biller.db["numbers"].count_documents({}) == 5
    assert await documents.count_documents({}) == 0

    await batch(run)  # the bus redelivers the run

    stored = await documents.find({}).to_list(None)
    assert sorted(d["sequence"] for d in stored) == [1, 2, 3, 4, 5]
    assert await biller.db["numbers"].count_documents({}) == 5
