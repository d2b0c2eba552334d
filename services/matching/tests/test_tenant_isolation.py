"""One tenant's bad or extreme record never breaks another tenant's pooling, region fill or dashboard."""

from __future__ import annotations

from llo_shared.dates import DAY_MAX, DAY_MIN
from matching.store import CANDIDATES, DEMANDS
from services.matching.tests.catalogue_events import cohort_scheduled, deliver, offering_published
from services.matching.tests.test_api import API, candidate_body, demand_body, post_demand
from services.matching.tests.test_pages import cookie

OTHER = "KVK-11223344"


async def region_answers(client, settings, as_rmt) -> dict:
    """Pooling, region fill and the mobility-team dashboard of flevoland all answer."""
    run = await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    assert run.status_code == 201, run.text
    fill = await client.get(f"{API}/regions/flevoland/fill", headers=as_rmt)
    assert fill.status_code == 200, fill.text
    client.cookies.update(cookie(settings, "rmt", "RMT-FLEVOLAND"))
    page = await client.get("/matching/mobiliteitsteam")
    client.cookies.clear()
    assert page.status_code == 200 and "Vulling van groepen" in page.text
    return run.json()


async def test_patch_refuses_null_for_a_required_field_and_names_it(client, as_employer):
    demand = await post_demand(client, as_employer)
    url = f"{API}/demands/{demand['demand_id']}"
    response = await client.patch(url, json={"max_distance_km": None, "version": 1}, headers=as_employer)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "max_distance_km" and "mag niet leeg" in error["message"]
    cleared = await client.patch(
        url, json={"budget_per_participant_cents": None, "version": 1}, headers=as_employer
    )
    assert cleared.status_code == 200 and cleared.json()["budget_per_participant_cents"] is None


async def test_dates_outside_sane_bounds_are_refused_in_dutch_naming_the_field(client, as_employer, as_rmt):
    early = await client.post(
        f"{API}/demands", json=demand_body(start_from="0001-01-01"), headers=as_employer
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "start_from"
    assert "de datum moet tussen" in early.json()["errors"][0]["message"]
    late_consent = candidate_body(consent={"purpose": "matching", "given_on": "9999-12-31"})
    response = await client.post(f"{API}/candidates", json=late_consent, headers=as_rmt)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent.given_on"


async def test_a_broken_demand_of_one_tenant_is_skipped_and_the_region_still_pools(
    client, app, settings, catalogue, as_employer, as_rmt
):
    """A record stored before the validation existed (null distance, missing dates) is isolated."""
    good = await post_demand(client, as_employer, participants=12)
    db = app.state.runtime.db
    broken = await post_demand(client, as_employer, title="Kapot")
    await db[DEMANDS].update_one(
        {"_id": broken["demand_id"]}, {"$set": {"max_distance_km": None, "commissioner_org": OTHER}}
    )
    await db[DEMANDS].update_one({"_id": broken["demand_id"]}, {"$unset": {"start_until": ""}})
    candidate = await client.post(f"{API}/candidates", json=candidate_body(), headers=as_rmt)
    await db[CANDIDATES].update_one(
        {"_id": candidate.json()["candidate_ref"]}, {"$set": {"profile.available_from": None}}
    )
    run = await region_answers(client, settings, as_rmt)
    assert run["units"] == 1 and run["proposal_ids"]
    proposal = await client.get(f"{API}/group-proposals/{run['proposal_ids'][0]}", headers=as_employer)
    assert [m["ref"] for m in proposal.json()["members"]] == [good["demand_id"]]


async def test_a_tenant_at_every_accepted_bound_leaves_the_region_working(
    client, bus, settings, catalogue, as_employer, as_other_employer, as_rmt
):
    extremes = [
        demand_body(
            max_distance_km=300,
            participants=500,
            start_from=DAY_MIN.isoformat(),
            start_until=DAY_MAX.isoformat(),
            budget_per_participant_cents=100_000_000,
            allow_split=True,
        ),
        demand_body(
            max_distance_km=0.001,
            participants=1,
            start_from=DAY_MAX.isoformat(),
            start_until=DAY_MAX.isoformat(),
            budget_per_participant_cents=0,
        ),
        demand_body(location={"municipality": "Nergens", "lat": -90, "lon": 180}, participants=500),
    ]
    for body in extremes:
        response = await client.post(f"{API}/demands", json=body, headers=as_other_employer)
        assert response.status_code == 201, response.text
    extreme_candidate = candidate_body(
        max_distance_km=300,
        available_from=DAY_MIN.isoformat(),
        available_until=DAY_MAX.isoformat(),
        consent={"purpose": "matching", "given_on": DAY_MIN.isoformat()},
        budget_cents=100_000_000,
        experience_years=60,
    )
    assert (await client.post(f"{API}/candidates", json=extreme_candidate, headers=as_rmt)).status_code == 201
    extreme_cohorts = [
        cohort_scheduled(
            f"COH-EXTREME-{n}",
            "OFF-EXTREME",
            provider_id="BRIN-25LP",
            start_date=day.isoformat(),
            end_date=DAY_MAX.isoformat(),
            decision_date=DAY_MIN.isoformat(),
            capacity=500,
            break_even=500,
            seat_price_cents=100_000_000,
            seats_left=500,
            lat=lat,
            lon=lon,
        )
        for n, (day, lat, lon) in enumerate(((DAY_MIN, 90, 180), (DAY_MAX, -90, -180)))
    ]
    await deliver(bus, offering_published("OFF-EXTREME", provider_id="BRIN-25LP"), *extreme_cohorts)
    mine = await post_demand(client, as_employer, participants=12)
    await region_answers(client, settings, as_rmt)
    matches = await client.get(f"{API}/demands/{mine['demand_id']}/matches", headers=as_employer)
    assert matches.status_code == 200 and matches.json()["items"]
    client.cookies.update(cookie(settings, "employer", "KVK-39084217"))
    assert (await client.get("/matching/vragen")).status_code == 200
