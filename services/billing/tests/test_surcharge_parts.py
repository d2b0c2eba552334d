"""Billing invoices the catalogue's surcharge parts exactly, and refuses parts it cannot invoice."""

from tests.fixtures import billing_events as ev


async def surcharge_documents(billing):
    return await billing.documents(purpose="surcharge")


async def test_parts_that_do_not_add_up_go_to_the_dlq_with_the_reason_and_nothing_is_invoiced(billing):
    payers = [
        {**ev.EMPLOYER, "seats": 1, "amount_cents": 33_333},
        {**ev.GEMEENTE, "seats": 1, "amount_cents": 33_333},
        {**ev.EMPLOYER, "payer_id": "KVK-20000002", "seats": 1, "amount_cents": 33_333},
    ]
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort(seats_taken=11))
    await billing.feed(ev.confirmed(enrolled_count=11, seat_price_cents=100_000, surcharge_payers=payers))
    [dead] = await billing.runtime.bus.dead_letters()
    assert "SurchargeRefused" in dead.error
    assert "add up to 99999, not to the surcharge 100000" in dead.error
    assert await billing.documents() == []
    cohort = await billing.db["cohorts"].find_one({"_id": "COH-1"})
    assert cohort.get("decision") is None  # nothing of the refused decision was kept


async def test_a_part_above_its_cap_is_refused_too(billing):
    payers = [{**ev.EMPLOYER, "seats": 1, "cap_cents": 50_000, "amount_cents": 100_000}]
    await billing.feed(ev.cohort(seats_taken=11))
    await billing.feed(ev.confirmed(enrolled_count=11, seat_price_cents=100_000, surcharge_payers=payers))
    [dead] = await billing.runtime.bus.dead_letters()
    assert "cap" in dead.error
    assert await surcharge_documents(billing) == []


async def test_billing_invoices_the_catalogues_parts_not_a_split_of_its_own(billing):
    # the catalogue gave the rounding cent to the payer that accepted last; billing keeps it there
    payers = [
        {**ev.EMPLOYER, "payer_id": f"KVK-1000000{n}", "seats": 1, "amount_cents": amount}
        for n, amount in enumerate((33_334, 33_333, 33_333))
    ]
    await billing.feed(ev.cohort(seats_taken=11))
    await billing.feed(ev.confirmed(enrolled_count=11, seat_price_cents=100_000, surcharge_payers=payers))
    invoiced = {d["payer"]["payer_id"]: d["total_cents"] for d in await surcharge_documents(billing)}
    assert invoiced == {"KVK-10000000": 33_334, "KVK-10000001": 33_333, "KVK-10000002": 33_333}


async def test_two_demands_of_one_employer_are_two_parts_and_a_seat_event_settles_to_its_parts(billing):
    employer = {**ev.EMPLOYER, "seats": 2, "cap_cents": 1_000_000}
    payers = [
        employer | {"acceptance_id": "dem-1", "amount_cents": 500_000},
        employer | {"acceptance_id": "dem-2", "amount_cents": 500_000},
    ]
    await billing.feed(ev.cohort(seats_taken=8))
    await billing.feed(ev.confirmed(enrolled_count=8, surcharge_payers=payers))
    assert sorted(d["total_cents"] for d in await surcharge_documents(billing)) == [500_000, 500_000]
    # a seat filled later: the catalogue's SeatReserved carries the parts due now
    now = [p | {"amount_cents": 375_000} for p in payers]
    seat = ev.cohort("SeatReserved", seats_taken=9)
    seat[1].payload["surcharge"] = {"total_cents": 750_000, "payers": now}
    await billing.feed(seat)
    net = await billing.runtime.biller.surcharge_billed_net("COH-1")
    assert net == {"dem-1|KVK-39084217": 375_000, "dem-2|KVK-39084217": 375_000}
    # parts above what was decided are refused, and nothing changes
    over = ev.cohort("SeatReleased", seats_taken=8)
    over[1].payload["surcharge"] = {
        "total_cents": 1_100_000,
        "payers": [payers[0] | {"amount_cents": 600_000}, payers[1]],
    }
    await billing.feed(over)
    [dead] = await billing.runtime.bus.dead_letters()
    assert "above what was decided" in dead.error
    assert await billing.runtime.biller.surcharge_billed_net("COH-1") == net


def seat_event(event_type, seats_taken, surcharge=None):
    item = ev.cohort(event_type, seats_taken=seats_taken)
    item[1].payload.pop("status")  # seat events carry counts, not a status
    if surcharge is not None:
        item[1].payload["surcharge"] = surcharge
    return item


async def test_seat_events_published_around_the_decision_out_of_order_leave_the_catalogues_parts(billing):
    # the catalogue's relay publishes from several collections: a seat written before the decision
    # may arrive after it, and one written just after it may arrive before it
    payers = [{**ev.EMPLOYER, "seats": 3, "amount_cents": 600_000}, {**ev.GEMEENTE, "seats": 2}]
    payers[1]["amount_cents"] = 400_000
    await billing.feed(ev.cohort(seats_taken=8))
    after = [p | {"amount_cents": amount} for p, amount in zip(payers, (450_000, 300_000), strict=True)]
    await billing.feed(seat_event("SeatReserved", 9, {"total_cents": 750_000, "payers": after}))
    await billing.feed(ev.confirmed(enrolled_count=8, surcharge_payers=payers))
    net = {"KVK-39084217": 450_000, "OIN-00000001002306608000": 300_000}
    assert await billing.runtime.biller.surcharge_billed_net("COH-1") == net
    await billing.feed(seat_event("SeatReleased", 7))  # from before the decision, relayed late
    assert await billing.runtime.biller.surcharge_billed_net("COH-1") == net
