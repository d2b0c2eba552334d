"""Erasure, checked where the data lives: a self-paying participant applies, is enrolled and
invoiced, then asks to be forgotten. Afterwards every document of every service's database is
searched for her name, e-mail address, street and phone number. The law keeps exactly one place:
billing's issued invoice (fiscal retention, 7 years; docs/privacy.md). Everything else is gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from llo.embedded import EmbeddedApp
from tests.fixtures.apps import bearer
from tests.fixtures.catalogue_data import PRIVATE_OFFERING
from tests.fixtures.recruitment_data import INTAKE
from tests.support import eventually

PROVIDER = "BRIN-25LH"
NAME = "Quirine Zwanenburg-Oudeweg"
EMAIL = "quirine.zwanenburg@voorbeeld.nl"
PHONE = "06-48213377"
STREET = "Kwikstaartlaan 93"


def cohort(offering_id: str) -> dict[str, Any]:
    return {
        "cohort_id": "coh-erasure",
        "offering_id": offering_id,
        "start_date": "2031-02-01",
        "end_date": "2031-06-30",
        "decision_date": "2031-01-10",
        "municipality": "Almere",
        "postcode": "1315",
        "capacity": 12,
        "break_even": 2,
        "seat_price_cents": 150_000,
    }


async def where_found(app: EmbeddedApp, needles: tuple[str, ...]) -> set[tuple[str, str, str]]:
    """(service, collection, needle) for every stored document holding one of the needles."""
    found = set()
    for service, service_app in app.apps.items():
        db = service_app.state.runtime.db
        for collection in await db.list_collection_names():
            for document in await db[collection].find({}).to_list(None):
                text = json.dumps(document, default=str, ensure_ascii=False)
                found |= {(service, collection, needle) for needle in needles if needle in text}
    return found


def in_billing_documents(found: set[tuple[str, str, str]]) -> Iterator[tuple[str, str, str]]:
    return (hit for hit in found if hit[:2] == ("billing", "documents"))


async def test_after_erasure_only_the_issued_invoice_keeps_the_person(dev_key_file):
    app = EmbeddedApp(environment="test", dev_key_file=dev_key_file)
    settings = app.apps["catalogue"].state.settings
    provider = bearer(settings, "provider", PROVIDER, "flevoland")
    finance = bearer(settings, "finance", PROVIDER, "flevoland")
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            body = {
                "provider_id": PROVIDER,
                "name": "ROC van Flevoland",
                "kind": "roc",
                "institution_code": "25LH",
                "regions": ["flevoland"],
            }
            assert (await http.post("/catalogue/api/v1/providers", json=body, headers=provider)).is_success
            offering = await http.post("/catalogue/api/v1/offerings", json=PRIVATE_OFFERING, headers=provider)
            offering_id = offering.json()["offering_id"]
            created = await http.post("/catalogue/api/v1/cohorts", json=cohort(offering_id), headers=provider)
            assert created.status_code == 201, created.text
            recruitment = app.apps["recruitment"].state.recruitment
            await eventually(
                lambda: recruitment.cohort("coh-erasure"), what="the start moment in recruitment"
            )

            form = {
                "cohort_id": "coh-erasure",
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "consent": "ja",
                "betaler": "ikzelf",
                "factuur_straat": STREET,
                "factuur_postcode": "1315 ZZ",
                "factuur_plaats": "Almere",
                "factuur_email": EMAIL,
            }
            sent = await http.post("/recruitment/aanmelden", data=form)
            assert sent.status_code == 303, sent.text
            listed = await http.get("/recruitment/api/v1/applications", headers=provider)
            [application] = [a for a in listed.json()["items"] if a["cohort_id"] == "coh-erasure"]
            app_id = application["application_id"]
            for step in (
                {"to": "intake_planned", "note": f"gebeld op {PHONE}"},
                {"to": "intake_done", "intake": INTAKE},
                {"to": "admitted"},
                {"to": "enrolment_requested"},
            ):
                moved = await http.post(
                    f"/recruitment/api/v1/applications/{app_id}/transitions", json=step, headers=provider
                )
                assert moved.status_code == 200, moved.text

            async def invoiced() -> bool:  # issued, not waiting on the list to complete
                listed = await http.get(f"/billing/api/v1/entities/{PROVIDER}/invoices", headers=finance)
                return listed.json()["total"] == 1

            await eventually(invoiced, what="her invoice issued")

            needles = (NAME, EMAIL, STREET, PHONE)
            before = await where_found(app, needles)
            assert {service for service, _, _ in before} >= {"recruitment", "billing"}

            erased = await http.delete(
                f"/recruitment/api/v1/applications/{app_id}/personal-data", headers=provider
            )
            assert erased.status_code == 200, erased.text

            async def forgotten() -> bool:
                found = await where_found(app, (EMAIL,))
                return not any(service == "billing" and name == "payers" for service, name, _ in found)

            await eventually(forgotten, what="billing to forget her register entry")
            await app.settle()

            after = await where_found(app, needles)
            kept = set(in_billing_documents(after))
            assert after == kept, f"still held after erasure: {sorted(after - kept)}"
            # the invoice's buyer: name, address and the e-mail address it was sent to
            assert {needle for _, _, needle in kept} == {NAME, STREET, EMAIL}
