"""The Dutch pages for finance staff."""

from tests.fixtures import billing_events as ev


async def seeded(billing):
    await billing.feed(ev.provider_registered(), ev.provider_registered("BRIN-30RR", "ROC Friese Poort"))
    await billing.feed(ev.offering_published(), ev.cohort(), ev.enrolled("ENR-1"), ev.withdrawn("ENR-1"))
    await billing.feed(ev.enrolled("ENR-2"), ev.enrolled("ENR-F", funding_kind="funded_bbl"))


async def test_ledgers_side_by_side_for_the_own_institution_only(billing):
    await seeded(billing)
    page = await billing.client.get("/billing/", headers=billing.headers())
    assert page.status_code == 200
    assert "Grootboek publieke middelen" in page.text and "Grootboek private middelen" in page.text
    assert "ROC van Flevoland" in page.text
    other = await billing.client.get("/billing/facturen", headers=billing.headers(org="BRIN-30RR"))
    assert "25LH-PRV-2026-000001" not in other.text


async def test_invoice_list_filters_by_status_and_shows_credit_notes(billing):
    await seeded(billing)
    headers = billing.headers()
    listed = await billing.client.get("/billing/facturen", headers=headers)
    assert "25LH-PRV-2026-000001" in listed.text and "gecrediteerd" in listed.text
    credited_only = await billing.client.get("/billing/facturen?status=credited", headers=headers)
    assert "25LH-PRV-2026-000001" in credited_only.text
    assert "25LH-PRV-2026-000002" not in credited_only.text
    notes = await billing.client.get("/billing/facturen?soort=credit_note", headers=headers)
    assert "25LH-PRV-CN-2026-000001" in notes.text


async def test_invoice_detail_shows_each_line_with_its_cause(billing):
    await seeded(billing)
    page = await billing.client.get("/billing/facturen/25LH-PRV-2026-000002", headers=billing.headers())
    assert page.status_code == 200
    assert "private opleidingsplaats" in page.text
    assert "na: deelnemer ingeschreven" in page.text  # the event in plain Dutch, not its English name
    assert "ParticipantEnrolled" not in page.text and "ENR-2" not in page.text
    enrolment = await billing.db["enrolments"].find_one({"_id": "ENR-2"})
    assert 'data-event-id="' + enrolment["event_id"] + '"' in page.text  # traceable, out of sight


async def test_pages_need_a_finance_user(billing):
    await seeded(billing)
    anonymous = await billing.client.get("/billing/facturen")
    assert anonymous.status_code == 403 and "financiën" in anonymous.text
    employer = await billing.client.get(
        "/billing/facturen", headers=billing.headers("employer", "KVK-39084217")
    )
    assert employer.status_code == 403


async def test_payment_import_shows_a_preview_before_booking(billing):
    await seeded(billing)
    headers = billing.headers()
    csv = "date;amount;reference\n2026-09-20;2500,00;25LH-PRV-2026-000002\n"
    preview = await billing.client.post("/billing/betalingen/import", data={"csv": csv}, headers=headers)
    assert preview.status_code == 200
    assert "Voorstel: 1 regel(s) boeken" in preview.text
    assert (await billing.db["documents"].find_one({"number": "25LH-PRV-2026-000002"}))["paid_cents"] == 0
    imported = await billing.db["payment_imports"].find_one({})
    booked = await billing.client.post(
        f"/billing/betalingen/import/{imported['_id']}/boeken", headers=headers
    )
    assert "Geboekt: 1 betaling(en)" in booked.text
    assert (await billing.db["documents"].find_one({"number": "25LH-PRV-2026-000002"}))[
        "paid_cents"
    ] == 250_000


async def test_cohort_allocation_page(billing):
    await seeded(billing)
    page = await billing.client.get("/billing/toerekening", headers=billing.headers())
    assert page.status_code == 200 and "Helpende Zorg" in page.text and "geen kostprijsmodel" in page.text
    assert "COH-1" not in page.text.split("<main", 1)[1]
