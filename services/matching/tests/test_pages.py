"""The Dutch pages: employer demands with proposals and surcharge, the mobility team's dashboard."""

from __future__ import annotations

from llo_shared.auth import TOKEN_COOKIE, issue_dev_token
from services.matching.tests.test_api import API, candidate_body, demand_body

DAYS = {"start_from": "2027-01-01", "start_until": "2027-06-30"}


def cookie(settings, role, org, region="flevoland"):
    return {TOKEN_COOKIE: issue_dev_token(settings, role=role, org=org, region=region)}


async def test_employer_sees_own_demand_with_proposal_and_surcharge_before_accepting(
    client, settings, catalogue, as_employer, as_rmt
):
    await client.post(f"{API}/demands", json=demand_body(participants=8), headers=as_employer)
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    client.cookies.update(cookie(settings, "employer", "KVK-39084217"))
    page = await client.get("/matching/vragen")
    assert page.status_code == 200
    assert "Helpenden voor onze locaties" in page.text
    assert "€ 7.200,00" in page.text  # (12 - 8) x € 1.800 shown before any acceptance
    assert "Voorstel accepteren" in page.text
    client.cookies.update(cookie(settings, "employer", "KVK-11223344"))
    other = await client.get("/matching/vragen")
    assert "Helpenden voor onze locaties" not in other.text


async def test_demand_form_stores_a_demand_and_reports_bad_input_in_dutch(client, settings):
    client.cookies.update(cookie(settings, "employer", "KVK-39084217"))
    form = {
        "title": "Monteurs warmtepomp",
        "region": "flevoland",
        "municipality": "Almere",
        "participants": "4",
        "max_distance_km": "30",
        "level": "2",
        "budget_euro": "2.500",
        "essential_skills": ["techniek.warmtepomp"],
        **DAYS,
    }
    bad = await client.post(
        "/matching/vragen/nieuw", data=form | {"participants": "0", "budget_euro": "veel"}
    )
    assert bad.status_code == 422 and "Controleer wat u heeft ingevuld" in bad.text
    assert "Het aantal deelnemers moet 1 of meer zijn." in bad.text  # at the field, named in Dutch
    assert "Vul het budget in euro in" in bad.text
    assert 'value="Monteurs warmtepomp"' in bad.text and 'value="veel"' in bad.text  # what was typed stays
    assert "Input should" not in bad.text and "greater_than" not in bad.text
    ok = await client.post("/matching/vragen/nieuw", data=form)
    assert ok.status_code == 303
    page = await client.get(ok.headers["location"])
    assert "Monteurs warmtepomp" in page.text and "€ 2.500,00" in page.text


async def test_dashboard_shows_region_candidates_best_cohorts_with_why_and_fill(
    client, settings, catalogue, as_rmt
):
    await client.post(f"{API}/candidates", json=candidate_body(), headers=as_rmt)
    client.cookies.update(cookie(settings, "rmt", "RMT-FLEVOLAND"))
    page = await client.get("/matching/mobiliteitsteam")
    assert page.status_code == 200
    assert "Waarom?" in page.text and "Past bij de gevraagde vaardigheden" in page.text
    assert "Een plaats kost € 1.800,00 per deelnemer" in page.text  # euros, not cents
    assert "bij ROC van Flevoland" in page.text and "Kandidaat A" in page.text  # names, not ids
    assert "Vulling van groepen" in page.text and '<svg class="chart"' in page.text
    assert "80/80-regel" in page.text
    main = page.text.split("<main", 1)[1].split("</main>")[0]
    for technical in ("COH-ALM-1", "BRIN-25LH", "cents", "essential skills", "wished", "['", "->"):
        assert technical not in main
    client.cookies.update(cookie(settings, "employer", "KVK-39084217"))
    assert "Log in" in (await client.get("/matching/mobiliteitsteam")).text


async def test_a_surcharge_is_accepted_only_after_a_confirmation_that_shows_the_amount(
    client, settings, catalogue, as_employer, as_rmt
):
    demand = (
        await client.post(f"{API}/demands", json=demand_body(participants=8), headers=as_employer)
    ).json()
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    client.cookies.update(cookie(settings, "employer", "KVK-39084217"))
    (proposal,) = (await client.get(f"{API}/group-proposals", headers=as_employer)).json()["items"]
    decide = f"/matching/voorstellen/{proposal['proposal_id']}/besluit"
    accepted = await client.post(decide, data={"demand_id": demand["demand_id"], "decision": "accepteren"})
    assert "Voorstel+geaccepteerd" in accepted.headers["location"]
    one_click = await client.post(decide, data={"demand_id": demand["demand_id"], "decision": "toeslag"})
    confirm_url = one_click.headers["location"]
    assert confirm_url.startswith(f"/matching/voorstellen/{proposal['proposal_id']}/toeslag")
    assert (await client.get(f"{API}/surcharge-acceptances", headers=as_employer)).json().get(
        "items", []
    ) == []
    confirm = await client.get(confirm_url)
    assert "U betaalt hoogstens" in confirm.text and "€ 7.200,00" in confirm.text
    assert "4 lege plaatsen × € 1.800,00" in confirm.text
    form = {"demand_id": demand["demand_id"], "amount_cents": "720000"}
    target = f"/matching/voorstellen/{proposal['proposal_id']}/toeslag"
    unconfirmed = await client.post(target, data=form)
    assert unconfirmed.status_code == 422 and "Vink aan dat u de toeslag betaalt" in unconfirmed.text
    done = await client.post(target, data=form | {"confirmed": "ja"})
    assert "hoogstens+%E2%82%AC+7.200%2C00" in done.headers["location"]
    page = await client.get("/matching/vragen")
    assert "toeslag geaccepteerd tot € 7.200,00" in page.text


async def test_the_mobility_team_registers_a_candidate_with_consent_and_sees_the_best_start_moments(
    client, settings, catalogue
):
    client.cookies.update(cookie(settings, "rmt", "RMT-FLEVOLAND"))
    form = {
        "display_name": "Sem de Boer",
        "municipality": "Lelystad",
        "max_distance_km": "50",
        "available_from": "2027-01-01",
        "available_until": "2027-12-31",
        "target_level": "2",
        "goal_essential_skills": ["zorg.adl"],
    }
    without_consent = await client.post("/matching/mobiliteitsteam/kandidaat", data=form)
    assert without_consent.status_code == 422
    assert (
        "Vraag de kandidaat om toestemming" in without_consent.text
        and 'value="Sem de Boer"' in without_consent.text
    )
    bad_dates = await client.post(
        "/matching/mobiliteitsteam/kandidaat", data=form | {"consent": "ja", "available_until": "2026-01-01"}
    )
    assert bad_dates.status_code == 422 and "&#39;Beschikbaar tot&#39; ligt voor" in bad_dates.text
    registered = await client.post("/matching/mobiliteitsteam/kandidaat", data=form | {"consent": "ja"})
    assert registered.status_code == 303
    page = await client.get(registered.headers["location"])
    assert "<h1>Sem de Boer</h1>" in page.text
    assert "Helpende Zorg &amp; Welzijn" in page.text and "bij ROC van Flevoland" in page.text
    assert "De opleiding leert 1 van de 1 nodige vaardigheden" in page.text
    assert "Plaatsen (kandidaat akkoord)" in page.text  # pooled at once: a proposal to place the person


async def test_a_demand_placed_through_the_page_gets_a_proposal_without_anyone_pressing_a_button(
    client, settings, catalogue
):
    client.cookies.update(cookie(settings, "employer", "KVK-39084217"))
    form = {
        "title": "Helpenden voor de nacht",
        "region": "flevoland",
        "municipality": "Almere",
        "participants": "8",
        "max_distance_km": "30",
        "level": "2",
        "essential_skills": ["zorg.adl"],
        **DAYS,
    }
    placed = await client.post("/matching/vragen/nieuw", data=form)
    page = await client.get(placed.headers["location"])
    assert "Helpenden voor de nacht" in page.text and "Voorstel accepteren" in page.text
    assert "Helpende Zorg &amp; Welzijn" in page.text and "€ 7.200,00" in page.text
