"""Pooling runs of two regions near one cohort never propose more of its seats than it has."""

from __future__ import annotations

import asyncio

import pytest

from services.matching.tests.test_api import API, post_demand
from tests.fixtures.apps import bearer

CAPACITY = 16  # COH-ALM-1 in the `catalogue` fixture


async def open_seats_proposed(client, admin) -> int:
    listed = await client.get(f"{API}/group-proposals", params={"limit": 100}, headers=admin)
    return sum(p["seats"] for p in listed.json()["items"] if p["cohort_id"] == "COH-ALM-1")


@pytest.mark.parametrize("together", [False, True], ids=["one-after-the-other", "at-the-same-time"])
async def test_two_regions_share_a_border_cohort_without_overbooking(
    client, settings, catalogue, as_employer, as_other_employer, as_rmt, together
):
    """A Twente demand located in Almere reaches the Almere cohort, as the Flevoland one does."""
    await post_demand(client, as_employer, participants=12)
    await post_demand(client, as_other_employer, participants=12, region="twente")
    twente_rmt = bearer(settings, "rmt", "RMT-TWENTE", "twente")
    admin = bearer(settings, "admin", "LLO-ADMIN")

    async def run(region: str, headers: dict[str, str]) -> dict:
        response = await client.post(f"{API}/group-proposals/runs", json={"region": region}, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    if together:
        runs = await asyncio.gather(run("flevoland", as_rmt), run("twente", twente_rmt))
    else:
        runs = [await run("flevoland", as_rmt), await run("twente", twente_rmt)]
    assert sum(r["people_placed"] for r in runs) == 12  # one of the two groups fits
    assert await open_seats_proposed(client, admin) <= CAPACITY
    again = await run("flevoland", as_rmt)  # a re-run frees its own seats, not the other region's
    assert again["people_placed"] + runs[1]["people_placed"] <= CAPACITY
    assert await open_seats_proposed(client, admin) <= CAPACITY
