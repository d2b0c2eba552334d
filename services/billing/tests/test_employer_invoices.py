"""An employer's own invoices (issue 10): the page lists what is addressed to its organisation,
from any administration, and the API answers its own PDF and UBL; another organisation's invoice
does not exist for it."""

from billing.domain.money import format_eur
from llo_shared.auth import TOKEN_COOKIE, issue_dev_token
from tests.fixtures import billing_events as ev

OTHER = {
    "payer_id": "KVK-51473920",
    "kind": "employer",
    "name": "Woonzorg Flevoland",
    "scheme": "0106",
    "endpoint": "51473920",
    "share_bp": 10000,
}
DOCUMENTS = "/billing/api/v1/entities/BRIN-25LH/documents"
DOWNLOADS = "/billing/documenten/BRIN-25LH"  # the page routes the pages link to
SELLER = {  # what the administration needs on an e-invoice
    "kvk": "39082468",
    "vat_number": "NL001234567B01",
    "iban": "NL91ABNA0417164300",
    "street": "Educatorenweg 2",
    "city": "Almere",
    "postcode": "1325 AA",
}


async def two_employers_invoiced(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort())
    await billing.feed(ev.enrolled("ENR-ZA"), ev.enrolled("ENR-WF", payers=[OTHER], seat_price_cents=125_000))
    patched = await billing.client.patch(
        "/billing/api/v1/entities/BRIN-25LH", json=SELLER, headers=billing.headers()
    )
    assert patched.status_code == 200, patched.text
    numbers = {d["payer"]["payer_id"]: d["number"] for d in await billing.documents(kind="invoice")}
    return numbers["KVK-39084217"], numbers["KVK-51473920"]


async def test_an_employer_sees_its_own_invoices_only_with_training_amount_and_status(billing):
    own, others = await two_employers_invoiced(billing)
    page = await billing.client.get(
        "/billing/mijn-facturen", headers=billing.headers("employer", "KVK-39084217")
    )
    assert page.status_code == 200
    assert own in page.text and others not in page.text
    assert "Helpende Zorg &amp; Welzijn (derde leerweg)" in page.text  # the training by name
    assert format_eur(250_000) == "€ 2.500,00" and format_eur(250_000) in page.text
    assert "te laat" in page.text  # due on 01-10-2026, the test events' date, and not paid
    assert f"{DOWNLOADS}/{own}/pdf" in page.text and f"{DOWNLOADS}/{own}/ubl" in page.text
    assert "/api/" not in page.text  # the API takes bearer tokens, a browser has the cookie

    theirs = await billing.client.get(
        "/billing/mijn-facturen", headers=billing.headers("employer", "KVK-51473920")
    )
    assert others in theirs.text and own not in theirs.text and format_eur(125_000) in theirs.text


async def test_the_page_is_for_employers(billing):
    await two_employers_invoiced(billing)
    for headers in ({}, billing.headers("finance"), billing.headers("provider")):
        refused = await billing.client.get("/billing/mijn-facturen", headers=headers)
        assert refused.status_code == 403 and "werkgever" in refused.text


async def test_an_employer_gets_the_pdf_and_ubl_of_its_own_invoice_and_never_anothers(billing):
    own, others = await two_employers_invoiced(billing)
    employer = billing.headers("employer", "KVK-39084217")
    pdf = await billing.client.get(f"{DOCUMENTS}/{own}/pdf", headers=employer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    ubl = await billing.client.get(f"{DOCUMENTS}/{own}/ubl", headers=employer)
    assert ubl.status_code == 200 and own.encode() in ubl.content
    detail = await billing.client.get(f"{DOCUMENTS}/{own}", headers=employer)
    assert detail.status_code == 200 and detail.json()["payer"]["payer_id"] == "KVK-39084217"
    for path in ("", "/pdf", "/ubl"):
        refused = await billing.client.get(f"{DOCUMENTS}/{others}{path}", headers=employer)
        assert refused.status_code == 404, path  # another organisation's invoice does not exist for you
    # the lists, credit notes and writes stay with finance
    listed = await billing.client.get("/billing/api/v1/entities/BRIN-25LH/invoices", headers=employer)
    assert listed.status_code == 403


async def test_an_invoice_to_the_employers_kvk_under_another_payer_id_is_its_own(billing):
    """Finance may register the payer under its own id; the KvK number on the invoice decides."""
    renamed = ev.EMPLOYER | {"payer_id": "debiteur-0042"}
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort())
    await billing.feed(ev.enrolled("ENR-R", payers=[renamed]))
    (invoice,) = await billing.documents(kind="invoice")
    employer = billing.headers("employer", "KVK-39084217")
    assert (
        await billing.client.get(f"{DOCUMENTS}/{invoice['number']}/pdf", headers=employer)
    ).status_code == 200
    other = billing.headers("employer", "KVK-51473920")
    assert (
        await billing.client.get(f"{DOCUMENTS}/{invoice['number']}/pdf", headers=other)
    ).status_code == 404


async def test_the_session_cookie_opens_the_page_downloads_and_never_the_api(billing):
    """The JSON API takes bearer tokens only, reads too; the PDF and UBL the page links to come
    from page routes that read the session cookie and keep the API's role and organisation rule."""
    own, others = await two_employers_invoiced(billing)
    billing.client.cookies.set(
        TOKEN_COOKIE, issue_dev_token(billing.settings, role="employer", org="KVK-39084217")
    )
    try:
        by_cookie = await billing.client.get(f"{DOCUMENTS}/{own}/pdf")
        assert by_cookie.status_code == 401
        assert by_cookie.headers["content-type"] == "application/problem+json"
        assert "Bearer token" in by_cookie.json()["detail"]
        pdf = await billing.client.get(f"{DOWNLOADS}/{own}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        ubl = await billing.client.get(f"{DOWNLOADS}/{own}/ubl?customization=nlcius")
        assert ubl.status_code == 200 and own.encode() in ubl.content
        assert (await billing.client.get(f"{DOWNLOADS}/{others}/pdf")).status_code == 404
        billing.client.cookies.set(
            TOKEN_COOKIE, issue_dev_token(billing.settings, role="provider", org="BRIN-25LH")
        )
        assert (await billing.client.get(f"{DOWNLOADS}/{own}/pdf")).status_code == 403  # not a reader
    finally:
        billing.client.cookies.clear()
    assert (await billing.client.get(f"{DOWNLOADS}/{own}/pdf")).status_code == 401  # signed out
