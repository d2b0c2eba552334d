"""Roles inside an organisation (issue 12): recruitment is the provider role's work. A provider's
finance clerk (same organisation, role finance) reads no applicant, moves nothing, erases nothing
and runs no campaign; the fill-campaign sweep over every provider is an admin's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import applicant_body, campaign_body
from services.recruitment.tests.support import PROVIDER, RMT, Service

API = "/recruitment/api/v1"


@pytest.fixture
async def world(service: Service, today) -> dict[str, str]:
    cohort = CohortSeats(
        "coh-r1", PROVIDER, capacity=16, break_even=2, decision_date=today + timedelta(days=90)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    created = await service.client.post(
        f"{API}/applications", json=applicant_body(cohort.cohort_id), headers=service.auth("rmt", RMT)
    )
    campaign = await service.client.post(
        f"{API}/campaigns", json=campaign_body(cohort.cohort_id, today), headers=service.auth()
    )
    return {
        "app": created.json()["application_id"],
        "campaign": campaign.json()["campaign_id"],
        "cohort": cohort.cohort_id,
    }


def _requests(world: dict[str, str], today) -> list[tuple[str, str, dict | None]]:
    app, campaign = world["app"], world["campaign"]
    return [
        ("GET", f"{API}/applications", None),
        ("GET", f"{API}/applications/{app}", None),
        ("GET", f"{API}/applications/{app}/transitions", None),
        ("POST", f"{API}/applications/{app}/transitions", {"to": "intake_planned"}),
        ("DELETE", f"{API}/applications/{app}/personal-data", None),
        ("GET", f"{API}/enrolments", None),
        ("POST", f"{API}/applications", applicant_body(world["cohort"], 2)),
        ("GET", f"{API}/campaigns", None),
        ("POST", f"{API}/campaigns", campaign_body(world["cohort"], today)),
        ("GET", f"{API}/campaigns/{campaign}", None),
        ("PUT", f"{API}/campaigns/{campaign}/plan", campaign_body(None, today)),
        ("POST", f"{API}/campaigns/{campaign}/launch", None),
        ("POST", f"{API}/campaigns/{campaign}/close", None),
        ("GET", f"{API}/campaigns/{campaign}/figures", None),
        ("GET", f"{API}/campaigns/{campaign}/figures.csv", None),
        ("GET", f"{API}/campaigns/{campaign}/charts/funnel.svg", None),
        ("GET", f"{API}/campaigns/{campaign}/charts/fill.svg", None),
        ("GET", f"{API}/figures/channels", None),
        ("POST", f"{API}/fill-campaigns/sweep", None),
    ]


async def test_a_providers_finance_clerk_is_refused_on_every_recruitment_endpoint(service, world, today):
    clerk = service.auth("finance", PROVIDER)
    for method, url, body in _requests(world, today):
        response = await service.client.request(method, url, json=body, headers=clerk)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert "voorbeeld.nl" not in response.text and "Test Persoon" not in response.text
    shown = (await service.client.get(f"{API}/applications/{world['app']}", headers=service.auth())).json()
    assert shown["stage"] == "interested" and shown["applicant"]["name"] == "Test Persoon 1"
    assert (await service.client.get(f"{API}/campaigns/{world['campaign']}", headers=service.auth())).json()[
        "status"
    ] == "draft"


async def test_the_provider_role_itself_may_do_each_of_them(service, world, today):
    provider = service.auth()
    for method, url, body in _requests(world, today):
        response = await service.client.request(method, url, json=body, headers=provider)
        assert response.status_code < 300, (method, url, response.status_code, response.text)


async def test_the_intake_and_campaign_pages_refuse_a_finance_clerk(service, world):
    await service.client.post(
        "/recruitment/demo/sign-in", data={"user": "financien", "next": "/recruitment/"}
    )
    assert (await service.client.get("/recruitment/intake")).status_code == 401
    step = await service.client.post(f"/recruitment/intake/{world['app']}", data={"to": "intake_planned"})
    assert step.status_code == 404
    assert (await service.client.get(f"/recruitment/campagnes/{world['campaign']}")).status_code == 404
    launch = await service.client.post(
        f"/recruitment/campagnes/{world['campaign']}/status", data={"target": "running"}
    )
    assert launch.status_code == 404
    shown = (await service.client.get(f"{API}/applications/{world['app']}", headers=service.auth())).json()
    assert shown["stage"] == "interested"


async def test_a_provider_sweeps_its_own_cohorts_only_an_admin_sweeps_all(service, today):
    # Another provider's underfilled cohort, known without an event (so no proposal was made yet).
    decision = (today + timedelta(days=10)).isoformat()
    await service.recruitment.store.upsert_cohort(
        "coh-other",
        {
            "provider_id": "BRIN-99XX",
            "capacity": 16,
            "break_even": 12,
            "seats_taken": 2,
            "decision_date": decision,
        },
    )
    mine = await service.client.post(f"{API}/fill-campaigns/sweep", headers=service.auth())
    assert mine.status_code == 200 and mine.json()["total"] == 0
    assert await service.recruitment.store.campaign("fill-coh-other") is None
    admin = await service.client.post(f"{API}/fill-campaigns/sweep", headers=service.auth("admin", "LLO"))
    assert [c["campaign_id"] for c in admin.json()["items"]] == ["fill-coh-other"]
    assert (
        await service.client.post(f"{API}/fill-campaigns/sweep", headers=service.auth("finance", PROVIDER))
    ).status_code == 403


async def test_one_cohorts_bad_data_does_not_stop_the_sweep_for_the_others(service, today):
    decision = (today + timedelta(days=10)).isoformat()
    store = service.recruitment.store
    await store.upsert_cohort(
        "coh-bad", {"provider_id": "BRIN-99XX", "capacity": "veel", "decision_date": decision}
    )
    await store.upsert_cohort(
        "coh-good",
        {
            "provider_id": "BRIN-99XX",
            "capacity": 16,
            "break_even": 12,
            "seats_taken": 2,
            "decision_date": decision,
        },
    )
    swept = await service.client.post(f"{API}/fill-campaigns/sweep", headers=service.auth("admin", "LLO"))
    assert swept.status_code == 200 and [c["campaign_id"] for c in swept.json()["items"]] == ["fill-coh-good"]
