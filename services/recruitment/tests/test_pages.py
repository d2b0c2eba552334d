"""Dutch pages: the public application form (plain messages, nothing stored half), the campaign
dashboard with its charts, and the intake worklist."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import campaign_body
from services.recruitment.tests.support import PROVIDER

API = "/recruitment/api/v1"
GOOD = {
    "name": "Fatima de Vries",
    "email": "fatima@voorbeeld.nl",
    "phone": "06 12345678",
    "postcode": "1315ab",
    "consent": "ja",
}


@pytest.fixture
async def campaign_id(service, today):
    cohort = CohortSeats(
        "coh-p1", PROVIDER, capacity=16, break_even=12, decision_date=today + timedelta(days=90)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    created = await service.client.post(
        f"{API}/campaigns", json=campaign_body("coh-p1", today), headers=service.auth()
    )
    cid = created.json()["campaign_id"]
    await service.client.post(f"{API}/campaigns/{cid}/launch", headers=service.auth())
    return cid


async def _count(service) -> int:
    return (await service.client.get(f"{API}/applications", headers=service.auth())).json()["total"]


async def test_the_form_attributes_campaign_and_channel_from_the_link(service, campaign_id):
    page = await service.client.get(f"/recruitment/aanmelden?campaign={campaign_id}&channel=uwv")
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    assert 'name="viewport"' in page.text and 'value="uwv"' in page.text
    posted = await service.client.post(
        "/recruitment/aanmelden",
        data=GOOD | {"campaign": campaign_id, "channel": "uwv", "cohort_id": "coh-p1"},
    )
    assert posted.status_code == 303 and posted.headers["location"].startswith("/recruitment/aanmelding/")
    items = (await service.client.get(f"{API}/applications", headers=service.auth())).json()["items"]
    assert len(items) == 1
    assert (items[0]["campaign_id"], items[0]["channel"], items[0]["source"]) == (
        campaign_id,
        "uwv",
        "portal",
    )
    full = (
        await service.client.get(f"{API}/applications/{items[0]['application_id']}", headers=service.auth())
    ).json()
    assert full["applicant"]["postcode"] == "1315 AB" and full["consent"]["given_at"]
    await service.settle()
    received = service.published("recruitment.application.v1", "ApplicationReceived")
    assert len(received) == 1 and "fatima" not in str(received).lower()


async def test_the_applicant_gets_a_reference_and_a_personal_link_that_shows_the_stage(service, campaign_id):
    posted = await service.client.post(
        "/recruitment/aanmelden", data=GOOD | {"campaign": campaign_id, "cohort_id": "coh-p1"}
    )
    confirmation = await service.client.get(posted.headers["location"])
    assert confirmation.status_code == 200 and "Uw kenmerk" in confirmation.text
    status_path = posted.headers["location"].removesuffix("/bedankt")
    assert f'href="{status_path}"' in confirmation.text
    [item] = (await service.client.get(f"{API}/applications", headers=service.auth())).json()["items"]
    app_id = item["application_id"]
    shown = re.search(r'class="reference" translate="no">([0-9A-F]{4}-[0-9A-F]{4})<', confirmation.text)
    reference = shown.group(1)

    status = await service.client.get(status_path)
    assert status.status_code == 200 and reference in status.text and "Stand: Aangemeld" in status.text
    assert "Fatima de Vries" not in status.text  # the link shows the stage, not the person
    await service.client.post(
        "/recruitment/demo/sign-in", data={"user": "aanbieder", "next": "/recruitment/"}
    )
    found = await service.client.get("/recruitment/intake", params={"zoek": reference.lower()})
    assert "Fatima de Vries" in found.text  # the provider finds the person by the reference
    await service.client.post(
        f"/recruitment/intake/{app_id}", data={"to": "intake_planned", "zoek": reference}
    )
    assert "Stand: Intake gepland" in (await service.client.get(status_path)).text

    guessed = await service.client.get(status_path[:-3] + "abc")
    assert guessed.status_code == 404 and "Deze aanmelding vinden we niet" in guessed.text
    erased = await service.client.delete(f"{API}/applications/{app_id}/personal-data", headers=service.auth())
    assert erased.status_code in (200, 204)
    assert (await service.client.get(status_path)).status_code == 404  # forgotten: the link ends


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Vul uw naam in"),
        ({"email": "fatima-at-voorbeeld"}, "Vul een geldig e-mailadres in"),
        ({"phone": "bel me"}, "Vul een geldig telefoonnummer in"),
        ({"postcode": "ABC"}, "Vul een geldige postcode in"),
        ({"consent": ""}, "Zet een vinkje als u akkoord gaat"),
        ({"cohort_id": "other"}, "Kies wanneer u wilt beginnen"),
    ],
)
async def test_bad_input_gets_a_clear_dutch_message_and_nothing_is_stored(
    service, campaign_id, change, message
):
    data = GOOD | {"campaign": campaign_id, "channel": "uwv", "cohort_id": "coh-p1"} | change
    response = await service.client.post("/recruitment/aanmelden", data=data)
    assert response.status_code == 422
    assert message in response.text and "Uw aanmelding is nog niet verstuurd" in response.text
    if "cohort_id" not in change:  # a one-cohort campaign carries the cohort in a hidden field
        assert 'aria-invalid="true"' in response.text
    if change.get("name", None) != "":
        assert "Fatima de Vries" in response.text  # what was typed stays in the form
    assert await _count(service) == 0
    await service.settle()
    assert service.published("recruitment.application.v1") == []


async def test_a_stale_link_says_so_in_dutch(service, campaign_id):
    response = await service.client.get("/recruitment/aanmelden?campaign=gone")
    assert response.status_code == 404 and "Aanmelden is hier niet (meer) mogelijk" in response.text
    await service.client.post(f"{API}/campaigns/{campaign_id}/close", headers=service.auth())
    closed = await service.client.post("/recruitment/aanmelden", data=GOOD | {"campaign": campaign_id})
    assert closed.status_code == 404
    assert await _count(service) == 0


async def test_a_loose_link_with_an_unknown_channel_counts_as_website(service, campaign_id):
    response = await service.client.get("/recruitment/aanmelden?cohort=coh-p1&channel=telepathy")
    assert response.status_code == 200 and 'value="website_form"' in response.text


async def test_the_campaign_dashboard_shows_charts_figures_and_csv_link(service, campaign_id):
    await service.client.post(
        "/recruitment/aanmelden", data=GOOD | {"campaign": campaign_id, "cohort_id": "coh-p1"}
    )
    await service.client.post(
        "/recruitment/demo/sign-in", data={"user": "aanbieder", "next": "/recruitment/"}
    )
    home = await service.client.get("/recruitment/")
    assert "Werving VIG voorjaar" in home.text
    page = await service.client.get(f"/recruitment/campagnes/{campaign_id}")
    assert page.status_code == 200
    assert page.text.count("<svg") == 2 and "Funnel" in page.text and "Bezetting" in page.text
    assert f"/recruitment/campagnes/{campaign_id}/cijfers.csv" in page.text and "/api/" not in page.text
    csv = await service.client.get(f"/recruitment/campagnes/{campaign_id}/cijfers.csv")  # the cookie
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("channel,applications")
    by_cookie = await service.client.get(f"{API}/campaigns/{campaign_id}/figures.csv")
    assert by_cookie.status_code == 401 and "Bearer token" in by_cookie.json()["detail"]
    service.client.cookies.clear()
    assert (await service.client.get(f"/recruitment/campagnes/{campaign_id}/cijfers.csv")).status_code == 401
    bearer = service.auth()
    svg = await service.client.get(f"{API}/campaigns/{campaign_id}/charts/funnel.svg", headers=bearer)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    figures = (await service.client.get(f"{API}/campaigns/{campaign_id}/figures", headers=bearer)).json()
    assert figures["applications"] == 1 and figures["by_channel"]["website_form"]["applications"] == 1
    assert figures["cohort"]["distance_to_break_even"] == 12 and figures["fill_over_time"]


async def test_the_intake_worklist_moves_people_on(service, campaign_id):
    await service.client.post(
        "/recruitment/aanmelden", data=GOOD | {"campaign": campaign_id, "cohort_id": "coh-p1"}
    )
    assert (await service.client.get("/recruitment/intake")).status_code == 401
    await service.client.post(
        "/recruitment/demo/sign-in", data={"user": "aanbieder", "next": "/recruitment/"}
    )
    page = await service.client.get("/recruitment/intake")
    assert "Fatima de Vries" in page.text and "Intake gepland" in page.text
    app_id = (await service.client.get(f"{API}/applications", headers=service.auth())).json()["items"][0][
        "application_id"
    ]
    moved = await service.client.post(f"/recruitment/intake/{app_id}", data={"to": "intake_planned"})
    assert moved.status_code == 303
    no_scores = await service.client.post(f"/recruitment/intake/{app_id}", data={"to": "intake_done"})
    assert "Vul" in no_scores.headers["location"]
    done = await service.client.post(
        f"/recruitment/intake/{app_id}", data={"to": "intake_done", "motivation": "80", "study_skills": "70"}
    )
    assert done.status_code == 303
    data = (await service.client.get(f"{API}/applications/{app_id}", headers=service.auth())).json()
    assert data["stage"] == "intake_done" and data["intake"]["scores"][0]["value"] == 80
