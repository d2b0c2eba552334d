"""The finance pages of issue 10: credit notes, a payment booked by hand, the ageing report, price
overrides and the administration an admin chooses. Names instead of ids, Dutch amounts and dates,
form errors in Dutch at the field with what was typed kept."""

import html
import re

from tests.fixtures import billing_events as ev

ENGLISH = ("Input should", "Value error", "String should", "cents", "['", "None", "Traceback")
TRAINING = "Helpende Zorg &amp; Welzijn (derde leerweg), start 1 oktober 2026"


async def surcharge_lowered_by_a_late_seat(billing):
    """A cohort confirmed with a surcharge for Zorggroep Almere, then a seat filled later: the
    catalogue's SeatReserved carries the lower part, and billing credits the difference."""
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort(seats_taken=8))
    await billing.feed(ev.confirmed(enrolled_count=8, surcharge_payers=[{**ev.EMPLOYER, "seats": 2}]))
    seat = ev.cohort("SeatReserved", seats_taken=9)
    seat[1].payload.pop("status")
    seat[1].payload["surcharge"] = {
        "total_cents": 750_000,
        "payers": [{**ev.EMPLOYER, "seats": 2, "amount_cents": 750_000}],
    }
    await billing.feed(seat)


def main_of(html: str) -> str:
    """The text a person reads in the page's main part (links' addresses and form values left out)."""
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>", 1)[0])


async def test_credit_notes_name_the_invoice_payer_amount_and_reason(billing):
    await surcharge_lowered_by_a_late_seat(billing)
    [invoice] = await billing.documents(purpose="surcharge", kind="invoice")
    [credit] = await billing.documents(purpose="surcharge", kind="credit_note")
    page = await billing.client.get("/billing/creditnotas", headers=billing.headers())
    assert page.status_code == 200
    row = re.search(r"<tr>\s*<td><a href=\"/billing/creditnotas/[^<]*</a></td>.*?</tr>", page.text, re.S)
    assert row is not None
    text = row.group(0)
    assert credit["number"] in text and invoice["number"] in text
    assert "Zorggroep Almere" in text and TRAINING in text
    assert "€ 2.500,00" in text  # 10.000,00 decided, 7.500,00 after the late seat (VAT exempt)
    assert "Lege-stoelentoeslag opnieuw berekend" in text
    assert f"/billing/documenten/BRIN-25LH/{credit['number']}/pdf" in text  # a page route, not the API
    assert "COH-1" not in main_of(page.text) and "KVK-" not in main_of(page.text)

    detail = await billing.client.get(f"/billing/creditnotas/{credit['number']}", headers=billing.headers())
    assert detail.status_code == 200
    assert f'href="/billing/facturen/{invoice["number"]}"' in detail.text
    assert "€ 10.000,00" in detail.text and "nog open € 7.500,00" in detail.text
    pdf = await billing.client.get(
        f"/billing/documenten/BRIN-25LH/{credit['number']}/pdf", headers=billing.headers()
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


async def test_credit_notes_are_for_finance_of_the_own_administration_only(billing):
    await surcharge_lowered_by_a_late_seat(billing)
    [credit] = await billing.documents(kind="credit_note")
    other = billing.headers(org="BRIN-30RR")
    assert credit["number"] not in (await billing.client.get("/billing/creditnotas", headers=other)).text
    detail = await billing.client.get(f"/billing/creditnotas/{credit['number']}", headers=other)
    assert detail.status_code == 403
    employer = billing.headers("employer", "KVK-39084217")
    assert (await billing.client.get("/billing/creditnotas", headers=employer)).status_code == 403
    # an invoice's number is not a credit note
    [invoice] = await billing.documents(kind="invoice")
    missing = await billing.client.get(f"/billing/creditnotas/{invoice['number']}", headers=billing.headers())
    assert missing.status_code == 404


async def enrolled_once(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort(), ev.enrolled("ENR-1"))
    [invoice] = await billing.documents(kind="invoice")
    return invoice


async def test_a_payment_by_hand_leaves_the_invoice_partly_paid_then_paid(billing):
    invoice = await enrolled_once(billing)
    url = f"/billing/facturen/{invoice['number']}/betaling"
    form = await billing.client.get(url, headers=billing.headers())
    assert form.status_code == 200 and "€ 2.500,00" in form.text
    key = re.search(r'name="payment_id" value="([0-9a-f]+)"', form.text).group(1)
    fields = {"bedrag": "1.000,00", "datum": "20-09-2026", "kenmerk": "bank 42", "payment_id": key}
    booked = await billing.client.post(url, data=fields, headers=billing.headers())
    assert booked.status_code == 200
    assert "Betaling van € 1.000,00 geboekt" in booked.text and "Nog open: € 1.500,00" in booked.text
    assert "De factuur is nu: <strong>te laat</strong>" in booked.text  # partly paid, and past due
    again = await billing.client.post(url, data=fields, headers=billing.headers())  # sent twice: once
    assert again.status_code == 200
    stored = await billing.db["documents"].find_one({"_id": invoice["_id"]})
    assert stored["paid_cents"] == 100_000 and stored["payments"][0]["paid_on"] == "2026-09-20"
    rest = {"bedrag": "1500", "datum": "2026-09-21", "kenmerk": "", "payment_id": "b" * 32}
    paid = await billing.client.post(url, data=rest, headers=billing.headers())
    assert "De factuur is nu: <strong>betaald</strong>" in paid.text
    shown = main_of(
        (await billing.client.get(f"/billing/facturen/{invoice['number']}", headers=billing.headers())).text
    )
    assert "20 september 2026 € 1.000,00 bank 42 handmatig geboekt" in re.sub(r"\s+", " ", shown)


async def test_a_payment_by_hand_answers_wrong_input_in_dutch_at_the_field_and_keeps_it(billing):
    invoice = await enrolled_once(billing)
    url = f"/billing/facturen/{invoice['number']}/betaling"
    cases = [
        ({"bedrag": "veel", "datum": "20-09-2026"}, "bedrag", "Vul het bedrag in euro in"),
        ({"bedrag": "0", "datum": "20-09-2026"}, "bedrag", "Het bedrag moet meer dan € 0,00 zijn."),
        ({"bedrag": "2.600,00", "datum": "20-09-2026"}, "bedrag", "hoger dan wat nog open staat (€ 2.500,00"),
        ({"bedrag": "10,00", "datum": "31-02-2026"}, "datum", "Vul bij de betaaldatum een datum in"),
        ({"bedrag": "10,00", "datum": ""}, "datum", "Vul bij de betaaldatum een datum in"),
        ({"bedrag": "10,00", "datum": "01-01-1999"}, "datum", "De betaaldatum klopt niet"),
    ]
    for fields, field, message in cases:
        sent = fields | {"payment_id": "a" * 32}
        page = await billing.client.post(url, data=sent, headers=billing.headers())
        assert page.status_code == 422, fields
        assert message in page.text, (fields, main_of(page.text))
        assert f'id="fout-{field}"' in page.text and f'href="#f-{field}"' in page.text
        for name, value in fields.items():
            assert f'name="{name}"' in page.text and f'value="{value}"' in page.text  # kept as typed
        assert not any(word in main_of(page.text) for word in ENGLISH), main_of(page.text)
    assert (await billing.db["documents"].find_one({"_id": invoice["_id"]})).get("paid_cents", 0) == 0


async def test_ageing_shows_what_each_payer_owes_by_age_with_totals_and_the_csv(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort())
    await billing.feed(ev.enrolled("ENR-1"), ev.enrolled("ENR-2"), ev.enrolled("ENR-3", payers=[ev.GEMEENTE]))
    page = await billing.client.get("/billing/ouderdom", headers=billing.headers())
    assert page.status_code == 200
    rows = page.text.split('data-testid="ageing"', 1)[1]
    assert "Zorggroep Almere" in rows and "Gemeente" in rows
    assert "€ 5.000,00" in rows and "€ 2.500,00" in rows  # two seats for the employer, one for the gemeente
    totals = rows.split('data-testid="ageing-totals"', 1)[1].split("</tr>", 1)[0]
    assert "€ 7.500,00" in totals
    assert "/billing/rapporten/BRIN-25LH/ouderdom.csv" in page.text
    csv = await billing.client.get("/billing/rapporten/BRIN-25LH/ouderdom.csv", headers=billing.headers())
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "KVK-" not in main_of(page.text)
    # paid in full, an invoice leaves the report
    [first, *_] = await billing.documents(kind="invoice")
    await billing.client.post(
        f"/billing/facturen/{first['number']}/betaling",
        data={"bedrag": "2.500,00", "datum": "20-09-2026", "payment_id": "c" * 32},
        headers=billing.headers(),
    )
    after = await billing.client.get("/billing/ouderdom", headers=billing.headers())
    assert "€ 5.000,00" in after.text.split('data-testid="ageing-totals"', 1)[1].split("</tr>", 1)[0]


async def test_overrides_page_names_the_training_the_reason_and_who(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort())
    model = {
        "teaching_hours": 300,
        "hourly_cost_cents": 8_500,
        "materials_cents_per_seat": 20_000,
        "rooms_cents": 100_000,
        "examination_cents_per_seat": 10_000,
        "development_cents": 0,
        "development_runs": 1,
        "overhead_bp": 1_000,
        "seats_basis": 10,
    }
    reason = "Afspraak met de gemeente: instapprijs voor werkzoekenden"
    stored = await billing.client.put(
        "/billing/api/v1/entities/BRIN-25LH/cost-models/cohort/COH-1",
        json={"model": model, "override": {"reason": reason}},
        headers=billing.headers(),
    )
    assert stored.status_code == 200, stored.text
    page = await billing.client.get("/billing/afwijkingen", headers=billing.headers())
    assert page.status_code == 200
    assert reason in page.text and TRAINING in page.text and "€ 2.500,00" in page.text
    assert "COH-1" not in main_of(page.text)
    assert "/billing/rapporten/BRIN-25LH/afwijkingen.csv" in page.text
    csv = await billing.client.get("/billing/rapporten/BRIN-25LH/afwijkingen.csv", headers=billing.headers())
    assert csv.status_code == 200 and reason in csv.text
    other = await billing.client.get(
        "/billing/rapporten/BRIN-25LH/afwijkingen.csv", headers=billing.headers(org="BRIN-30RR")
    )
    assert other.status_code == 403  # the API's organisation rule
    empty = await billing.client.get("/billing/afwijkingen", headers=billing.headers(org="BRIN-30RR"))
    assert reason not in empty.text


async def test_an_admin_chooses_an_administration_and_the_choice_is_kept(billing):
    await billing.feed(ev.provider_registered(), ev.provider_registered("BRIN-30RR", "ROC Friese Poort"))
    admin = billing.headers("admin", "LLO-BEHEER")
    first = await billing.client.get("/billing/", headers=admin)
    assert first.status_code == 303 and first.headers["location"] == "/billing/administratie"
    picker = await billing.client.get("/billing/administratie", headers=admin)
    assert "ROC Friese Poort" in picker.text and "ROC van Flevoland" in picker.text
    refused = await billing.client.post("/billing/administratie", data={"entiteit": "BRIN-XX"}, headers=admin)
    assert refused.status_code == 422 and "Kies een administratie uit de lijst." in refused.text
    choice = {"entiteit": "BRIN-30RR"}
    chosen = await billing.client.post("/billing/administratie", data=choice, headers=admin)
    assert chosen.status_code == 303
    home = await billing.client.get("/billing/", headers=admin)  # the client keeps the cookie
    assert home.status_code == 200
    assert 'data-testid="administration">ROC Friese Poort<' in home.text
    assert "Andere administratie kiezen" in home.text
    # finance staff cannot choose: they see their own, whatever the cookie says
    finance = await billing.client.get("/billing/", headers=billing.headers())
    assert 'data-testid="administration">ROC van Flevoland<' in finance.text
    assert (await billing.client.get("/billing/administratie", headers=billing.headers())).status_code == 403


async def test_invoice_list_names_the_training_not_the_cohort_id(billing):
    await enrolled_once(billing)
    page = await billing.client.get("/billing/facturen", headers=billing.headers())
    assert TRAINING in page.text and "COH-1" not in main_of(page.text)
    assert "BRIN-25LH" not in main_of(page.text)


async def test_a_statement_that_cannot_be_read_is_answered_in_dutch_and_the_pasted_text_kept(billing):
    await enrolled_once(billing)
    cases = [
        ("", "Kies een bankafschrift of plak CSV-regels."),
        ("datum;bedrag\n2026-09-20;10\n", "Rij 1: De kolommen date, amount, reference ontbreken."),
        ("date;amount;reference\n20-09-2026;10,00;x\n", 'Rij 2: De datum "20-09-2026" moet jjjj-mm-dd zijn'),
        ("date;amount;reference\n2026-09-20;tien;x\n", 'Rij 2: Het bedrag "tien" kunnen we niet lezen.'),
        ("<Document><kapot", "Dit bestand is geen leesbaar XML-bestand."),
    ]
    for pasted, message in cases:
        page = await billing.client.post(
            "/billing/betalingen/import", data={"csv": pasted}, headers=billing.headers()
        )
        assert page.status_code == 422, pasted
        assert message in page.text.replace("&#34;", '"'), main_of(page.text)
        assert 'id="fout-csv"' in page.text
        assert pasted in html.unescape(page.text)  # what was pasted stays in the box
        assert not any(word in main_of(page.text) for word in ENGLISH), main_of(page.text)
    assert await billing.db["payment_imports"].count_documents({}) == 0
    [invoice] = await billing.documents(kind="invoice")
    detail = await billing.client.get(f"/billing/facturen/{invoice['number']}", headers=billing.headers())
    assert f"private middelen: {TRAINING}" in detail.text  # the line's cost centre, by name
