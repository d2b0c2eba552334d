"""Dates outside sane bounds are refused at the catalogue's door, naming the field in Dutch."""

import pytest

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
