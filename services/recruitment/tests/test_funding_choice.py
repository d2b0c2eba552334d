"""Funding is an explicit choice at admission, within what the cohort offers (issue 11 item 3):
no pre-set value, only the kinds the catalogue offers, and refusals in plain Dutch."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote_plus

from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import INTAKE, applicant_body
from services.recruitment.tests.support import PROVIDER, RMT, Service

API = "/recruitment/api/v1"


async def _admitted(service: Service, cohort: CohortSeats) -> str:
    await service.catalogue.schedule(cohort)
    await service.settle()
    created = await service.client.post(
        f"{API}/applications", json=applicant_body(cohort.cohort_id), headers=service.auth("rmt", RMT)
    )
    app_id = created.json()["application_id"]
    for step in ({"to": "intake_planned"}, {"to": "intake_done", "intake": INTAKE}, {"to": "admitted"}):
        moved = await service.client.post(
            f"{API}/applications/{app_id}/transitions", json=step, headers=service.auth()
        )
        assert moved.status_code == 200, moved.text
    return app_id


def _private_course(today, **changes) -> CohortSeats:
    fields = {"capacity": 10, "break_even": 6, "funding_kinds": ["private"]} | changes
    return CohortSeats("coh-cursus", PROVIDER, decision_date=today + timedelta(days=60), **fields)


async def _sign_in(service: Service) -> None:
    await service.client.post(
        "/recruitment/demo/sign-in", data={"user": "aanbieder", "next": "/recruitment/"}
    )


def _funding_select(html: str) -> str:
    match = re.search(r'<select id="financiering-[^"]+" name="funding_kind">(.*?)</select>', html, re.S)
    assert match, "the admitted row has a funding select"
    return match.group(1)


async def test_the_worklist_asks_for_funding_with_a_label_no_default_and_only_what_is_offered(service, today):
    app_id = await _admitted(service, _private_course(today))
    await _sign_in(service)
    page = (await service.client.get("/recruitment/intake")).text
    assert f'<label for="financiering-{app_id}">Financiering</label>' in page
    options = re.findall(r'<option value="([^"]*)"( selected)?>', _funding_select(page))
    assert options == [("", " selected"), ("private", "")]  # no funded kind on a private course


async def test_the_worklist_offers_every_kind_the_cohort_offers(service, today):
    cohort = _private_course(today, funding_kinds=["funded_bbl", "private"])
    await _admitted(service, cohort)
    await _sign_in(service)
    options = re.findall(
        r'<option value="([^"]*)"', _funding_select((await service.client.get("/recruitment/intake")).text)
    )
    assert options == ["", "funded_bbl", "private"]


async def test_a_funded_seat_on_a_private_course_is_refused_in_dutch_and_nothing_is_requested(service, today):
    app_id = await _admitted(service, _private_course(today))
    await _sign_in(service)
    nothing = await service.client.post(f"/recruitment/intake/{app_id}", data={"to": "enrolment_requested"})
    assert unquote_plus(nothing.headers["location"]).endswith("Kies eerst de financiering van de plaats.")
    funded = await service.client.post(
        f"/recruitment/intake/{app_id}", data={"to": "enrolment_requested", "funding_kind": "funded_bol"}
    )
    message = unquote_plus(funded.headers["location"])
    assert "Dit startmoment heeft geen bekostigde plaatsen (BOL)" in message and "private plaatsen" in message
    await service.settle()
    assert service.published("recruitment.application.v1", "EnrolmentRequested") == []
    page = (
        await service.client.get(f"/recruitment/intake?message={funded.headers['location'].split('=', 1)[1]}")
    ).text
    assert "Dit startmoment heeft geen bekostigde plaatsen (BOL)" in page

    private = await service.client.post(
        f"/recruitment/intake/{app_id}", data={"to": "enrolment_requested", "funding_kind": "private"}
    )
    assert unquote_plus(private.headers["location"]).endswith("Opgeslagen.")
    await service.settle()
    [requested] = service.published("recruitment.application.v1", "EnrolmentRequested")
    assert requested["payload"]["funding_kind"] == "private"


async def test_the_api_refuses_a_funding_kind_the_cohort_does_not_offer_naming_the_field(service, today):
    app_id = await _admitted(service, _private_course(today))
    refused = await service.client.post(
        f"{API}/applications/{app_id}/transitions",
        json={"to": "enrolment_requested", "funding": {"funding_kind": "funded_bbl"}},
        headers=service.auth(),
    )
    assert refused.status_code == 422
    assert "funding.funding_kind" in refused.text


async def test_the_catalogues_funding_refusal_ends_the_request_with_its_code_and_shows_on_the_worklist(
    service, today
):
    # The read model does not know what the cohort offers (an older event): the catalogue decides.
    app_id = await _admitted(service, _private_course(today, funding_kinds=None, refuses=["funded_bol"]))
    moved = await service.client.post(
        f"{API}/applications/{app_id}/transitions",
        json={"to": "enrolment_requested", "funding": {"funding_kind": "funded_bol"}},
        headers=service.auth(),
    )
    assert moved.status_code == 200
    await service.settle()
    data = (await service.client.get(f"{API}/applications/{app_id}", headers=service.auth())).json()
    last = data["history"][-1]
    assert (data["stage"], last["reason"], last["note"]) == (
        "rejected",
        "financing",
        "seat rejected: funding_not_offered",
    )
    await _sign_in(service)
    page = (await service.client.get("/recruitment/intake")).text
    assert "Plaats geweigerd om de financiering" in page and "Test Persoon 1" in page
