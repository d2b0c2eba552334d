"""Payments from a bank statement (CAMT.053 .02 and .08, CSV): preview, confirm, exactly once,
bad files refused with nothing stored, and tenancy."""

from pathlib import Path

import pytest

from llo_shared.envelope import EventEnvelope
from tests.fixtures import billing_events as ev

API = "/billing/api/v1/entities/BRIN-25LH"
STATEMENTS = Path(__file__).parent / "statements"
CAMT_02 = (STATEMENTS / "camt053_001_02.xml").read_text()
CAMT_08 = (STATEMENTS / "camt053_001_08.xml").read_text()
FIRST, SECOND = "25LH-PRV-2026-000001", "25LH-PRV-2026-000002"


@pytest.fixture
async def invoiced(billing):
    """Two private seats of € 2.500,00 each, invoiced by ROC van Flevoland."""
    await billing.feed(ev.provider_registered(), ev.provider_registered("BRIN-30RR", "ROC Friese Poort"))
    await billing.feed(ev.offering_published(), ev.cohort(), ev.enrolled("ENR-1"), ev.enrolled("ENR-2"))
    for number in (FIRST, SECOND):
        stored = await billing.db["documents"].find_one({"number": number})
        assert stored["total_cents"] == 250_000
    return billing


async def preview(billing, content, statement_format="camt053", org="BRIN-25LH"):
    return await billing.client.post(
        f"{API}/payment-imports",
        json={"format": statement_format, "content": content},
        headers=billing.headers(org=org),
    )


async def confirm(billing, import_id, org="BRIN-25LH"):
    return await billing.client.post(
        f"{API}/payment-imports/{import_id}/book", headers=billing.headers(org=org)
    )


async def paid(billing, number):
    return (await billing.db["documents"].find_one({"number": number})).get("paid_cents", 0)


async def status(billing, number):
    got = await billing.client.get(f"{API}/documents/{number}", headers=billing.headers())
    return got.json()["status"]


async def payment_events(billing):
    await billing.runtime.relay.relay_once()
    published = {  # the relay publishes at least once: a consumer dedupes by event_id, so do we
        envelope.event_id: envelope
        for topic, partitions in billing.runtime.bus.broker.logs.items()
        if topic.endswith("billing.payment.v1")
        for log in partitions
        for envelope in map(EventEnvelope.from_bytes, (m.value for m in log))
    }
    return list(published.values())


def by_position(body):
    return {row["position"]: row for row in body["rows"]}


async def test_camt053_v02_preview_proposes_per_credit_entry_and_books_nothing(invoiced):
    answer = await preview(invoiced, CAMT_02)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    rows = by_position(body)
    assert set(rows) == {"Ntry 1", "Ntry 2", "Ntry 3"}, "debit and pending entries are no payments"
    full, part, unknown = rows["Ntry 1"], rows["Ntry 2"], rows["Ntry 3"]
    assert full["number"] == FIRST and full["action"] == "book" and full["status_after"] == "paid"
    assert full["amount_cents"] == 250_000 and full["currency"] == "EUR"
    assert full["booking_date"] == "2026-09-20"
    assert full["debtor_name"] == "Zorggroep Almere" and full["debtor_iban"] == "NL02RABO0123456789"
    assert full["end_to_end_id"] == "ZGA-2026-0917"
    assert full["key"] == "STMT-2026-09-20-0417164300|0920-001"
    assert part["number"] == SECOND and part["outstanding_cents"] == 250_000
    assert part["status_after"] in ("partly_paid", "overdue")  # overdue wins once the due date passed
    assert part["end_to_end_id"] == "", "NOTPROVIDED is no reference"
    assert unknown["match"] == "unmatched" and unknown["action"] == "skip" and unknown["number"] is None
    assert (body["to_book"], body["to_book_cents"], body["unmatched"]) == (2, 350_000, 1)
    assert await paid(invoiced, FIRST) == 0 and await paid(invoiced, SECOND) == 0, "a preview books nothing"
    assert await payment_events(invoiced) == []


async def test_confirming_books_the_payments_with_their_events(invoiced):
    body = (await preview(invoiced, CAMT_02)).json()
    booked = await confirm(invoiced, body["import_id"])
    assert booked.status_code == 200, booked.text
    assert booked.json()["booked"] == 2 and booked.json()["state"] == "booked"
    assert await paid(invoiced, FIRST) == 250_000 and await status(invoiced, FIRST) == "paid"
    assert await paid(invoiced, SECOND) == 100_000
    assert await status(invoiced, SECOND) in ("partly_paid", "overdue")
    events = await payment_events(invoiced)
    assert sorted((e.payload["number"], e.payload["amount_cents"], e.payload["status"]) for e in events) == [
        (FIRST, 250_000, "paid"),
        (SECOND, 100_000, await status(invoiced, SECOND)),
    ]
    stored = await invoiced.db["documents"].find_one({"number": FIRST})
    assert stored["payments"][0]["debtor_name"] == "Zorggroep Almere"
    assert stored["payments"][0]["statement_key"] == "STMT-2026-09-20-0417164300|0920-001"


async def test_the_same_statement_imported_twice_books_nothing_twice(invoiced):
    first = (await preview(invoiced, CAMT_02)).json()
    again_before_booking = (await preview(invoiced, CAMT_02)).json()
    await confirm(invoiced, first["import_id"])
    assert (await confirm(invoiced, first["import_id"])).json()["booked"] == 2, (
        "confirming twice: same answer"
    )
    late = await confirm(invoiced, again_before_booking["import_id"])
    assert late.json()["booked"] == 0 and late.json()["already_booked"] == 2
    third = (await preview(invoiced, CAMT_02)).json()
    assert third["to_book"] == 0 and third["already_booked"] == 2
    assert {r["number"] for r in third["rows"] if r["match"] == "already_booked"} == {FIRST, SECOND}
    assert (await confirm(invoiced, third["import_id"])).json()["booked"] == 0
    assert await paid(invoiced, FIRST) == 250_000 and await paid(invoiced, SECOND) == 100_000
    assert len(await payment_events(invoiced)) == 2


async def test_camt053_v08_overpaid_batches_structured_references_and_foreign_currency(invoiced):
    body = (await preview(invoiced, CAMT_08)).json()
    rows = by_position(body)
    assert set(rows) == {"Ntry 1", "Ntry 2.1", "Ntry 2.2", "Ntry 3"}
    over = rows["Ntry 1"]
    assert over["number"] == FIRST and over["status_after"] == "overpaid"
    assert over["booking_date"] == "2026-09-25" and over["debtor_name"] == "Zorggroep Almere"
    batch_first, batch_second = rows["Ntry 2.1"], rows["Ntry 2.2"]
    assert batch_first["amount_cents"] == 200_000 and batch_first["number"] == SECOND
    assert batch_first["key"] == "RABO-STMT-2026-268|268-02/1"
    assert batch_first["debtor_name"] == "Woonzorg Flevoland"
    assert batch_second["amount_cents"] == 50_000 and batch_second["match"] == "unmatched"
    dollars = rows["Ntry 3"]
    assert dollars["currency"] == "USD" and dollars["action"] == "skip" and "EUR" in dollars["note"]
    await confirm(invoiced, body["import_id"])
    assert await paid(invoiced, FIRST) == 300_000 and await status(invoiced, FIRST) == "overpaid"
    assert await paid(invoiced, SECOND) == 200_000


async def test_two_entries_for_one_invoice_show_the_status_after_both(invoiced):
    statement = (
        "date;amount;reference;counterparty;iban\n"
        f"2026-09-20;1500,00;{SECOND} deel 1;Zorggroep Almere;NL02RABO0123456789\n"
        f"2026-09-21;1000,00;{SECOND} deel 2;Zorggroep Almere;NL02RABO0123456789\n"
        "2026-09-21;-20,00;bankkosten;ABN AMRO;\n"
    )
    body = (await preview(invoiced, statement, "csv")).json()
    assert [r["status_after"] for r in body["rows"]][1] == "paid"
    assert [r["outstanding_cents"] for r in body["rows"]] == [250_000, 100_000]
    assert len(body["rows"]) == 2, "negative amounts are debits"
    await confirm(invoiced, body["import_id"])
    assert await status(invoiced, SECOND) == "paid"
    again = (await preview(invoiced, statement, "csv")).json()
    assert again["already_booked"] == 2 and again["to_book"] == 0


@pytest.mark.parametrize(
    ("content", "statement_format", "field", "fragment"),
    [
        ("<Document><unclosed>", "camt053", "content", "well-formed"),
        (
            CAMT_02.replace("camt.053.001.02", "camt.054.001.02"),
            "camt053",
            "content",
            "not a supported CAMT.053",
        ),
        (
            CAMT_02.replace('<Amt Ccy="EUR">2500.00</Amt>\n        <CdtDbtInd>', "<CdtDbtInd>", 1),
            "camt053",
            "content",
            "Ntry 1",
        ),
        (
            CAMT_02.replace("<Dt>2026-09-20</Dt></BookgDt>", "<Dt>20-09-2026</Dt></BookgDt>", 1),
            "camt053",
            "content",
            "date",
        ),
        (
            CAMT_02.replace("2500.00</Amt>\n        <CdtDbtInd>", "12,5x</Amt>\n        <CdtDbtInd>", 1),
            "camt053",
            "content",
            "amount",
        ),
        ("date;amount\n2026-09-20;10,00\n", "csv", "content", "reference"),
        ("date;amount;reference\n20-09-2026;10,00;x\n", "csv", "content", "rij 2"),
    ],
)
async def test_an_unreadable_statement_is_a_422_naming_the_field_and_stores_nothing(
    invoiced, content, statement_format, field, fragment
):
    answer = await preview(invoiced, content, statement_format)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == field and fragment in problem["detail"]
    assert await invoiced.db["payment_imports"].count_documents({}) == 0
    assert await paid(invoiced, FIRST) == 0


async def test_a_statement_needs_exactly_one_content(invoiced):
    headers = invoiced.headers()
    empty = await invoiced.client.post(f"{API}/payment-imports", json={"format": "camt053"}, headers=headers)
    assert empty.status_code == 422 and empty.json()["field"] == "content"
    both = await invoiced.client.post(
        f"{API}/payment-imports", json={"content": "x", "csv": "y"}, headers=headers
    )
    assert both.status_code == 422 and both.json()["field"] == "csv"
    unknown = await invoiced.client.post(
        f"{API}/payment-imports", json={"format": "mt940", "content": "x"}, headers=headers
    )
    assert unknown.status_code == 422 and "format" in unknown.text
    assert await invoiced.db["payment_imports"].count_documents({}) == 0


async def test_another_providers_finance_user_can_neither_preview_nor_book_here(invoiced):
    body = (await preview(invoiced, CAMT_02)).json()
    assert (await preview(invoiced, CAMT_02, org="BRIN-30RR")).status_code == 403
    assert (await confirm(invoiced, body["import_id"], org="BRIN-30RR")).status_code == 403
    seen = await invoiced.client.get(
        f"{API}/payment-imports/{body['import_id']}", headers=invoiced.headers(org="BRIN-30RR")
    )
    assert seen.status_code == 403
    own = "/billing/api/v1/entities/BRIN-30RR/payment-imports"
    other_headers = invoiced.headers(org="BRIN-30RR")
    theirs = await invoiced.client.post(
        own, json={"format": "camt053", "content": CAMT_02}, headers=other_headers
    )
    assert theirs.status_code == 201
    assert theirs.json()["to_book"] == 0, "another administration's invoice numbers match nothing"
    borrowed = await invoiced.client.post(f"{own}/{body['import_id']}/book", headers=other_headers)
    assert borrowed.status_code == 404
    assert await paid(invoiced, FIRST) == 0 and await paid(invoiced, SECOND) == 0


async def test_a_payment_by_hand_and_one_from_the_bank_follow_the_same_status_rule(invoiced):
    url = f"{API}/documents/{FIRST}/payments"
    by_hand = await invoiced.client.post(
        url, json={"amount_cents": 100_000, "paid_on": "2026-09-10"}, headers=invoiced.headers()
    )
    assert by_hand.status_code == 201
    statement = f"date;amount;reference\n2026-09-20;1500,00;{FIRST}\n"
    body = (await preview(invoiced, statement, "csv")).json()
    assert body["rows"][0]["outstanding_cents"] == 150_000 and body["rows"][0]["status_after"] == "paid"
    await confirm(invoiced, body["import_id"])
    assert await status(invoiced, FIRST) == "paid"
    too_much = await invoiced.client.post(
        url, json={"amount_cents": 1, "paid_on": "2026-09-21"}, headers=invoiced.headers()
    )
    assert too_much.status_code == 409, "a payment typed by hand may not overpay (typo guard)"


async def test_the_import_page_uploads_a_camt_file_previews_in_dutch_and_books(invoiced):
    headers = invoiced.headers()
    files = {"bestand": ("afschrift.xml", CAMT_02.encode(), "application/xml")}
    page = await invoiced.client.post("/billing/betalingen/import", files=files, headers=headers)
    assert page.status_code == 200, page.text
    assert "Voorstel: 2 regel(s) boeken" in page.text and "Niet herkend: 1" in page.text
    assert "Zorggroep Almere" in page.text and "betaald" in page.text
    assert await paid(invoiced, FIRST) == 0
    imported = await invoiced.db["payment_imports"].find_one({})
    booked = await invoiced.client.post(
        f"/billing/betalingen/import/{imported['_id']}/boeken", headers=headers
    )
    assert "Geboekt: 2 betaling(en)" in booked.text
    assert await paid(invoiced, FIRST) == 250_000
    again = await invoiced.client.post("/billing/betalingen/import", files=files, headers=headers)
    assert "Al geboekt: 2" in again.text


async def test_the_import_page_shows_an_unreadable_file_as_an_error(invoiced):
    files = {"bestand": ("afschrift.xml", b"<Document>", "application/xml")}
    page = await invoiced.client.post("/billing/betalingen/import", files=files, headers=invoiced.headers())
    assert page.status_code == 422 and "Dit bestand is geen leesbaar XML-bestand." in page.text
    assert "well-formed" not in page.text, "the page speaks Dutch; the API keeps its English detail"
    assert await invoiced.db["payment_imports"].count_documents({}) == 0
