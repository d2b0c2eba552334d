"""The provider's recruitment pages (issue 10): campaigns created and changed through the pages
(the proposed fill campaign too), course names instead of "Startmoment", the intake worklist with
course, start, contact, filters and search, and the participants of each start moment."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote_plus

from llo_shared.bus import envelope_message
from llo_shared.envelope import EventEnvelope
from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import INTAKE, applicant_body
from services.recruitment.tests.support import PROVIDER, RMT, Service

API = "/recruitment/api/v1"
OTHER = "BRIN-99XX"
COURSE = "Helpende Zorg en Welzijn"


async def _offering(service: Service, offering_id: str = "off-vig", title: str = COURSE) -> None:
    envelope = EventEnvelope(
        event_type="OfferingPublished",
        producer="catalogue",
        aggregate_id=offering_id,
        payload={"offering_id": offering_id, "provider_id": PROVIDER, "title": title},
    )
    await service.bus.publish([envelope_message("catalogue.offering.v1", envelope)])


async def _cohort(service: Service, today, cohort_id="coh-a", days=90, offering_id="off-vig", **more):
    cohort = CohortSeats(
        cohort_id,
        PROVIDER,
        capacity=16,
        break_even=12,
        decision_date=today + timedelta(days=days),
        offering_id=offering_id,
        **more,
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    return cohort


def _campaign_form(**changes) -> dict:
    return {
        "cohort_id": "coh-a",
        "name": "Werving najaar",
        "goal_seats": "5",
        "starts_on": "2030-01-06",
        "ends_on": "2030-02-28",
        "budget": "1.250,50",
        "channels": ["uwv", "gemeente"],
        "target_groups": ["zij_instromers"],
    } | changes


async def test_course_names_come_from_the_offering_events_in_either_order(service, today):
    await _offering(service)
    await _cohort(service, today)
    await _cohort(service, today, "coh-b", offering_id="off-later")
    await _offering(service, "off-later", "Verzorgende IG")
    await service.settle()
    page = await service.client.get("/recruitment/campagnes/nieuw", headers=service.auth())
    assert page.status_code == 200
    assert f"{COURSE} (start " in page.text and "Verzorgende IG (start " in page.text
    assert "Startmoment (start" not in page.text and "coh-a</option>" not in page.text


async def test_a_provider_creates_a_campaign_through_the_page(service, today):
    await _offering(service)
    await _cohort(service, today)
    form = await service.client.get("/recruitment/campagnes/nieuw?startmoment=coh-a", headers=service.auth())
    assert 'value="coh-a" selected' in form.text
    created = await service.client.post(
        "/recruitment/campagnes/nieuw", data=_campaign_form(), headers=service.auth()
    )
    assert created.status_code == 303, created.text
    campaign_id = created.headers["location"].split("/")[-1].split("?")[0]
    data = (await service.client.get(f"{API}/campaigns/{campaign_id}", headers=service.auth())).json()
    assert data["plan"]["budget_cents"] == 125_050 and data["plan"]["goal_seats"] == 5
    assert data["plan"]["channels"] == ["uwv", "gemeente"] and data["status"] == "draft"
    await service.settle()
    assert len(service.published("recruitment.campaign.v1", "CampaignProposed")) == 1
    shown = await service.client.get(created.headers["location"], headers=service.auth())
    assert "Wervingsactie aangemaakt" in shown.text and f"{COURSE} (start " in shown.text
    assert "€ 1.250,50" in shown.text
    home = await service.client.get("/recruitment/", headers=service.auth())
    assert f"{COURSE} (start " in home.text and "Werving najaar" in home.text


async def test_bad_campaign_input_is_answered_in_dutch_naming_the_field_and_kept(service, today):
    await _cohort(service, today)
    bad = _campaign_form(goal_seats="veel", channels=[], ends_on="2029-12-01", budget="duur")
    answer = await service.client.post("/recruitment/campagnes/nieuw", data=bad, headers=service.auth())
    assert answer.status_code == 422
    text = answer.text
    assert "Vul bij het doel (aantal deelnemers) een heel getal in" in text
    assert "Kies bij de kanalen minstens 1" in text
    assert "Vul het budget in euro&#39;s in" in text or "Vul het budget in euro's in" in text
    assert 'value="veel"' in text and 'value="Werving najaar"' in text and 'value="duur"' in text
    assert 'aria-invalid="true"' in text and "Input should" not in text and "cents" not in text
    later = await service.client.post(
        "/recruitment/campagnes/nieuw", data=_campaign_form(ends_on="2029-12-01"), headers=service.auth()
    )
    assert later.status_code == 422 and "De einddatum ligt voor de begindatum" in later.text
    none = await service.client.post(
        "/recruitment/campagnes/nieuw", data=_campaign_form(cohort_id=""), headers=service.auth()
    )
    assert none.status_code == 422 and "Kies het startmoment waarvoor u werft" in none.text
    listed = (await service.client.get(f"{API}/campaigns", headers=service.auth())).json()
    assert listed["total"] == 0


async def test_other_providers_and_other_roles_cannot_create_or_change(service, today):
    await _cohort(service, today)
    foreign = await service.client.post(
        "/recruitment/campagnes/nieuw", data=_campaign_form(), headers=service.auth(org=OTHER)
    )
    assert foreign.status_code == 422 and "Kies een van uw eigen startmomenten" in foreign.text
    for role, org in (("finance", PROVIDER), ("rmt", RMT), ("employer", "KVK-39084217")):
        refused = await service.client.post(
            "/recruitment/campagnes/nieuw", data=_campaign_form(), headers=service.auth(role, org)
        )
        assert refused.status_code == 403, role
    assert (await service.client.get("/recruitment/campagnes/nieuw")).status_code == 401
    assert (await service.client.get(f"{API}/campaigns", headers=service.auth())).json()["total"] == 0


async def test_the_proposed_fill_campaign_is_changed_through_the_page(service, today):
    await _offering(service)
    await _cohort(service, today, "coh-fill", days=10)
    campaign_id = "fill-coh-fill"
    page = await service.client.get(f"/recruitment/campagnes/{campaign_id}", headers=service.auth())
    assert page.status_code == 200 and "Pas het concept aan" in page.text
    assert f"/recruitment/campagnes/{campaign_id}/wijzigen" in page.text
    form = await service.client.get(f"/recruitment/campagnes/{campaign_id}/wijzigen", headers=service.auth())
    assert (
        form.status_code == 200 and f"{COURSE} (start " in form.text and "Voorgestelde vulactie" in form.text
    )
    starts, ends = today.isoformat(), (today + timedelta(days=28)).isoformat()
    changes = _campaign_form(
        name="Vulactie helpende",
        goal_seats="6",
        starts_on=starts,
        ends_on=ends,
        budget="2000",
        channels=["uwv", "alumni", "open_day"],
    )
    foreign = await service.client.post(
        f"/recruitment/campagnes/{campaign_id}/wijzigen", data=changes, headers=service.auth(org=OTHER)
    )
    assert foreign.status_code == 404
    bad = await service.client.post(
        f"/recruitment/campagnes/{campaign_id}/wijzigen",
        data=changes | {"goal_seats": "0"},
        headers=service.auth(),
    )
    assert bad.status_code == 422 and "Het doel (aantal deelnemers) moet 1 of meer zijn" in bad.text
    assert 'value="Vulactie helpende"' in bad.text
    saved = await service.client.post(
        f"/recruitment/campagnes/{campaign_id}/wijzigen", data=changes, headers=service.auth()
    )
    assert saved.status_code == 303
    plan = (await service.client.get(f"{API}/campaigns/{campaign_id}", headers=service.auth())).json()["plan"]
    assert (plan["goal_seats"], plan["budget_cents"], plan["ends_on"]) == (6, 200_000, ends)
    assert plan["channels"] == ["uwv", "alumni", "open_day"]
    await service.client.post(f"{API}/campaigns/{campaign_id}/launch", headers=service.auth())
    late = await service.client.post(
        f"/recruitment/campagnes/{campaign_id}/wijzigen", data=changes, headers=service.auth()
    )
    assert late.status_code == 409 and "Alleen een concept kunt u nog wijzigen" in late.text


async def _apply(service: Service, cohort_id: str, n: int, **changes) -> str:
    body = applicant_body(cohort_id, n, **changes)
    created = await service.client.post(f"{API}/applications", json=body, headers=service.auth("rmt", RMT))
    assert created.status_code == 201, created.text
    return created.json()["application_id"]


async def _step(service: Service, app_id: str, *steps: dict) -> None:
    for step in steps:
        moved = await service.client.post(
            f"{API}/applications/{app_id}/transitions", json=step, headers=service.auth()
        )
        assert moved.status_code == 200, moved.text


async def test_the_worklist_shows_course_start_contact_and_filters(service, today):
    await _offering(service)
    await _offering(service, "off-ig", "Verzorgende IG")
    await _cohort(service, today)
    await _cohort(service, today, "coh-ig", offering_id="off-ig")
    first = await _apply(service, "coh-a", 1)
    await _apply(service, "coh-ig", 2)
    await _step(service, first, {"to": "intake_planned"})
    worklist = (await service.client.get("/recruitment/intake", headers=service.auth())).text
    assert "Test Persoon 1" in worklist and "persoon1@voorbeeld.nl" in worklist
    assert COURSE in worklist and "Verzorgende IG" in worklist and "2 aanmeldingen" in worklist
    for query, shown, hidden in (
        ("stap=intake_planned", "Test Persoon 1", "Test Persoon 2"),
        ("opleiding=off-ig", "Test Persoon 2", "Test Persoon 1"),
        ("zoek=PERSOON2%40voorbeeld", "Test Persoon 2", "Test Persoon 1"),
        ("zoek=persoon+1", "Test Persoon 1", "Test Persoon 2"),
    ):
        page = (await service.client.get(f"/recruitment/intake?{query}", headers=service.auth())).text
        assert shown in page and hidden not in page, query
        assert "1 aanmelding<" in page
    other = (await service.client.get("/recruitment/intake", headers=service.auth(org=OTHER))).text
    assert "Test Persoon" not in other


async def test_the_participants_list_shows_enrolled_requested_and_waitlisted(service, today):
    await _offering(service)
    cohort = CohortSeats(
        "coh-small", PROVIDER, capacity=1, break_even=1, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    admitted = [{"to": "intake_planned"}, {"to": "intake_done", "intake": INTAKE}, {"to": "admitted"}]
    request = {"to": "enrolment_requested", "funding": {"funding_kind": "funded_bol"}}
    enrolled, waiting, asked = [await _apply(service, "coh-small", n) for n in (1, 2, 3)]
    for app_id in (enrolled, waiting):
        await _step(service, app_id, *admitted, request)
        await service.settle()

    async def no_answer_yet(payload: dict) -> None:
        return None

    service.catalogue._decide = no_answer_yet  # the third request still awaits the catalogue
    await _step(service, asked, *admitted, request)
    await service.settle()
    url = "/recruitment/startmomenten/coh-small/deelnemers"
    page = await service.client.get(url, headers=service.auth())
    assert page.status_code == 200
    text = page.text
    assert (
        "Ingeschreven (1)" in text
        and "Op de wachtlijst (1)" in text
        and "Inschrijving aangevraagd (1)" in text
    )
    assert text.index("Test Persoon 1") < text.index("Test Persoon 3") < text.index("Test Persoon 2")
    assert "persoon1@voorbeeld.nl" in text and f"{COURSE} (start " in text
    listing = await service.client.get("/recruitment/startmomenten", headers=service.auth())
    assert url in listing.text and "1 deelnemer van 1" in listing.text
    assert (await service.client.get(url, headers=service.auth(org=OTHER))).status_code == 404
    assert (await service.client.get(url, headers=service.auth("finance", PROVIDER))).status_code == 403
    assert (await service.client.get(url)).status_code == 401


async def test_a_step_on_a_filtered_worklist_comes_back_to_the_same_filter(service, today):
    await _offering(service)
    await _cohort(service, today)
    app_id = await _apply(service, "coh-a", 1)
    page = (
        await service.client.get("/recruitment/intake?stap=interested&zoek=persoon", headers=service.auth())
    ).text
    assert '<input type="hidden" name="stap" value="interested">' in page
    moved = await service.client.post(
        f"/recruitment/intake/{app_id}",
        data={"to": "intake_planned", "stap": "interested", "zoek": "persoon"},
        headers=service.auth(),
    )
    assert moved.status_code == 303
    location = unquote_plus(moved.headers["location"])
    assert location == "/recruitment/intake?message=Opgeslagen.&stap=interested&zoek=persoon"
    stages = (await service.client.get(f"{API}/applications/{app_id}", headers=service.auth())).json()
    assert stages["stage"] == "intake_planned"
    assert "Aangemeld" in page and "Interesse" not in page  # the glossary's word for the stage
