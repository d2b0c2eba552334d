"""The cohort's fill over time lives in its own insert-only collection: the cohort read-model
document, read and written on every seat event, keeps its size however many seats change, and the
chart still shows every point once, also when an event is handled again or was recorded in the
cohort document before the move."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import bson

from llo_shared.bus import envelope_message
from llo_shared.envelope import EventEnvelope
from llo_shared.mongo import MemoryDatabase
from recruitment.store import RecruitmentStore
from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import campaign_body
from services.recruitment.tests.support import PROVIDER, Service

API = "/recruitment/api/v1"


async def _cohort_with_campaign(service: Service, today: Any, cohort_id: str) -> str:
    cohort = CohortSeats(
        cohort_id, PROVIDER, capacity=200, break_even=150, decision_date=today + timedelta(60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    created = await service.client.post(
        f"{API}/campaigns", json=campaign_body(cohort_id, today), headers=service.auth()
    )
    return str(created.json()["campaign_id"])


async def _seats_taken(service: Service, cohort_id: str, taken: int) -> None:
    await service.catalogue.publish(
        "CohortUpdated", cohort_id, {"cohort_id": cohort_id, "seats_taken": taken}
    )


async def _fill_over_time(service: Service, campaign_id: str) -> list[int]:
    figures = await service.client.get(f"{API}/campaigns/{campaign_id}/figures", headers=service.auth())
    return [p["seats_taken"] for p in figures.json()["fill_over_time"]]


async def _document_size(service: Service, cohort_id: str) -> int:
    return len(bson.encode(await service.recruitment.store.cohorts.find_one({"_id": cohort_id})))


async def test_the_cohort_document_keeps_its_size_as_120_seats_fill_and_the_chart_shows_each(service, today):
    campaign_id = await _cohort_with_campaign(service, today, "coh-grow")
    for taken in range(1, 11):
        await _seats_taken(service, "coh-grow", taken)
    await service.settle()
    size_after_10 = await _document_size(service, "coh-grow")
    for taken in range(11, 121):
        await _seats_taken(service, "coh-grow", taken)
    await service.settle()
    assert await _document_size(service, "coh-grow") <= size_after_10 + 2  # "120" is 1 digit longer
    assert await _fill_over_time(service, campaign_id) == list(range(121))  # scheduled at 0, then each
    chart = await service.client.get(f"{API}/campaigns/{campaign_id}/charts/fill.svg", headers=service.auth())
    assert chart.text.count("<circle") == 121 and "120 bezet" in chart.text


async def test_an_event_handled_again_after_a_failure_leaves_its_point_once(service, today):
    campaign_id = await _cohort_with_campaign(service, today, "coh-again")
    store = service.recruitment.store
    write = store.upsert_cohort
    failures = [RuntimeError("store away between the point and the cohort")]

    async def failing_once(cohort_id: str, fields: dict[str, Any]) -> None:
        if failures and fields.get("seats_taken") == 5:
            raise failures.pop()
        await write(cohort_id, fields)

    store.upsert_cohort = failing_once
    await _seats_taken(service, "coh-again", 5)
    await service.settle()
    assert failures == []  # it failed once after the point was written, and the retry ran
    assert (await store.cohort("coh-again"))["seats_taken"] == 5
    assert await _fill_over_time(service, campaign_id) == [0, 5]
    updated = service.published("catalogue.cohort.v1", "CohortUpdated")[-1]
    redelivered = envelope_message("catalogue.cohort.v1", EventEnvelope.model_validate(updated))
    await service.bus.publish([redelivered])
    await service.settle()
    assert await _fill_over_time(service, campaign_id) == [0, 5]


async def test_points_a_cohort_document_held_before_the_move_come_first_and_stay_put(service, today):
    campaign_id = await _cohort_with_campaign(service, today, "coh-old")
    store = service.recruitment.store
    legacy = [
        {"at": "2026-01-05T09:00:00+00:00", "seats_taken": 1, "break_even": 150, "capacity": 200},
        {"at": "2026-01-06T09:00:00+00:00", "seats_taken": 2, "break_even": 150, "capacity": 200},
    ]
    await store.cohorts.update_one(
        {"_id": "coh-old"}, {"$set": {"fill_history": legacy, "seats_taken": 2}}
    )  # as the read model stored them before
    await store.fill_points.delete_many({"cohort_id": "coh-old"})  # the scheduled point: before too
    await _seats_taken(service, "coh-old", 3)
    await service.settle()
    assert await _fill_over_time(service, campaign_id) == [1, 2, 3]
    assert (await store.cohorts.find_one({"_id": "coh-old"}))["fill_history"] == legacy
    assert "fill_history" not in await store.cohort("coh-old")  # the seat events' read skips them


async def test_points_are_shown_in_time_order_also_when_an_event_named_no_time_zone():
    store = RecruitmentStore(MemoryDatabase())
    shape = {"break_even": 12, "capacity": 16}
    await store.add_fill_point("coh-tz", "e2", {"at": "2026-02-01T10:00:00", **shape, "seats_taken": 2})
    await store.add_fill_point("coh-tz", "e1", {"at": "2026-02-01T09:00:00+00:00", **shape, "seats_taken": 1})
    await store.add_fill_point("coh-tz", "e1", {"at": "2026-02-01T09:00:00+00:00", **shape, "seats_taken": 1})
    history = await store.fill_history("coh-tz", [])
    assert [p["seats_taken"] for p in history] == [1, 2]
    assert history[0] == {"at": "2026-02-01T09:00:00+00:00", **shape, "seats_taken": 1}
