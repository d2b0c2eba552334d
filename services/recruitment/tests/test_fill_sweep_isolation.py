"""A cohort with extreme dates (year 1, year 9999) of one provider never stops the fill-campaign
sweep or the cohort consumer for the others, and never sends cohort events to the DLQ."""

from __future__ import annotations

from datetime import date, timedelta

from services.recruitment.tests.catalogue_double import COHORT_TOPIC, CohortSeats
from services.recruitment.tests.support import PROVIDER

API = "/recruitment/api/v1"
OTHER = "BRIN-30RC"


async def test_extreme_cohort_dates_leave_the_sweep_and_consumers_working(service, today):
    for cohort_id, day in (("coh-year1", date(1, 1, 2)), ("coh-year9999", date(9999, 12, 30))):
        extreme = CohortSeats(cohort_id, OTHER, capacity=500, break_even=500, decision_date=date(2027, 1, 1))
        payload = extreme.payload() | {"decision_date": day.isoformat(), "start_date": day.isoformat()}
        await service.catalogue.publish("CohortScheduled", cohort_id, payload)
    normal = CohortSeats(
        "coh-ok", PROVIDER, capacity=16, break_even=12, decision_date=today + timedelta(days=7)
    )
    await service.catalogue.schedule(normal)
    await service.settle()
    assert [m for partition in service.bus.broker.log(COHORT_TOPIC + ".dlq") for m in partition] == []
    listed = (await service.client.get(f"{API}/campaigns", headers=service.auth())).json()
    assert [c["campaign_id"] for c in listed["items"]] == ["fill-coh-ok"]
    sweep = await service.client.post(f"{API}/fill-campaigns/sweep", headers=service.auth("admin"))
    assert sweep.status_code == 200 and sweep.json()["total"] == 0


async def test_the_sweep_skips_a_broken_stored_cohort_and_fills_the_others(service, today):
    """A read-model record from before today's rules (a date that does not parse) is skipped."""
    await service.recruitment.store.upsert_cohort(
        "coh-broken", {"provider_id": OTHER, "decision_date": "0000-00-00", "capacity": 16}
    )
    normal = CohortSeats("coh-ok2", PROVIDER, capacity=16, break_even=12, decision_date=today)
    await service.recruitment.store.upsert_cohort(normal.cohort_id, normal.payload())
    sweep = await service.client.post(f"{API}/fill-campaigns/sweep", headers=service.auth("admin"))
    assert sweep.status_code == 200
    assert [c["campaign_id"] for c in sweep.json()["items"]] == ["fill-coh-ok2"]
