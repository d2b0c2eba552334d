"""The JSON API: tenancy, invoices with filters and traced lines, downloads, payments, reports."""

import pytest
from lxml import etree

from services.billing.tests.pdf_text import pdf_text
from tests.fixtures import billing_events as ev

ENTITY_SETTINGS = {
    "kvk": "39082468",
    "vat_number": "NL001234567B01",
    "iban": "NL91ABNA0417164300",
    "street": "Educatorenweg 2",
    "city": "Almere",
    "postcode": "1325 AA",
}
EMPLOYER_DETAILS = {
    "name": "Zorggroep Almere",
    "kind": "employer",
    "scheme": "0106",
    "endpoint": "39084217",
    "street": "Hospitaalweg 1",
    "city": "Almere",
    "postcode": "1315 RA",
}
API = "/billing/api/v1/entities/BRIN-25LH"


@pytest.fixture
async def billed(billing):
    await billing.feed(ev.provider_registered(), ev.provider_registered("BRIN-30RR", "ROC Friese Poort"))
    await billing.feed(ev.offering_published(), ev.cohort(), ev.enrolled("ENR-1"), ev.enrolled("ENR-2"))
    headers = billing.headers()
    assert (await billing.client.patch(API, json=ENTITY_SETTINGS, headers=headers)).status_code == 200
    put = await billing.client.put(f"{API}/payers/KVK-39084217", json=EMPLOYER_DETAILS, headers=headers)
    assert put.status_code == 200, put.text
    return billing


async def test_a_finance_user_of_another_provider_cannot_see_these_ledgers(billed):
    other = billed.headers(org="BRIN-30RR")
    for path in (
        "",
        "/ledgers",
        "/invoices",
        "/reports/ledgers",
        "/reports/ageing",
        "/cost-models",
    ):
        response = await billed.client.get(API + path, headers=other)
        assert response.status_code == 403, path
        assert response.headers["content-type"] == "application/problem+json"
    listed = await billed.client.get("/billing/api/v1/entities", headers=other)
    assert [e["entity_id"] for e in listed.json()["items"]] == ["BRIN-30RR"]
    own = await billed.client.get(f"{API}/invoices", headers=billed.headers())
    assert own.json()["total"] == 2


async def test_other_roles_and_anonymous_callers_are_refused(billed):
    assert (await billed.client.get(f"{API}/invoices")).status_code == 401
    provider = billed.headers(role="provider")
    assert (await billed.client.get(f"{API}/invoices", headers=provider)).status_code == 403
    admin = billed.headers(role="admin", org="LLO-BEHEER")
    assert (await billed.client.get(f"{API}/invoices", headers=admin)).status_code == 200


async def test_ledgers_side_by_side(billed):
    rows = (await billed.client.get(f"{API}/ledgers", headers=billed.headers())).json()["items"]
    by_ledger = {r["ledger"]: r for r in rows}
    assert by_ledger["privaat"]["invoiced_cents"] == 500_000
    assert by_ledger["publiek"]["invoiced_cents"] == 0


async def test_invoice_list_filters_paginate_and_refuse_unknown_values(billed):
    headers = billed.headers()
    first = (await billed.client.get(f"{API}/invoices?limit=1", headers=headers)).json()
    assert first["total"] == 2 and len(first["items"]) == 1 and first["next"] == "1"
    second = (await billed.client.get(f"{API}/invoices?limit=1&cursor=1", headers=headers)).json()
    assert second["next"] is None
    assert {first["items"][0]["number"], second["items"][0]["number"]} == {
        "25LH-PRV-2026-000001",
        "25LH-PRV-2026-000002",
    }
    assert (await billed.client.get(f"{API}/invoices?ledger=publiek", headers=headers)).json()["total"] == 0
    assert (await billed.client.get(f"{API}/invoices?status=open", headers=headers)).json()["total"] in (0, 2)
    for bad in ("ledger=geheim", "status=lost", "limit=0", "limit=5000", "cursor=abc"):
        response = await billed.client.get(f"{API}/invoices?{bad}", headers=headers)
        assert 400 <= response.status_code < 500, bad


async def test_invoice_detail_traces_each_line_to_its_event(billed):
    detail = (
        await billed.client.get(f"{API}/documents/25LH-PRV-2026-000001", headers=billed.headers())
    ).json()
    cause = detail["lines"][0]["cause"]
    assert cause["kind"] == "private_seat"
    assert cause["event_type"] == "ParticipantEnrolled"
    assert len(cause["event_id"]) == 36
    missing = await billed.client.get(f"{API}/documents/25LH-PRV-2026-999999", headers=billed.headers())
    assert missing.status_code == 404


async def test_ubl_download_is_a_valid_peppol_invoice(billed, validator):
    response = await billed.client.get(f"{API}/documents/25LH-PRV-2026-000001/ubl", headers=billed.headers())
    assert response.status_code == 200, response.text
    assert validator.xsd_errors(response.content) == []
    for rule_set, report in validator.schematron(response.content).items():
        assert report.fatal == [], rule_set
    root = etree.fromstring(response.content)
    assert root.findtext("{*}BuyerReference") == "COH-1"


async def test_credit_note_ubl_and_pdf(billed, validator):
    headers = billed.headers()
    credited = await billed.client.post(
        f"{API}/documents/25LH-PRV-2026-000001/credit-notes",
        json={"amount_cents": 50_000, "reason": "Korting na overleg"},
        headers=headers,
    )
    assert credited.status_code == 201, credited.text
    number = credited.json()["number"]
    assert number == "25LH-PRV-CN-2026-000001"
    ubl = await billed.client.get(f"{API}/documents/{number}/ubl", headers=headers)
    assert validator.xsd_errors(ubl.content) == []
    for report in validator.schematron(ubl.content).values():
        assert report.fatal == []
    pdf = await billed.client.get(f"{API}/documents/{number}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    too_much = await billed.client.post(
        f"{API}/documents/25LH-PRV-2026-000001/credit-notes",
        json={"amount_cents": 999_999, "reason": "te veel"},
        headers=headers,
    )
    assert too_much.status_code == 409


async def test_payments_by_hand_make_an_invoice_partly_paid_then_paid(billed):
    headers = billed.headers()
    url = f"{API}/documents/25LH-PRV-2026-000001/payments"
    part = await billed.client.post(
        url, json={"amount_cents": 100_000, "paid_on": "2026-09-10"}, headers=headers
    )
    assert part.status_code == 201, part.text
    assert part.json()["status"] in ("partly_paid", "overdue")
    rest = await billed.client.post(
        url, json={"amount_cents": 150_000, "paid_on": "2026-09-11"}, headers=headers
    )
    assert rest.json()["status"] == "paid"
    over = await billed.client.post(url, json={"amount_cents": 1, "paid_on": "2026-09-12"}, headers=headers)
    assert over.status_code == 409
    stored = await billed.db["documents"].find_one({"number": "25LH-PRV-2026-000001"})
    assert stored["paid_cents"] == 250_000


async def test_bank_statement_import_previews_before_booking(billed):
    headers = billed.headers()
    statement = (
        "date;amount;reference;counterparty\n"
        "2026-09-20;2500,00;Factuur 25LH-PRV-2026-000002;Zorggroep Almere\n"
        "2026-09-20;12,00;onbekend;Iemand\n"
    )
    preview = await billed.client.post(f"{API}/payment-imports", json={"csv": statement}, headers=headers)
    assert preview.status_code == 201, preview.text
    body = preview.json()
    assert body["to_book"] == 1 and body["state"] == "preview"
    stored = await billed.db["documents"].find_one({"number": "25LH-PRV-2026-000002"})
    assert stored["paid_cents"] == 0, "a preview books nothing"
    booked = await billed.client.post(f"{API}/payment-imports/{body['import_id']}/book", headers=headers)
    assert booked.json()["booked"] == 1
    again = await billed.client.post(f"{API}/payment-imports/{body['import_id']}/book", headers=headers)
    assert again.status_code == 200
    stored = await billed.db["documents"].find_one({"number": "25LH-PRV-2026-000002"})
    assert stored["paid_cents"] == 250_000
    bad = await billed.client.post(f"{API}/payment-imports", json={"csv": "a,b\n1,2\n"}, headers=headers)
    assert bad.status_code == 422


COST_MODEL = {
    "teaching_hours": 120,
    "hourly_cost_cents": 9_500,
    "materials_cents_per_seat": 15_000,
    "rooms_cents": 240_000,
    "examination_cents_per_seat": 12_500,
    "development_cents": 600_000,
    "development_runs": 4,
    "overhead_bp": 1_500,
    "seats_basis": 12,
}


async def test_a_price_below_integral_cost_is_refused_unless_overridden_and_reported(billed):
    headers = billed.headers()
    url = f"{API}/cost-models/cohort/COH-1"
    expensive = COST_MODEL | {"teaching_hours": 200}  # integral cost 2510.84 > seat price 2500.00
    refused = await billed.client.put(url, json={"model": expensive}, headers=headers)
    assert refused.status_code == 409
    assert (refused.json()["integral_cost_cents"], refused.json()["price_cents"]) == (
        251_084,
        250_000,
    )
    assert (await billed.client.get(f"{API}/cost-models", headers=headers)).json()["total"] == 0
    accepted = await billed.client.put(
        url,
        json={
            "model": expensive,
            "override": {"reason": "Pilot met O&O-fonds, besluit CvB 2026-08"},
        },
        headers=headers,
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["override"]["by"] == "finance:BRIN-25LH"
    overrides = (await billed.client.get(f"{API}/reports/overrides", headers=headers)).json()
    assert overrides["total"] == 1
    csv = await billed.client.get(f"{API}/reports/overrides?format=csv", headers=headers)
    assert csv.headers["content-type"].startswith("text/csv") and "Pilot" in csv.text


async def test_cohort_allocation_report_shows_seat_shares_and_cost_coverage(billed):
    headers = billed.headers()
    await billed.feed(
        ev.enrolled("ENR-F1", funding_kind="funded_bbl"),
        ev.enrolled("ENR-F2", funding_kind="funded_bol"),
    )
    cheap = COST_MODEL | {"teaching_hours": 40}
    assert (
        await billed.client.put(
            f"{API}/cost-models/offering/OFF-HELPENDE", json={"model": cheap}, headers=headers
        )
    ).status_code == 200
    report = (await billed.client.get(f"{API}/reports/cohort-allocation/COH-1", headers=headers)).json()
    assert report["funded_seats"] == 2 and report["private_seats"] == 2
    allocation = report["allocation"]
    assert allocation["publiek_cents"] + allocation["privaat_cents"] == allocation["shared_costs_cents"]
    assert allocation["publiek_cents"] == allocation["privaat_cents"]
    assert report["private_covers_integral_cost"] is True
    rows = (await billed.client.get(f"{API}/reports/cohort-allocation?format=csv", headers=headers)).text
    assert rows.splitlines()[0].startswith("cohort_id,")


async def test_manual_billable_item_is_private_and_needs_a_known_payer(billed):
    headers = billed.headers()
    body = {
        "payer_id": "KVK-39084217",
        "buyer_reference": "PO-2026-77",
        "reason": "extra_begeleiding",
        "lines": [
            {
                "description": "Extra begeleiding BBL, 10 uur",
                "quantity": 10,
                "unit_price_cents": 8_500,
            }
        ],
    }
    created = await billed.client.post(f"{API}/invoices", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["total_cents"] == 102_850  # 850.00 + 21% btw
    public = await billed.client.post(f"{API}/invoices", json=body | {"ledger": "publiek"}, headers=headers)
    assert public.status_code == 422
    unknown = await billed.client.post(f"{API}/invoices", json=body | {"payer_id": "KVK-0"}, headers=headers)
    assert unknown.status_code == 422


async def test_a_manual_invoice_page_names_its_reason_not_its_code_nor_who_booked_it(billed):
    body = {
        "payer_id": "KVK-39084217",
        "buyer_reference": "PO-2026-78",
        "reason": "extra_begeleiding",
        "lines": [{"description": "Extra begeleiding BBL, 2 uur", "quantity": 2, "unit_price_cents": 8_500}],
    }
    created = await billed.client.post(f"{API}/invoices", json=body, headers=billed.headers())
    number = created.json()["number"]
    page = await billed.client.get(f"/billing/facturen/{number}", headers=billed.headers())
    lines = page.text.split('data-testid="lines"', 1)[1].split("</table>", 1)[0]
    assert "private middelen: Extra begeleiding" in lines and "handmatig" in lines
    assert "extra_begeleiding" not in lines and " by " not in lines


async def test_the_pdf_of_a_training_billing_has_no_title_for_names_no_cohort_id(billing):
    await billing.feed(ev.provider_registered(), ev.cohort(cohort_id="COH-ZONDER-TITEL"))
    await billing.feed(ev.enrolled("ENR-1", cohort_id="COH-ZONDER-TITEL"))
    headers = billing.headers()
    assert (await billing.client.patch(API, json=ENTITY_SETTINGS, headers=headers)).status_code == 200
    [invoice] = await billing.documents(kind="invoice")
    pdf = await billing.client.get(f"{API}/documents/{invoice['number']}/pdf", headers=headers)
    assert pdf.status_code == 200, pdf.text
    text = pdf_text(pdf.content)
    assert invoice["buyer_reference"] == "COH-ZONDER-TITEL"  # the buyer's reference, printed once
    assert text.count("COH-ZONDER-TITEL") == 1 and "uitvoering" not in text
