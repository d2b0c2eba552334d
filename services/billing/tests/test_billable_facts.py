"""Billable facts from the producers' events, through the in-process bus, inbox and outbox."""

from billing.usecases.payers import register_entry
from tests.fixtures import billing_events as ev


async def invoices(billing, **query):
    return await billing.documents(kind="invoice", **query)


async def credit_notes(billing, **query):
    return await billing.documents(kind="credit_note", **query)


async def test_private_seat_is_invoiced_at_enrolment_and_traced_to_its_event(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort())
    enrolment = ev.enrolled("ENR-1")
    await billing.feed(enrolment)
    [invoice] = await invoices(billing)
    assert invoice["ledger"] == "privaat"
    assert invoice["entity_id"] == "BRIN-25LH"
    assert invoice["number"] == "25LH-PRV-2026-000001"
    assert invoice["total_cents"] == 250_000
    assert invoice["payer"]["payer_id"] == "KVK-39084217"
    [line] = invoice["lines"]
    assert line["cause"]["event_id"] == str(enrolment[1].event_id)
    assert line["cause"]["kind"] == "private_seat"
    assert line["vat_category"] == "E"


async def test_funded_seats_are_never_invoiced(billing):
    await billing.feed(ev.provider_registered(), ev.cohort(), ev.enrolled("ENR-F", funding_kind="funded_bbl"))
    assert await invoices(billing) == []


async def test_an_enrolment_with_two_payers_splits_the_seat_exactly(billing):
    employer = ev.EMPLOYER | {"share_bp": 3333}
    fund = {
        "payer_id": "OO-PZW",
        "kind": "oo_fonds",
        "name": "Fonds Zorg",
        "scheme": "0106",
        "endpoint": "41150000",
        "share_bp": 6667,
    }
    address = {"street": "Zorgplein 1", "postcode": "3500 AA", "city": "Utrecht"}
    entry = register_entry("BRIN-25LH", "OO-PZW", {"name": "Fonds Zorg"} | address, "test")
    await billing.db["payers"].replace_one({"_id": entry["_id"]}, entry, upsert=True)
    await billing.feed(ev.cohort(), ev.enrolled("ENR-2", payers=[employer, fund], seat_price_cents=100_001))
    documents = await invoices(billing)
    assert sorted(d["total_cents"] for d in documents) == [33_330, 66_671]
    assert [d["number"] for d in documents] == [
        "25LH-PRV-2026-000001",
        "25LH-PRV-2026-000002",
    ] or sorted(d["number"] for d in documents) == ["25LH-PRV-2026-000001", "25LH-PRV-2026-000002"]


async def test_entity_billing_on_confirmation_waits_for_the_go(billing):
    await billing.feed(ev.provider_registered(), ev.cohort())
    await billing.db["entities"].update_one(
        {"_id": "BRIN-25LH"}, {"$set": {"billing_moment": "on_confirmation"}}
    )
    enrolment = ev.enrolled("ENR-3")
    await billing.feed(enrolment)
    assert await invoices(billing) == []
    go = ev.confirmed(enrolled_count=12)
    await billing.feed(go)
    [invoice] = await invoices(billing)
    cause = invoice["lines"][0]["cause"]
    assert cause["event_id"] == str(enrolment[1].event_id)
    assert cause["triggered_by_event_id"] == str(go[1].event_id)
    late = ev.enrolled("ENR-4")
    await billing.feed(late)
    assert len(await invoices(billing)) == 2


async def test_withdrawal_credits_the_seat_invoice(billing):
    await billing.feed(ev.cohort(), ev.enrolled("ENR-5"), ev.withdrawn("ENR-5"))
    [invoice] = await invoices(billing)
    [credit] = await credit_notes(billing)
    assert credit["credited_document_id"] == invoice["_id"]
    assert credit["credited_number"] == invoice["number"]
    assert credit["number"] == "25LH-PRV-CN-2026-000001"
    assert credit["total_cents"] == invoice["total_cents"]


async def test_surcharge_is_split_over_accepting_payers_and_recomputed_by_credit_notes(billing):
    a = {**ev.EMPLOYER, "seats": 5}
    b = {**ev.GEMEENTE, "seats": 3, "cap_cents": 2_000_000}
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort(seats_taken=8))
    await billing.feed(ev.confirmed(enrolled_count=8, surcharge_payers=[a, b]))
    surcharge = await invoices(billing, purpose="surcharge")
    assert {d["payer"]["payer_id"]: d["total_cents"] for d in surcharge} == {
        "KVK-39084217": 625_000,
        "OIN-00000001002306608000": 375_000,
    }
    assert all(d["ledger"] == "privaat" for d in surcharge)
    # two more seats fill before enrolment closes: surcharge 2 x 2500 = 5000, parts 3125 / 1875
    await billing.feed(ev.cohort("CohortUpdated", seats_taken=10, status="confirmed"))
    credits = await credit_notes(billing, purpose="surcharge")
    assert {c["payer"]["payer_id"]: c["total_cents"] for c in credits} == {
        "KVK-39084217": 312_500,
        "OIN-00000001002306608000": 187_500,
    }
    originals = {d["_id"] for d in surcharge}
    assert all(c["credited_document_id"] in originals for c in credits)
    net = await billing.app.state.runtime.biller.surcharge_billed_net("COH-1")
    assert net == {"KVK-39084217": 312_500, "OIN-00000001002306608000": 187_500}


async def test_cancelled_cohort_credits_everything_billed_for_it(billing):
    a = {**ev.EMPLOYER, "seats": 2}
    await billing.feed(ev.cohort(seats_taken=2), ev.enrolled("ENR-6"), ev.enrolled("ENR-7"))
    await billing.feed(ev.confirmed(enrolled_count=2, surcharge_payers=[a]), ev.withdrawn("ENR-7"))
    await billing.feed(ev.cancelled())
    for invoice in await invoices(billing):
        credited = sum(
            c["total_cents"] for c in await credit_notes(billing, credited_document_id=invoice["_id"])
        )
        assert credited == invoice["total_cents"], invoice["_id"]


TRAINING = "Helpende Zorg & Welzijn (derde leerweg), start 1 oktober 2026"


async def test_invoice_lines_name_the_training_and_its_start_not_the_cohort_id(billing):
    a = {**ev.EMPLOYER, "seats": 1}
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort(seats_taken=1))
    await billing.feed(ev.enrolled("ENR-8"), ev.confirmed(enrolled_count=1, surcharge_payers=[a]))
    await billing.feed(ev.cohort("CohortUpdated", seats_taken=2, status="confirmed"))
    lines = {d["purpose"] + " " + d["kind"]: d["lines"][0]["description"] for d in await billing.documents()}
    assert lines == {
        "seat invoice": f"Opleidingsplaats {TRAINING}",
        "surcharge invoice": (
            f"Lege-stoelentoeslag {TRAINING}: 11 lege plaatsen, uw aandeel naar 1 ingeschreven plaats"
        ),
        "surcharge credit_note": f"Herberekening lege-stoelentoeslag {TRAINING}: 10 lege plaatsen",
    }
    await billing.feed(ev.cancelled())
    [credit] = await credit_notes(billing, purpose="seat")
    assert credit["lines"][0]["description"].startswith("Creditering: startmoment gaat niet door (factuur ")
