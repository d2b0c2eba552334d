"""The payer register: an invoice whose payer lacks what the e-invoice rules need waits, unnumbered,
in the list to complete; completing the payer issues it with the next number. Invoices are never
addressed to an id."""

from datetime import date

import pytest

from billing.api import payers as payers_api
from tests.fixtures import billing_events as ev

API = "/billing/api/v1/entities/BRIN-25LH"
BOUW = {  # an employer known by name and KvK from the event, but not by address
    "payer_id": "KVK-61234567",
    "kind": "employer",
    "name": "Bouwbedrijf Flevo",
    "scheme": "0106",
    "endpoint": "61234567",
    "share_bp": 10000,
}
BOUW_DETAILS = {
    "name": "Bouwbedrijf Flevo B.V.",
    "kind": "employer",
    "scheme": "0106",
    "endpoint": "61234567",
    "street": "Havenweg 12",
    "postcode": "1314 CA",
    "city": "Almere",
}
ENTITY_SETTINGS = {
    "kvk": "39082468",
    "vat_number": "NL001234567B01",
    "iban": "NL91ABNA0417164300",
    "bic": "ABNANL2A",
    "street": "Educatorenweg 2",
    "city": "Almere",
    "postcode": "1325 AA",
}


@pytest.fixture
async def register(billing, monkeypatch):
    # the day finance completes the register; fixed, so the series (year) does not hang on the clock
    monkeypatch.setattr(payers_api, "today", lambda: date(2026, 9, 3))
    billing.complete_register = False  # these payers wait for finance
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort())
    assert (
        await billing.client.patch(API, json=ENTITY_SETTINGS, headers=billing.headers())
    ).status_code == 200
    return billing


async def numbers(billing):
    return sorted(d["number"] for d in await billing.documents(kind="invoice"))


async def waiting(billing):
    answer = await billing.client.get(f"{API}/waiting-invoices", headers=billing.headers())
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_an_invoice_to_a_payer_without_address_waits_and_is_issued_with_the_next_number(register):
    await register.feed(ev.enrolled("ENR-1"))
    await register.feed(ev.enrolled("ENR-2", payers=[BOUW]))
    await register.feed(ev.enrolled("ENR-3"))
    assert await numbers(register) == ["25LH-PRV-2026-000001", "25LH-PRV-2026-000002"], "no number taken"
    (parked,) = await waiting(register)
    assert parked["payer_id"] == "KVK-61234567"
    assert parked["lacking"] == ["street", "postcode", "city"] and parked["total_cents"] == 250_000
    listed = await register.client.get(f"{API}/invoices", headers=register.headers())
    assert "KVK-61234567" not in {i["payer"]["payer_id"] for i in listed.json()["items"]}

    put = await register.client.put(
        f"{API}/payers/KVK-61234567", json=BOUW_DETAILS, headers=register.headers()
    )
    assert put.status_code == 200, put.text
    assert put.json()["issued"] == ["25LH-PRV-2026-000003"]
    assert await waiting(register) == []
    issued = (await register.documents(_id="seat|ENR-2|KVK-61234567"))[0]
    assert issued["number"] == "25LH-PRV-2026-000003" and issued["issue_date"] == "2026-09-03"
    assert issued["due_date"] == "2026-10-03", "the payment term stays as it was"
    assert issued["payer"]["name"] == "Bouwbedrijf Flevo B.V." and issued["payer"]["street"] == "Havenweg 12"
    again = await register.client.put(
        f"{API}/payers/KVK-61234567", json=BOUW_DETAILS, headers=register.headers()
    )
    assert again.json()["issued"] == [] and await numbers(register) == [
        "25LH-PRV-2026-000001",
        "25LH-PRV-2026-000002",
        "25LH-PRV-2026-000003",
    ]


async def test_a_payer_named_by_its_id_only_waits_for_a_name(register, validator):
    """A surcharge payer used to be invoiced as "KVK-39084217": name, detail and UBL."""
    nameless = {**BOUW, "name": "KVK-61234567"}
    await register.feed(ev.enrolled("ENR-4", payers=[nameless]))
    (parked,) = await waiting(register)
    assert "name" in parked["lacking"]
    put = await register.client.put(
        f"{API}/payers/KVK-61234567", json=BOUW_DETAILS, headers=register.headers()
    )
    (number,) = put.json()["issued"]
    ubl = await register.client.get(f"{API}/documents/{number}/ubl", headers=register.headers())
    assert ubl.status_code == 200, ubl.text
    assert b"<cbc:RegistrationName>Bouwbedrijf Flevo B.V.</cbc:RegistrationName>" in ubl.content
    assert b">KVK-61234567<" not in ubl.content
    assert validator.xsd_errors(ubl.content) == []
    for rule_set, report in validator.schematron(ubl.content).items():
        assert report.fatal == [], rule_set


async def test_a_withdrawal_or_cancellation_drops_what_waited(register):
    await register.feed(ev.enrolled("ENR-5", payers=[BOUW]), ev.withdrawn("ENR-5"))
    assert await waiting(register) == []
    await register.feed(ev.enrolled("ENR-6", payers=[BOUW]), ev.cancelled())
    assert await waiting(register) == []
    put = await register.client.put(
        f"{API}/payers/KVK-61234567", json=BOUW_DETAILS, headers=register.headers()
    )
    assert put.json()["issued"] == [] and await register.documents(kind="invoice") == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Bouw\x0bbedrijf"}, "name"),
        ({"street": "Havenweg\r12"}, "street"),
        ({"city": "Almere\x00"}, "city"),
        ({"postcode": "ABC"}, "postcode"),
        ({"endpoint": "6123456"}, "endpoint"),
        ({"scheme": "0190"}, "endpoint"),
        ({"email": "geen-adres"}, "email"),
    ],
)
async def test_bad_master_data_is_a_422_naming_the_field_and_stores_nothing(register, change, field):
    answer = await register.client.put(
        f"{API}/payers/KVK-61234567", json=BOUW_DETAILS | change, headers=register.headers()
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem.get("field") == field or field in str(problem.get("errors", problem)), problem
    assert await register.db["payers"].find_one({"_id": "BRIN-25LH|KVK-61234567"}) is None


async def test_control_characters_in_the_administration_are_refused(register):
    for field in ("name", "street", "city", "postcode", "account_holder"):
        answer = await register.client.patch(API, json={field: "ROC\x1bvan"}, headers=register.headers())
        assert answer.status_code == 422, field
        assert field in answer.text


async def test_the_register_page_lists_what_to_complete_and_its_form_issues_it(register):
    headers = register.headers()
    await register.feed(ev.enrolled("ENR-7", payers=[BOUW]))
    page = await register.client.get("/billing/betalers", headers=headers)
    assert page.status_code == 200
    assert "Te voltooien" in page.text and "Bouwbedrijf Flevo" in page.text
    assert "plaats, postcode, straat en huisnummer" in page.text
    form = await register.client.get("/billing/betalers/KVK-61234567", headers=headers)
    assert form.status_code == 200 and 'value="61234567"' in form.text
    typed = {
        "name": "Bouwbedrijf Flevo B.V.",
        "kind": "employer",
        "scheme": "0106",
        "endpoint": "61234567",
        "street": "Havenweg 12",
        "postcode": "13145",
        "city": "Almere",
        "country": "NL",
    }
    refused = await register.client.post("/billing/betalers/KVK-61234567", data=typed, headers=headers)
    assert refused.status_code == 422
    assert "Postcode: een Nederlandse postcode zoals 1315 RA" in refused.text
    assert 'value="Havenweg 12"' in refused.text and 'value="13145"' in refused.text, "input is kept"
    assert await register.documents(kind="invoice") == []
    saved = await register.client.post(
        "/billing/betalers/KVK-61234567", data=typed | {"postcode": "1314 ca"}, headers=headers
    )
    assert saved.status_code == 200
    assert "Opgeslagen" in saved.text and "25LH-PRV-2026-000001" in saved.text
    assert await waiting(register) == []
    other = await register.client.get("/billing/betalers", headers=register.headers(role="provider"))
    assert other.status_code == 403


async def test_a_payer_completed_while_its_invoice_is_being_parked_still_gets_it_issued(
    register, monkeypatch
):
    """Finance saves the payer (and finds nothing waiting) between billing's read of the register
    and its write of the waiting invoice: billing reads again after parking and issues it."""
    from billing.usecases import payers

    park = payers.park

    async def finance_completes_first(db, document, extra, missing):  # type: ignore[no-untyped-def]
        details = {k: v for k, v in BOUW_DETAILS.items()}
        await ev.register_payer(db, "BRIN-25LH", "KVK-61234567", details)
        await park(db, document, extra, missing)

    monkeypatch.setattr(payers, "park", finance_completes_first)
    await register.feed(ev.enrolled("ENR-8", payers=[BOUW]))
    assert await waiting(register) == []
    (invoice,) = await register.documents(kind="invoice")
    assert invoice["number"] == "25LH-PRV-2026-000001" and invoice["payer"]["street"] == "Havenweg 12"


async def test_the_register_page_refuses_a_payer_id_the_api_would_refuse(register):
    for path in ("/billing/betalers/a%20b", "/billing/betalers/" + "x" * 101):
        assert (await register.client.get(path, headers=register.headers())).status_code == 404
        posted = await register.client.post(path, data={"name": "X"}, headers=register.headers())
        assert posted.status_code == 404
    assert await register.db["payers"].count_documents({"payer_id": "a b"}) == 0
