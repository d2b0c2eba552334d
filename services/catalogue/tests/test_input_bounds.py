"""Dates outside sane bounds are refused at the catalogue's door, naming the field in Dutch."""

import pytest

from llo_shared.dates import DAY_MAX, DAY_MIN

from .conftest import API, cohort_body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"decision_date": "0001-01-01"}, "decision_date"),
        ({"start_date": "0001-01-03", "decision_date": "0001-01-01", "end_date": "0001-02-01"}, "start_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
    ],
)
async def test_cohort_dates_outside_sane_bounds_are_refused(
    catalogue, client, as_flevoland, overrides, field
):
    oid = (await catalogue.offering())["offering_id"]
    response = await client.post(f"{API}/cohorts", json=cohort_body(oid, **overrides), headers=as_flevoland)
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors and "de datum moet tussen" in errors[field]
    assert (await client.get(f"{API}/cohorts")).json()["total"] == 0


async def test_search_dates_outside_sane_bounds_are_a_422(client):
    response = await client.get(f"{API}/search", params={"start_from": "0001-01-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "start_from"


async def test_a_provider_at_every_accepted_bound_leaves_the_portal_working(
    catalogue, client, as_flevoland, as_twente, as_admin
):
    """Twente fills its offering and cohorts with the extremes the models accept; Flevoland's
    pages, the search in every order, the decision sweep and the work lists keep answering."""
    extreme = await catalogue.offering(
        headers=as_twente,
        title="X" * 200,
        description=("<!--<script> & ' \" \u2028 " * 200)[:5000],
        keywords=[f"k{i}" * 20 for i in range(30)][:30],
        study_load_hours=6400,
        duration_weeks=208,
        price={"tuition_cents": 100_000_000, "exam_cents": 100_000_000, "materials_cents": 100_000_000},
    )
    for start, end, decision in (
        (DAY_MAX, DAY_MAX, DAY_MAX),
        (DAY_MIN, DAY_MIN, DAY_MIN),
        (DAY_MIN, DAY_MAX, DAY_MIN),
    ):
        await catalogue.cohort(
            extreme["offering_id"],
            headers=as_twente,
            start_date=start.isoformat(),
            end_date=end.isoformat(),
            decision_date=decision.isoformat(),
            capacity=500,
            break_even=500,
            seat_price_cents=100_000_000,
        )
    mine = await catalogue.offering()
    await catalogue.cohort(mine["offering_id"])
    for sort in ("relevance", "start_date", "distance", "price"):
        found = await client.get(f"{API}/search", params={"sort": sort, "near": "Almere"})
        assert found.status_code == 200 and found.json()["total"] == 2, found.text
    assert (await client.get("/catalogue/", params={"q": "helpende"})).status_code == 200
    assert (await client.get(f"/catalogue/aanbod/{mine['offering_id']}")).status_code == 200
    assert (await client.get(f"/catalogue/aanbod/{extreme['offering_id']}")).status_code == 200
    assert (await client.post(f"{API}/decisions/sweep", headers=as_admin)).status_code == 200
    assert (await client.get(f"{API}/decisions", headers=as_flevoland)).status_code == 200
