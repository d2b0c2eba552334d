"""Campaign API: providers manage their own campaigns, draft -> running -> closed, with events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import campaign_body
from services.recruitment.tests.support import PROVIDER, RMT

API = "/recruitment/api/v1"


@pytest.fixture
async def cohort(service, today):
    seats = CohortSeats(
        "coh-c1", PROVIDER, capacity=16, break_even=12, decision_date=today + timedelta(days=90)
    )
    await service.catalogue.schedule(seats)
    await service.settle()
    return seats


async def test_a_campaign_goes_draft_running_closed_and_publishes_each_step(service, cohort, today):
    created = await service.client.post(
        f"{API}/campaigns", json=campaign_body(cohort.cohort_id, today), headers=service.auth()
    )
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["status"] == "draft" and campaign["offering_id"] == "off-vig"
    assert campaign["cost_split"] == [
        {"partner_id": "BRIN-25LH", "amount_cents": 200_010},
        {"partner_id": "LWL-FLEVOLAND", "amount_cents": 99_990},
    ]
    cid = campaign["campaign_id"]
    early_close = await service.client.post(f"{API}/campaigns/{cid}/close", headers=service.auth())
    assert early_close.status_code == 409
    assert early_close.headers["content-type"] == "application/problem+json"
    launched = await service.client.post(f"{API}/campaigns/{cid}/launch", headers=service.auth())
    assert launched.json()["status"] == "running" and launched.json()["launched_at"]
    closed = await service.client.post(f"{API}/campaigns/{cid}/close", headers=service.auth())
    assert closed.json()["status"] == "closed"
    await service.settle()
    types = [e["event_type"] for e in service.published("recruitment.campaign.v1")]
    assert types == ["CampaignProposed", "CampaignLaunched", "CampaignClosed"]
    payload = service.published("recruitment.campaign.v1")[1]["payload"]
    assert payload["goal_seats"] == 6 and payload["budget_cents"] == 300_000
    assert payload["channels"] == ["uwv", "employer_visit", "website_form"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"goal_seats": 0}, "goal_seats"),
        ({"budget_cents": -1}, "budget_cents"),
        ({"channels": ["carrier_pigeon"]}, "channels.0"),
        ({"target_groups": []}, "target_groups"),
        ({"cost_shares": [{"partner_id": "X", "name": "X", "share_bp": 5000}]}, "body"),
        ({"cohort_id": "nope"}, "cohort_id"),
        ({"cohort_id": None}, "cohort_id"),
    ],
)
async def test_bad_campaign_input_is_a_4xx_naming_the_field_and_stores_nothing(
    service, cohort, today, change, field
):
    response = await service.client.post(
        f"{API}/campaigns", json=campaign_body(cohort.cohort_id, today) | change, headers=service.auth()
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field for e in response.json()["errors"]), response.json()
    assert (await service.client.get(f"{API}/campaigns", headers=service.auth())).json()["total"] == 0


async def test_tenancy_other_providers_and_roles(service, cohort, today):
    body = campaign_body(cohort.cohort_id, today)
    other = service.auth("provider", "BRIN-99XX")
    assert (await service.client.post(f"{API}/campaigns", json=body, headers=other)).status_code == 403
    foreign = campaign_body(cohort.cohort_id, today, provider_id="BRIN-99XX")
    assert (
        await service.client.post(f"{API}/campaigns", json=foreign, headers=service.auth())
    ).status_code == 403
    employer = service.auth("employer", "KVK-39084217")
    assert (await service.client.post(f"{API}/campaigns", json=body, headers=employer)).status_code == 403
    assert (await service.client.post(f"{API}/campaigns", json=body)).status_code == 401

    cid = (await service.client.post(f"{API}/campaigns", json=body, headers=service.auth())).json()[
        "campaign_id"
    ]
    assert (await service.client.get(f"{API}/campaigns/{cid}", headers=other)).status_code == 404
    assert (await service.client.post(f"{API}/campaigns/{cid}/launch", headers=other)).status_code == 404
    assert (await service.client.get(f"{API}/campaigns", headers=other)).json()["total"] == 0
    rmt = service.auth("rmt", RMT)
    assert (await service.client.get(f"{API}/campaigns", headers=rmt)).json()["total"] == 0  # drafts hidden
    await service.client.post(f"{API}/campaigns/{cid}/launch", headers=service.auth())
    assert (await service.client.get(f"{API}/campaigns", headers=rmt)).json()["total"] == 1
    assert (await service.client.get(f"{API}/campaigns?status=draft", headers=rmt)).status_code == 422
    assert (
        await service.client.get(f"{API}/campaigns?status=paused", headers=service.auth())
    ).status_code == 422


async def test_campaign_list_pages_deterministically(service, cohort, today):
    for n in range(5):
        body = campaign_body(cohort.cohort_id, today, name=f"Campagne {n}")
        await service.client.post(f"{API}/campaigns", json=body, headers=service.auth())
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await service.client.get(f"{API}/campaigns", params=params, headers=service.auth())).json()
        assert page["total"] == 5
        seen += [c["campaign_id"] for c in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(set(seen)) == 5
    assert (
        await service.client.get(f"{API}/campaigns?limit=1000", headers=service.auth())
    ).status_code == 422
    assert (
        await service.client.get(f"{API}/campaigns?cursor=%%%", headers=service.auth())
    ).status_code == 400


async def test_a_draft_can_be_replanned_a_running_campaign_not(service, cohort, today):
    body = campaign_body(cohort.cohort_id, today)
    cid = (await service.client.post(f"{API}/campaigns", json=body, headers=service.auth())).json()[
        "campaign_id"
    ]
    plan = {k: v for k, v in body.items() if k != "cohort_id"} | {"goal_seats": 9}
    replanned = await service.client.put(f"{API}/campaigns/{cid}/plan", json=plan, headers=service.auth())
    assert replanned.json()["plan"]["goal_seats"] == 9
    await service.client.post(f"{API}/campaigns/{cid}/launch", headers=service.auth())
    assert (
        await service.client.put(f"{API}/campaigns/{cid}/plan", json=plan, headers=service.auth())
    ).status_code == 409
