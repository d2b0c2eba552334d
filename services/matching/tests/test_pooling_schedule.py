"""Proposals appear on their own (issue 10): a demand posted through the JSON API is pooled a few
seconds later without anyone calling the pooling endpoint, a burst of changes is one run, and every
region is pooled again on the schedule. Time is a ManualClock: the test moves it, nothing sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from matching.app import create_app
from matching.usecases.scheduling import ManualClock, PoolingRunner, PoolingSchedule
from services.matching.tests.catalogue_events import cohort_scheduled, deliver, offering_published
from services.matching.tests.conftest import relay_idle
from services.matching.tests.test_api import demand_body
from tests.fixtures.apps import running
from tests.support import eventually

API = "/matching/api/v1"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def scheduled(settings, clock):
    application = create_app(settings, clock=clock)
    async with running(application) as client:
        application.state.client = client
        await deliver(application.state.infra.bus, offering_published(), cohort_scheduled())
        yield application
        await relay_idle(application)


async def open_proposals(app, headers) -> list[dict]:
    response = await app.state.client.get(f"{API}/group-proposals", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_demand_posted_through_the_api_gets_a_proposal_without_anyone_pooling(
    scheduled, clock, as_employer
):
    posted = await scheduled.state.client.post(f"{API}/demands", json=demand_body(), headers=as_employer)
    assert posted.status_code == 201, posted.text
    assert await open_proposals(scheduled, as_employer) == []  # not yet: the run waits for the burst
    debounce = scheduled.state.settings.pooling_debounce_s
    expected = scheduled.state.matching.schedule.next_run("flevoland")
    assert expected == clock.now() + timedelta(seconds=debounce)

    clock.advance(debounce)

    async def proposed() -> bool:
        return bool(await open_proposals(scheduled, as_employer))

    await eventually(proposed, what="a group proposal for the demand")
    (proposal,) = await open_proposals(scheduled, as_employer)
    assert proposal["cohort_id"] == "COH-ALM-1"
    assert [m["ref"] for m in proposal["members"]] == [posted.json()["demand_id"]]


class Runs:
    """A pooling function that records the regions it pooled (and can fail for one)."""

    def __init__(self, failing: str | None = None) -> None:
        self.regions: list[str] = []
        self.failing = failing

    async def __call__(self, region: str) -> None:
        if region == self.failing:
            raise RuntimeError("a broken region")
        self.regions.append(region)


async def test_a_burst_of_changes_is_one_run_and_a_run_started_after_them_covers_them():
    clock = ManualClock()
    schedule = PoolingSchedule(clock, debounce_s=5, interval_s=900)
    runs = Runs()
    runner = PoolingRunner(schedule, runs, regions=_none)
    for _ in range(3):
        schedule.changed("flevoland")
        clock.advance(1)
    assert await runner.run_once() == []  # 3 s after the first change: not due yet
    clock.advance(2)
    assert await runner.run_once() == ["flevoland"]
    assert runs.regions == ["flevoland"]
    assert await runner.run_once() == []  # done until the next change

    schedule.changed("twente")
    schedule.pooled("twente", clock.now())  # say the page's own run, started after the change
    clock.advance(10)
    assert await runner.run_once() == []


async def test_the_schedule_pools_every_region_and_one_broken_region_does_not_stop_the_others():
    clock = ManualClock()
    schedule = PoolingSchedule(clock, debounce_s=5, interval_s=900)
    runs = Runs(failing="flevoland")

    async def regions(since: datetime) -> list[str]:
        return ["flevoland", "twente", "utrecht"]

    runner = PoolingRunner(schedule, runs, regions)
    assert await runner.run_once() == []
    assert schedule.next_run("twente") == schedule.next_sweep
    clock.advance(900)
    assert await runner.run_once() == ["twente", "utrecht"]
    assert await runner.run_once() == []  # the next sweep is 900 s on
    clock.advance(900)
    assert await runner.run_once() == ["twente", "utrecht"]


async def _none(since: datetime) -> list[str]:
    return []


async def test_the_demands_page_says_when_a_proposal_can_be_expected(scheduled, clock, as_employer):
    client = scheduled.state.client
    nothing_fits = demand_body(code="99999")  # no start moment offers this code
    assert (await client.post(f"{API}/demands", json=nothing_fits, headers=as_employer)).status_code == 201
    page = await client.get("/matching/vragen", headers=as_employer)
    assert "binnen een minuut opnieuw berekend" in page.text

    clock.advance(scheduled.state.settings.pooling_debounce_s)

    async def pooled() -> bool:
        return (
            not scheduled.state.matching.schedule.due()
            and "binnen een minuut" not in (await client.get("/matching/vragen", headers=as_employer)).text
        )

    await eventually(pooled, what="the debounced run")
    page = await client.get("/matching/vragen", headers=as_employer)
    assert "over ongeveer 15 minuten opnieuw berekend" in page.text


async def test_proposals_respect_the_requested_level_domain_and_start_window(
    client, catalogue, as_employer, as_rmt
):
    """The catalogue's one cohort: Helpende Zorg & Welzijn, niveau 2, zorg, starting 2027-02-01."""
    wrong = {
        "level": demand_body(level=1, title="Niveau 1"),
        "domain": demand_body(domain="techniek_gebouwde_omgeving", title="Techniek"),
        "start window": demand_body(start_from="2027-03-01", start_until="2027-06-30", title="Later"),
    }
    refs = {}
    for what, body in wrong.items():
        posted = await client.post(f"{API}/demands", json=body, headers=as_employer)
        assert posted.status_code == 201, posted.text
        refs[posted.json()["demand_id"]] = what
    fitting = await client.post(f"{API}/demands", json=demand_body(), headers=as_employer)
    run = await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    assert run.status_code == 201, run.text
    proposed = {m["ref"] for p in await _proposals(client, as_employer) for m in p["members"]}
    assert proposed == {fitting.json()["demand_id"]}, [refs.get(r) for r in proposed]


async def _proposals(client, headers) -> list[dict]:
    return (await client.get(f"{API}/group-proposals", headers=headers)).json()["items"]


async def test_the_sweep_leaves_out_a_region_another_run_pooled_within_the_interval(
    scheduled, clock, as_employer, as_rmt
):
    """Replicas share what ran (`pooling_runs`): more replicas do not mean more runs of a region."""
    client, uc = scheduled.state.client, scheduled.state.matching
    interval = scheduled.state.settings.pooling_interval_s
    await scheduled.state.pooling_runner.stop()  # this test asks the questions the loop would ask
    assert (await client.post(f"{API}/demands", json=demand_body(), headers=as_employer)).status_code == 201
    clock.advance(interval / 2)
    run = await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    assert run.status_code == 201  # the mobility team's run, say on another replica
    assert await uc.regions_to_pool(clock.now() - timedelta(seconds=interval)) == []
    clock.advance(interval)
    assert await uc.regions_to_pool(clock.now() - timedelta(seconds=interval)) == ["flevoland"]
