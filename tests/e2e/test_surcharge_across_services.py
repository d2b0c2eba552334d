"""Money that adds up across services: the catalogue fixes every payer's surcharge part once, billing
invoices exactly that part, through seats filled later, withdrawals and a cancellation.

Catalogue and billing run on one in-process bus with memory stores, wired as the embedded demo
wires them; matching's acceptances and recruitment's seat requests are published as they would be.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from billing.app import create_app as billing_app
from billing.settings import BillingSettings
from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from llo_shared.bus_memory import InProcessBus
from llo_shared.mongo import MemoryDatabase
from llo_shared.service import Infrastructure
from tests.fixtures.surcharge_flow import Acceptance, SurchargeFlow

acceptances = st.lists(
    st.builds(
        Acceptance,
        employer=st.integers(min_value=0, max_value=3),  # one employer may accept for two demands
        seats=st.integers(min_value=1, max_value=6),
        fund_share_bp=st.one_of(st.none(), st.integers(min_value=1, max_value=9_999)),
        cap_cents=st.one_of(st.none(), st.none(), st.integers(min_value=0, max_value=2_000_000)),
    ),
    min_size=1,
    max_size=6,
)


@contextlib.asynccontextmanager
async def wired(overrides: dict[str, Any]):  # type: ignore[no-untyped-def]
    bus = InProcessBus()
    common = overrides | {"storage": "memory", "bus": "memory"}
    catalogue_settings = CatalogueSettings(**common)
    catalogue = catalogue_app(catalogue_settings, Infrastructure(MemoryDatabase("catalogue"), bus, False))
    billing = billing_app(BillingSettings(**common), Infrastructure(MemoryDatabase("billing"), bus, False))
    await bus.start()
    try:
        async with contextlib.AsyncExitStack() as stack:
            for app in (catalogue, billing):
                await stack.enter_async_context(app.router.lifespan_context(app))
            flow = SurchargeFlow(catalogue, billing, bus, catalogue_settings)
            async with flow.client():
                yield flow
    finally:
        await bus.stop()


async def assert_parts_add_up(flow: SurchargeFlow, decided_total: int, cancelled: bool = False) -> None:
    """Each part billed (invoices minus credit notes) is exactly the catalogue's part due now."""
    decided, now = await flow.catalogue_parts()
    cohort = await flow.catalogue_cohort()
    assert sum(decided.values()) == decided_total
    missing = max(0, cohort["break_even"] - cohort["seats_taken"])
    due = 0 if cancelled else min(decided_total, missing * cohort["seat_price_cents"])
    assert sum(now.values()) == due
    assert all(0 <= now[key] <= decided[key] for key in decided), (now, decided)
    assert await flow.billed_net() == {key: part for key, part in now.items() if part}


async def scenario(
    overrides: dict[str, Any],
    enrolled: int,
    missing: int,
    price: int,
    accepting: list[Acceptance],
    later: list[str],
    call_off: bool,
) -> None:
    async with wired(overrides) as flow:
        await flow.cohort(break_even=enrolled + missing, seat_price_cents=price)
        for _ in range(enrolled):
            await flow.take_seat()
        surcharge = missing * price
        for number, acceptance in enumerate(accepting):
            await flow.accept(number, acceptance, shown_cents=surcharge)
        await flow.settled()
        decided = await flow.decide()
        event("refused: a cap below its part" if decided.status_code == 409 else "decided")
        if decided.status_code == 409:  # a demand's cap is below its part: no go-with-surcharge
            assert "cap" in decided.json()["detail"]
            assert any(a.cap_cents is not None and a.cap_cents < surcharge for a in accepting)
            await flow.settled()
            assert await flow.billed_net() == {}
            return
        assert decided.status_code == 200, decided.text
        await flow.settled()
        await assert_parts_add_up(flow, surcharge)
        for step in later:
            await (flow.take_seat() if step == "seat" else flow.withdraw())
            await flow.settled()
            await assert_parts_add_up(flow, surcharge)
        if call_off:
            assert (await flow.call_off()).status_code == 200
            await flow.settled()
            await assert_parts_add_up(flow, surcharge, cancelled=True)
        assert await flow.dead_letters() == []


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    enrolled=st.integers(min_value=1, max_value=6),
    missing=st.integers(min_value=1, max_value=6),
    price=st.integers(min_value=1, max_value=600_000),
    accepting=acceptances,
    later=st.lists(st.sampled_from(["seat", "withdraw"]), max_size=6),
    call_off=st.booleans(),
)
def test_every_payer_is_billed_exactly_the_catalogues_part(
    settings_overrides, enrolled, missing, price, accepting, later, call_off
):
    asyncio.run(scenario(settings_overrides, enrolled, missing, price, accepting, later, call_off))


def test_three_payers_of_one_seat_each_the_documented_cent(settings_overrides):
    """Issue 11's example: EUR 1.000,00 over three payers of one seat, one of them capped."""
    accepting = [Acceptance(0, 1), Acceptance(1, 1, cap_cents=33_334), Acceptance(2, 1)]

    async def run() -> None:
        async with wired(settings_overrides) as flow:
            await flow.cohort(break_even=4, seat_price_cents=100_000)
            for _ in range(3):
                await flow.take_seat()
            for number, acceptance in enumerate(accepting):
                await flow.accept(number, acceptance, shown_cents=100_000)
            await flow.settled()
            assert (await flow.decide()).status_code == 200
            await flow.settled()
            decided, _ = await flow.catalogue_parts()
            assert list(decided.values()) == [33_333, 33_333, 33_334]
            assert await flow.billed_net() == {
                "dem-0|KVK-10000000": 33_333,
                "dem-1|KVK-10000001": 33_333,
                "dem-2|KVK-10000002": 33_334,
            }

    asyncio.run(run())
