"""The payer of a private seat is a real party (issue 11 item 4): the person says who pays, a person
who pays themselves gives invoice details, and those reach billing sealed; no event carries the
person's name, address or e-mail (issue 12)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from llo_shared.sealed import sealing_key, unseal
from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import INTAKE, applicant_body
from services.recruitment.tests.support import PROVIDER, RMT, Service

API = "/recruitment/api/v1"
TOPIC = "recruitment.application.v1"
INVOICE = {
    "name": "Fatima de Vries",
    "street": "Stationsstraat 12",
    "postcode": "1315ab",
    "city": "Almere",
    "email": "fatima.factuur@voorbeeld.nl",
}
PERSONAL = ("Fatima", "Vries", "Stationsstraat", "1315", "voorbeeld.nl", "Test Persoon")
FORM = {
    "name": "Fatima de Vries",
    "email": "fatima@voorbeeld.nl",
    "consent": "ja",
    "betaler": "ikzelf",
    "factuur_straat": "Stationsstraat 12",
    "factuur_postcode": "1315 AB",
    "factuur_plaats": "Almere",
}


@pytest.fixture
async def cohort(service: Service, today) -> str:
    seats = CohortSeats(
        "coh-pay", PROVIDER, capacity=5, break_even=3, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(seats)
    await service.settle()
    return seats.cohort_id


def _opened(payer: dict, key_file) -> dict:
    return unseal(payer["sealed_details"], sealing_key(key_file, create=False))


def _no_personal_data(service: Service) -> None:
    for topic in (TOPIC, "recruitment.campaign.v1", "catalogue.cohort.v1"):
        raw = json.dumps(service.published(topic))
        assert not [word for word in PERSONAL if word in raw], topic


async def _through_intake(service: Service, app_id: str) -> None:
    for step in ({"to": "intake_planned"}, {"to": "intake_done", "intake": INTAKE}, {"to": "admitted"}):
        moved = await service.client.post(
            f"{API}/applications/{app_id}/transitions", json=step, headers=service.auth()
        )
        assert moved.status_code == 200, moved.text


async def test_a_person_paying_themselves_reaches_billing_sealed_and_by_pseudonym(
    service, cohort, sealing_key_file
):
    body = applicant_body(cohort) | {"payer": {"who": "self", "invoice": INVOICE}}
    created = await service.client.post(f"{API}/applications", json=body, headers=service.auth("rmt", RMT))
    assert created.status_code == 201, created.text
    app_id = created.json()["application_id"]
    await _through_intake(service, app_id)
    requested = await service.client.post(
        f"{API}/applications/{app_id}/transitions", json={"to": "enrolment_requested"}, headers=service.auth()
    )
    assert requested.status_code == 200, requested.text  # the payer the person named is the seat's payer
    await service.settle()

    [enrolled] = service.published(TOPIC, "ParticipantEnrolled")
    [payer] = enrolled["payload"]["payers"]
    ref = enrolled["payload"]["participant_ref"]
    assert (payer["payer_id"], payer["name"], payer["kind"], payer["share_bp"]) == (
        ref,
        ref,
        "participant",
        10000,
    )
    assert _opened(payer, sealing_key_file) == INVOICE | {"postcode": "1315 AB", "country": "NL"}
    [request] = service.published(TOPIC, "EnrolmentRequested")
    assert request["payload"]["payers"][0]["sealed_details"]
    _no_personal_data(service)
    # The provider sees who pays on the application; that stays in recruitment's store.
    shown = (await service.client.get(f"{API}/applications/{app_id}", headers=service.auth())).json()
    assert shown["payer"]["invoice"]["street"] == "Stationsstraat 12"


async def test_a_name_sent_for_a_paying_person_is_replaced_by_the_pseudonym(service, cohort):
    created = await service.client.post(
        f"{API}/applications", json=applicant_body(cohort), headers=service.auth("rmt", RMT)
    )
    app_id = created.json()["application_id"]
    await _through_intake(service, app_id)
    funding = {
        "funding_kind": "private",
        "payers": [
            {"payer_id": "Test Persoon 1", "kind": "participant", "name": "Test Persoon 1", "share_bp": 10000}
        ],
    }
    requested = await service.client.post(
        f"{API}/applications/{app_id}/transitions",
        json={"to": "enrolment_requested", "funding": funding},
        headers=service.auth(),
    )
    assert requested.status_code == 200, requested.text
    await service.settle()
    [enrolled] = service.published(TOPIC, "ParticipantEnrolled")
    assert enrolled["payload"]["payers"][0]["name"] == enrolled["payload"]["participant_ref"]
    _no_personal_data(service)


async def test_an_employer_payer_is_named_with_its_kvk_number(service, cohort):
    payer = {"who": "employer", "organisation": "Zorggroep Almere", "kvk": "39084217"}
    created = await service.client.post(
        f"{API}/applications",
        json=applicant_body(cohort) | {"payer": payer},
        headers=service.auth("rmt", RMT),
    )
    funding = created.json()["funding"]
    assert funding["payers"] == [
        {
            "payer_id": "KVK-39084217",
            "kind": "employer",
            "name": "Zorggroep Almere",
            "scheme": "0106",
            "endpoint": "39084217",
            "share_bp": 10000,
            "sealed_details": None,
        }
    ]


@pytest.mark.parametrize(
    ("payer", "field"),
    [
        ({"who": "self"}, "invoice"),
        ({"who": "self", "invoice": INVOICE | {"postcode": "12"}}, "postcode"),
        ({"who": "self", "invoice": INVOICE | {"country": "BE"}}, "country"),
        ({"who": "self", "invoice": INVOICE | {"street": "Stationsstraat"}}, "street"),
        ({"who": "employer", "organisation": "Zorggroep Almere", "kvk": "3908"}, "kvk"),
        ({"who": "gemeente"}, "organisation"),
        ({"who": "werkgever"}, "who"),
    ],
)
async def test_incomplete_payers_are_422_naming_the_field(service, cohort, payer, field):
    response = await service.client.post(
        f"{API}/applications",
        json=applicant_body(cohort) | {"payer": payer},
        headers=service.auth("rmt", RMT),
    )
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.startswith("payer.") and f.split(".")[-1] == field for f in fields), fields


async def test_the_form_takes_who_pays_and_the_invoice_address(service, cohort, sealing_key_file):
    sent = await service.client.post("/recruitment/aanmelden", data=FORM | {"cohort_id": cohort})
    assert sent.status_code == 303, sent.text
    [item] = (await service.client.get(f"{API}/applications", headers=service.auth())).json()["items"]
    [payer] = item["funding"]["payers"]
    assert payer["name"] == item["participant_ref"]
    assert _opened(payer, sealing_key_file) == {
        "name": "Fatima de Vries",  # the applicant's own name when the invoice name is left empty
        "street": "Stationsstraat 12",
        "postcode": "1315 AB",
        "city": "Almere",
        "country": "NL",
    }
    await service.settle()
    _no_personal_data(service)


async def test_the_form_says_in_dutch_what_is_missing_and_keeps_what_was_typed(service, cohort):
    response = await service.client.post(
        "/recruitment/aanmelden",
        data=FORM | {"cohort_id": cohort, "factuur_straat": "", "factuur_postcode": "99"},
    )
    assert response.status_code == 422
    assert "Vul straat en huisnummer in, bijvoorbeeld Stationsstraat 12." in response.text
    assert "Vul de postcode van het factuuradres in, bijvoorbeeld 1315 AB." in response.text
    assert 'value="Almere"' in response.text and 'value="99"' in response.text
    employer = await service.client.post(
        "/recruitment/aanmelden", data=FORM | {"cohort_id": cohort, "betaler": "werkgever", "kvk": "12"}
    )
    assert "Vul het KvK-nummer van uw werkgever in (8 cijfers)." in employer.text
    assert "Vul de naam in van uw werkgever, gemeente of fonds." in employer.text
    total = (await service.client.get(f"{API}/applications", headers=service.auth())).json()["total"]
    assert total == 0


async def test_the_form_without_a_payer_still_applies(service, cohort):
    data = {k: v for k, v in FORM.items() if not k.startswith(("betaler", "factuur"))}
    sent = await service.client.post("/recruitment/aanmelden", data=data | {"cohort_id": cohort})
    assert sent.status_code == 303
    [item] = (await service.client.get(f"{API}/applications", headers=service.auth())).json()["items"]
    assert item["funding"] is None


async def test_the_intake_worklist_shows_who_pays_as_the_person_said(service, cohort):
    body = applicant_body(cohort) | {
        "payer": {"who": "employer", "organisation": "Zorggroep Almere", "kvk": "39084217"}
    }
    app_id = (
        await service.client.post(f"{API}/applications", json=body, headers=service.auth("rmt", RMT))
    ).json()["application_id"]
    await _through_intake(service, app_id)
    await service.client.post(
        "/recruitment/demo/sign-in", data={"user": "aanbieder", "next": "/recruitment/"}
    )
    page = (await service.client.get("/recruitment/intake")).text
    assert "Betaalt volgens de aanmelding: de werkgever (Zorggroep Almere)" in page
