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
    bad = await client.post("/matching/vragen/nieuw", data=form | {"participants": "0"})
    assert bad.status_code == 422 and "Controleer de invoer" in bad.text
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
    assert "Waarom?" in page.text and "Vaardigheden (essentieel)" in page.text
    assert "Vulling van groepen" in page.text and "COH-ALM-1" in page.text
    assert "80/80-regel" in page.text
    client.cookies.update(cookie(settings, "employer", "KVK-39084217"))
    assert "Meld u aan" in (await client.get("/matching/mobiliteitsteam")).text
