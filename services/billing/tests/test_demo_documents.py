"""Every document of the demo, as finance downloads it: the PDF holds what a Dutch finance office
needs (checked on the text pypdf extracts), and the UBL passes the UBL 2.1 XSD, EN 16931, Peppol
BIS 3 (with its Dutch NL-R rules) and SI-UBL 2.0.

Besides the demo's own invoices, the test adds what the demo lacks, the way it happens in
production: private seats paid by commissioners of the matching demo's demands (an employer, UWV,
a municipality: the payer data as their demand names it), a private participant whose details
arrive sealed, a standard-rated invoice and a credit note."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from billing.demo import DEMO_PAYERS, ENTITY_SETTINGS
from llo.embedded import EmbeddedApp
from llo_shared.sealed import seal, sealing_key
from services.billing.tests.pdf_text import missing_fields, pdf_text
from tests.fixtures import billing_events as ev
from tests.fixtures.apps import bearer

API = "/billing/api/v1/entities/BRIN-25LH"
SELLER = ENTITY_SETTINGS | {"name": "ROC van Flevoland"}
PARTICIPANT = {
    "payer_id": "pr-5e1d0c9b8a7f6e5d4c3b",
    "details": {
        "name": "Sanne de Boer",
        "street": "Lindelaan 14",
        "postcode": "1311 AB",
        "city": "Almere",
        "country": "NL",
        "email": "sanne.deboer@example.nl",
    },
}
DEMANDS = ("D-DEMO-003", "D-DEMO-007", "D-DEMO-008")  # an employer, UWV, a municipality
PEPPOL_NETWORK_RULES = {"PEPPOL-EN16931-R004", "PEPPOL-EN16931-R010", "PEPPOL-EN16931-CL008"}


@pytest.fixture
async def demo(settings_overrides):
    keys = {k: settings_overrides[k] for k in ("dev_key_file", "sealing_key_file")}
    app = EmbeddedApp(environment="demo", **keys)
    async with app.running():
        await app.settle()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            yield app, client


def enrolment(cohort: dict[str, Any], payers: list[dict[str, Any]]) -> tuple[str, Any]:
    """ParticipantEnrolled as recruitment publishes it for a private seat."""
    enrolment_id = "enr-" + uuid.uuid4().hex[:16]
    payload = {
        "enrolment_id": enrolment_id,
        "application_id": "app-" + enrolment_id,
        "cohort_id": cohort["_id"],
        "offering_id": cohort["offering_id"],
        "provider_id": "BRIN-25LH",
        "participant_ref": "pr-" + uuid.uuid4().hex[:20],
        "funding_kind": "private",
        "payers": payers,
        "seat_price_cents": cohort["seat_price_cents"],
    }
    return "recruitment.application.v1", ev.envelope(
        "ParticipantEnrolled", "recruitment", enrolment_id, payload
    )


async def add_the_other_document_kinds(app: EmbeddedApp, client: httpx.AsyncClient, headers: dict) -> None:
    billing_db = app.apps["billing"].state.runtime.db
    cohorts = billing_db["cohorts"].find(
        {"provider_id": "BRIN-25LH", "status": {"$in": ["confirmed", "running"]}}
    )
    cohort = (await cohorts.sort("_id", 1).to_list(None))[0]
    demands = (
        await app.apps["matching"].state.runtime.db["demands"].find({"_id": {"$in": DEMANDS}}).to_list(None)
    )
    assert len(demands) == len(DEMANDS), "the matching demo's demands"
    key = sealing_key(app.apps["billing"].state.runtime.settings.sealing_key_file, create=True)
    participant = {
        "payer_id": PARTICIPANT["payer_id"],
        "kind": "participant",
        "name": "Deelnemer",
        "share_bp": 10000,
        "sealed_details": seal(PARTICIPANT["details"], key),
    }
    events = [enrolment(cohort, demand["payers"]) for demand in demands] + [enrolment(cohort, [participant])]
    await app.bus.publish([ev.message(item) for item in events])
    await app.settle()
    gemeente = demands[-1]["payers"][0]["payer_id"]
    standard = {
        "payer_id": gemeente,
        "buyer_reference": "Inkoopnummer 2026-0042",
        "reason": "extra_begeleiding",
        "lines": [
            {
                "description": "Extra taalbegeleiding bij de opleiding, 12 uur",
                "quantity": 12,
                "unit_price_cents": 7_500,
            }
        ],
    }
    created = await client.post(f"{API}/invoices", json=standard, headers=headers)
    assert created.status_code == 201, created.text
    first = (await client.get(f"{API}/invoices?limit=200", headers=headers)).json()["items"][-1]
    credit = {"amount_cents": 1_000, "reason": "Korting na overleg over de planning"}
    credited = await client.post(
        f"{API}/documents/{first['number']}/credit-notes", json=credit, headers=headers
    )
    assert credited.status_code == 201, credited.text


def buyer_of(payer_id: str) -> dict[str, Any]:
    if payer_id == PARTICIPANT["payer_id"]:
        return PARTICIPANT["details"]
    payer = next(p for p in DEMO_PAYERS if p["payer_id"] == payer_id)
    return payer | {"kvk": payer["endpoint"] if payer.get("scheme") == "0106" else None}


async def training_of(app: EmbeddedApp, cohort_id: str | None) -> tuple[str, str, str] | None:
    if not cohort_id:
        return None
    db = app.apps["billing"].state.runtime.db
    cohort = await db["cohorts"].find_one({"_id": cohort_id})
    offering = await db["offerings"].find_one({"_id": cohort["offering_id"]})
    return offering["title"], cohort["start_date"], cohort["end_date"]


async def test_every_document_of_the_demo_is_a_complete_pdf_and_a_valid_e_invoice(demo, validator):
    app, client = demo
    headers = bearer(app.apps["billing"].state.runtime.settings, "finance", "BRIN-25LH")
    await add_the_other_document_kinds(app, client, headers)
    entity = (await client.get(API, headers=headers)).json()
    documents = []
    for kind in ("invoices", "credit-notes"):
        documents += (await client.get(f"{API}/{kind}?limit=200", headers=headers)).json()["items"]
    kinds = {(d["kind"], d["payer"]["kind"], d["lines"][0]["vat_category"]) for d in documents}
    assert {("invoice", k, "E") for k in ("employer", "uwv", "gemeente", "participant")} <= kinds
    assert ("invoice", "gemeente", "S") in kinds and any(k[0] == "credit_note" for k in kinds)

    for doc in documents:
        number, buyer = doc["number"], buyer_of(doc["payer"]["payer_id"])
        pdf = await client.get(f"{API}/documents/{number}/pdf", headers=headers)
        assert pdf.status_code == 200, f"{number}: {pdf.text}"
        training = await training_of(app, doc["cohort_id"])
        seller = SELLER | {"name": entity["name"]}
        assert missing_fields(pdf_text(pdf.content), doc, seller, buyer, training) == [], number

        ubl = await client.get(f"{API}/documents/{number}/ubl", headers=headers)
        assert ubl.status_code == 200, f"{number}: {ubl.text}"
        assert validator.xsd_errors(ubl.content) == [], number
        reports = validator.schematron(ubl.content)
        assert reports["EN16931"].fatal == [], number
        if doc["payer"]["kind"] == "participant":  # not on Peppol: EN 16931 itself, Dutch rules pass
            assert {f.rule for f in reports["Peppol BIS 3"].fatal} <= PEPPOL_NETWORK_RULES, number
            assert not [f for f in reports["Peppol BIS 3"].findings if f.rule.startswith("NL-R")], number
            continue
        assert reports["Peppol BIS 3"].fatal == [], number
        nlcius = await client.get(f"{API}/documents/{number}/ubl?customization=nlcius", headers=headers)
        assert validator.xsd_errors(nlcius.content) == [], number
        for rule_set, report in validator.schematron(nlcius.content, "nlcius").items():
            assert report.fatal == [], f"{number} {rule_set}: {report.fatal}"
