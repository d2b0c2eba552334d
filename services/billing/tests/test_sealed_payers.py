"""A private participant is a real payer: their name and address arrive sealed for billing (a JWE
only billing's key opens), the invoice carries them (UBL and PDF), a token billing cannot open is
a poison event (DLQ with the reason), and erasure keeps issued invoices (fiscal retention) while
the register forgets the person."""

import json

import pytest
from lxml import etree

from llo_shared.sealed import seal, sealing_key
from services.billing.tests.pdf_text import pdf_text
from tests.fixtures import billing_events as ev

API = "/billing/api/v1/entities/BRIN-25LH"
DETAILS = {
    "name": "Fatima el Amrani",
    "street": "Kruidenlaan 7",
    "postcode": "1326 AB",
    "city": "Almere",
    "country": "NL",
    "email": "f.elamrani@example.nl",
}
SETTINGS = {
    "kvk": "39082468",
    "vat_number": "NL001234567B01",
    "iban": "NL91ABNA0417164300",
    "bic": "ABNANL2A",
    "street": "Educatorenweg 2",
    "city": "Almere",
    "postcode": "1325 AA",
}
# The Peppol rules a private person cannot meet: they are not on the Peppol network (no Peppol id,
# no EAS scheme for a person), so their invoice follows EN 16931 itself (CustomizationID).
PEPPOL_NETWORK_RULES = {"PEPPOL-EN16931-R004", "PEPPOL-EN16931-R010", "PEPPOL-EN16931-CL008"}


def participant(payer_id, token=None):
    payer = {"payer_id": payer_id, "kind": "participant", "name": "Deelnemer", "share_bp": 10000}
    return payer | ({"sealed_details": token} if token else {})


@pytest.fixture
async def private(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published(), ev.cohort())
    assert (await billing.client.patch(API, json=SETTINGS, headers=billing.headers())).status_code == 200
    billing.key = sealing_key(billing.settings.sealing_key_file, create=True)
    return billing


async def test_a_private_participant_is_invoiced_under_their_own_name_and_address(private, validator):
    token = seal(DETAILS, private.key)
    await private.feed(ev.enrolled("ENR-P1", payers=[participant("pr-7c1e2a9b0d3f4e5a6b7c", token)]))
    (invoice,) = await private.documents(kind="invoice")
    assert {k: invoice["payer"][k] for k in DETAILS} == DETAILS
    assert "Fatima" not in json.dumps([m.value.decode() for m in private.published]), (
        "only ciphertext on the bus"
    )
    stored = await private.db["enrolments"].find_one({"_id": "ENR-P1"})
    assert "sealed_details" not in stored["payers"][0], "the sealed text is not kept"

    headers = private.headers()
    ubl = await private.client.get(f"{API}/documents/{invoice['number']}/ubl", headers=headers)
    assert ubl.status_code == 200, ubl.text
    root = etree.fromstring(ubl.content)
    customer = root.find("{*}AccountingCustomerParty/{*}Party")
    assert customer.findtext("{*}PartyLegalEntity/{*}RegistrationName") == "Fatima el Amrani"
    assert customer.findtext("{*}PostalAddress/{*}StreetName") == "Kruidenlaan 7"
    assert validator.xsd_errors(ubl.content) == []
    reports = validator.schematron(ubl.content)
    assert reports["EN16931"].fatal == []
    peppol = {f.rule for f in reports["Peppol BIS 3"].fatal}
    assert peppol <= PEPPOL_NETWORK_RULES, peppol
    assert not [f for f in reports["Peppol BIS 3"].findings if f.rule.startswith("NL-R")], "Dutch rules pass"
    nlcius = await private.client.get(
        f"{API}/documents/{invoice['number']}/ubl?customization=nlcius", headers=headers
    )
    assert nlcius.status_code == 409 and "BR-NL-10" in nlcius.json()["detail"]

    pdf = await private.client.get(f"{API}/documents/{invoice['number']}/pdf", headers=headers)
    text = pdf_text(pdf.content)
    assert "Fatima el Amrani" in text and "Kruidenlaan 7" in text and "1326 AB Almere" in text


async def test_details_arriving_later_issue_the_invoice_that_waited_for_them(private):
    await private.feed(ev.enrolled("ENR-P2", payers=[participant("pr-11112222333344445555")]))
    assert await private.documents(kind="invoice") == []
    waiting = await private.client.get(f"{API}/waiting-invoices", headers=private.headers())
    assert waiting.json()["items"][0]["lacking"] == ["name", "street", "postcode", "city"]
    token = seal(DETAILS | {"name": "Jan de Vries"}, private.key)
    await private.feed(ev.enrolled("ENR-P3", payers=[participant("pr-11112222333344445555", token)]))
    invoices = await private.documents(kind="invoice")
    assert sorted(d["number"] for d in invoices) == ["25LH-PRV-2026-000001", "25LH-PRV-2026-000002"]
    assert {d["payer"]["name"] for d in invoices} == {"Jan de Vries"}


@pytest.mark.parametrize(
    "token",
    ["not-a-jwe", "a.b.c.d.e", None],
    ids=["garbage", "five parts", "sealed for another key"],
)
async def test_a_token_billing_cannot_open_is_a_poison_event_in_the_dlq(private, token):
    if token is None:
        other = sealing_key(private.settings.sealing_key_file.with_name("other.pem"), create=True)
        token = seal(DETAILS, other)
    await private.feed(
        ev.enrolled("ENR-BAD", payers=[participant("pr-99998888777766665555", token)]),
        ev.enrolled("ENR-GOOD"),
    )
    dead = await private.runtime.bus.dead_letters()
    assert len(dead) == 1, [d.error for d in dead]
    assert "UnreadableDetails" in dead[0].error and "cannot be opened" in dead[0].error
    assert "Fatima" not in dead[0].error
    (invoice,) = await private.documents(kind="invoice")
    assert invoice["enrolment_id"] == "ENR-GOOD", "the consumer went on"
    assert await private.db["payers"].find_one({"payer_id": "pr-99998888777766665555"}) is None


async def test_erasure_keeps_issued_invoices_and_forgets_the_rest(private):
    token = seal(DETAILS, private.key)
    await private.feed(
        ev.enrolled("ENR-E1", payers=[participant("pr-aaaabbbbccccddddeeee", token)]),
        ev.enrolled("ENR-E2", payers=[participant("pr-ffff0000111122223333")]),  # waits: no details
    )
    for ref in ("pr-aaaabbbbccccddddeeee", "pr-ffff0000111122223333"):
        payload = {"participant_ref": ref, "application_id": "APP-" + ref}
        await private.feed(
            ("recruitment.application.v1", ev.envelope("ParticipantErased", "recruitment", ref, payload))
        )
    assert await private.db["payers"].count_documents({"kind": "participant"}) == 0
    assert await private.db["waiting_invoices"].count_documents({}) == 0
    (invoice,) = await private.documents(kind="invoice")
    assert invoice["payer"]["name"] == "Fatima el Amrani", "an issued invoice is kept for 7 years"
    pdf = await private.client.get(f"{API}/documents/{invoice['number']}/pdf", headers=private.headers())
    assert "Kruidenlaan 7" in pdf_text(pdf.content)


async def test_the_invoice_page_names_the_participant_and_offers_the_pdf(private):
    token = seal(DETAILS, private.key)
    await private.feed(ev.enrolled("ENR-P4", payers=[participant("pr-4444555566667777aaaa", token)]))
    (invoice,) = await private.documents(kind="invoice")
    page = await private.client.get(f"/billing/facturen/{invoice['number']}", headers=private.headers())
    assert page.status_code == 200
    assert "Fatima el Amrani" in page.text and "Kruidenlaan 7, 1326 AB Almere" in page.text
    assert "1 september 2026" in page.text and "EN 16931" in page.text and "nlcius" not in page.text
    listed = await private.client.get("/billing/facturen", headers=private.headers())
    assert "Fatima el Amrani" in listed.text and "pr-4444555566667777aaaa" not in listed.text


async def test_a_placed_candidates_erasure_forgets_them_as_payer_too(private):
    """A person placed by matching pays under their candidate ref: CandidateErased is their erasure."""
    token = seal(DETAILS, private.key)
    await private.feed(ev.enrolled("ENR-C1", payers=[participant("K-DEMO-0042", token)]))
    assert await private.db["payers"].count_documents({"payer_id": "K-DEMO-0042"}) == 1
    erased = ev.envelope("CandidateErased", "matching", "K-DEMO-0042", {"candidate_ref": "K-DEMO-0042"})
    await private.feed(("matching.candidate.v1", erased))
    assert await private.db["payers"].count_documents({"payer_id": "K-DEMO-0042"}) == 0
    (invoice,) = await private.documents(kind="invoice")
    assert invoice["payer"]["name"] == "Fatima el Amrani"
