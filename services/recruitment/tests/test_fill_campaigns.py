"""Automatic fill campaigns: a draft with the missing seats as goal when a cohort is below
break-even within the lead time before its decision date; never more than one per cohort."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recruitment.domain.fill import CohortFill, fill_goal
from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.support import PROVIDER

API = "/recruitment/api/v1"
TODAY = date(2026, 11, 22)


def _cohort(days_to_decision: int, taken: int, *, break_even: int = 12, capacity: int = 16, status="planned"):
    return CohortFill("c", status, TODAY + timedelta(days=days_to_decision), break_even, taken, capacity)


@pytest.mark.parametrize(
    ("days", "taken", "status", "goal"),
    [
        (21, 5, "planned", 7),  # exactly the lead time
        (10, 5, "planned", 7),
        (0, 11, "planned", 1),  # decision today
        (22, 5, "planned", 0),  # too early
        (-1, 5, "planned", 0),  # decision passed
        (10, 12, "planned", 0),  # at break-even
        (10, 5, "cancelled", 0),
        (10, 5, "confirmed", 0),
    ],
)
def test_fill_goal(days, taken, status, goal):
    assert fill_goal(_cohort(days, taken, status=status), TODAY, lead_days=21) == goal


@given(
    days=st.integers(-30, 60),
    taken=st.integers(0, 20),
    break_even=st.integers(1, 20),
    capacity=st.integers(1, 20),
    lead=st.integers(0, 60),
)
def test_fill_goal_never_exceeds_the_gap_or_the_free_seats(days, taken, break_even, capacity, lead):
    goal = fill_goal(_cohort(days, taken, break_even=break_even, capacity=capacity), TODAY, lead)
    assert 0 <= goal <= max(0, break_even - taken)
    assert goal <= max(0, capacity - taken)
    if goal:
        assert 0 <= days <= lead


async def _campaigns(service):
    return (await service.client.get(f"{API}/campaigns", headers=service.auth())).json()


async def test_an_underfilled_cohort_gets_one_draft_fill_campaign(service, today):
    cohort = CohortSeats(
        "coh-f1", PROVIDER, capacity=16, break_even=12, decision_date=today + timedelta(days=14)
    )
    cohort.held = {f"e{i}": f"a{i}" for i in range(4)}
    await service.catalogue.schedule(cohort)
    await service.catalogue.schedule(cohort, "CohortUpdated")  # a second look changes nothing
    await service.settle()
    listed = await _campaigns(service)
    assert listed["total"] == 1
    campaign = listed["items"][0]
    assert campaign["campaign_id"] == "fill-coh-f1"
    assert (campaign["status"], campaign["origin"]) == ("draft", "automatic")
    assert campaign["plan"]["goal_seats"] == 8
    assert campaign["plan"]["ends_on"] == cohort.decision_date.isoformat()
    proposed = service.published("recruitment.campaign.v1", "CampaignProposed")
    assert len(proposed) == 1 and proposed[0]["payload"]["origin"] == "automatic"
    assert proposed[0]["payload"]["goal_seats"] == 8
    sweep = await service.client.post(f"{API}/fill-campaigns/sweep", headers=service.auth())
    assert sweep.json()["total"] == 0  # idempotent: still one per cohort


async def test_a_cohort_far_from_its_decision_gets_none_until_the_decision_is_due(service, today):
    cohort = CohortSeats(
        "coh-f2", PROVIDER, capacity=16, break_even=12, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    assert (await _campaigns(service))["total"] == 0
    await service.catalogue.publish(
        "CohortDecisionDue",
        cohort.cohort_id,
        {
            "cohort_id": cohort.cohort_id,
            "provider_id": PROVIDER,
            "enrolled": 3,
            "break_even": 12,
            "seat_price_cents": 350_000,
            "decision_date": today.isoformat(),
        },
    )
    await service.settle()
    listed = await _campaigns(service)
    assert listed["total"] == 1 and listed["items"][0]["plan"]["goal_seats"] == 9


async def test_a_full_enough_cohort_gets_none(service, today):
    cohort = CohortSeats(
        "coh-f3", PROVIDER, capacity=16, break_even=2, decision_date=today + timedelta(days=5)
    )
    cohort.held = {"e1": "a1", "e2": "a2"}
    await service.catalogue.schedule(cohort)
    await service.settle()
    assert (await _campaigns(service))["total"] == 0


async def test_the_lead_time_is_a_setting(settings_overrides, today):
    from llo_shared.bus_memory import InProcessBus
    from llo_shared.mongo import MemoryDatabase
    from llo_shared.service import Infrastructure
    from recruitment.app import create_app
    from recruitment.settings import RecruitmentSettings
    from services.recruitment.tests.catalogue_double import CatalogueDouble
    from tests.fixtures.apps import running

    settings = RecruitmentSettings(**settings_overrides, fill_lead_days=90)
    bus = InProcessBus()
    double = CatalogueDouble(bus)
    app = create_app(settings, Infrastructure(MemoryDatabase("r"), bus, owns_bus=False))
    await bus.start()
    async with running(app):
        await double.schedule(
            CohortSeats(
                "coh-f4", PROVIDER, capacity=16, break_even=12, decision_date=today + timedelta(days=60)
            )
        )
        await bus.drain()
        assert await app.state.recruitment.store.campaign("fill-coh-f4") is not None
    await bus.stop()


def test_campaign_cost_split_adds_up_exactly():
    from datetime import UTC, datetime

    from recruitment.domain.campaign import Campaign, CampaignPlan, CostShare

    plan = CampaignPlan(
        name="Split",
        target_groups=["werkzoekenden"],
        channels=["uwv"],
        starts_on=TODAY,
        ends_on=TODAY,
        goal_seats=3,
        budget_cents=100,
        cost_shares=[CostShare(partner_id=p, name=p, share_bp=3333) for p in ("a", "b")]
        + [CostShare(partner_id="c", name="c", share_bp=3334)],
    )
    campaign = Campaign(
        campaign_id="x", provider_id="a", cohort_id="c", plan=plan, created_at=datetime.now(UTC)
    )
    assert campaign.cost_split() == [("a", 33), ("b", 33), ("c", 34)]
    alone = campaign.model_copy(update={"plan": plan.model_copy(update={"cost_shares": []})})
    assert alone.cost_split() == [("a", 100)]
