"""The waitlist follows the order people asked, also when the catalogue decides their requests in
another order (requests are keyed by application, so they spread over partitions and the catalogue
answers them as they arrive)."""

from __future__ import annotations

from datetime import timedelta

from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import PRIVATE
from services.recruitment.tests.support import PROVIDER
from services.recruitment.tests.test_saga import _admitted, _stage


async def test_requests_decided_out_of_order_keep_the_waitlist_in_request_order(service, today):
    cohort = CohortSeats(
        "coh-order", PROVIDER, capacity=1, break_even=1, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    first, second, third = [await _admitted(service, cohort.cohort_id, n) for n in range(3)]
    arrived: dict[str, dict] = {}
    decide = service.catalogue._decide

    async def hold(request: dict) -> None:
        arrived[request["application_id"]] = request

    service.catalogue._decide = hold
    for app_id in (first, second, third):  # asked in this order
        response = await service.client.post(
            f"/recruitment/api/v1/applications/{app_id}/transitions",
            json={"to": "enrolment_requested", "funding": PRIVATE},
            headers=service.auth(),
        )
        assert response.status_code == 200, response.text
    await service.settle()
    service.catalogue._decide = decide
    for app_id in (first, third, second):  # the order they reach the catalogue
        await decide(arrived[app_id])
        await service.settle()
    assert (await _stage(service, first))["stage"] == "enrolled"
    positions = {a: (await _stage(service, a))["enrolment"]["position"] for a in (second, third)}
    assert positions == {second: 1, third: 2}

    withdrawn = await service.client.post(
        f"/recruitment/api/v1/applications/{first}/transitions",
        json={"to": "withdrawn", "reason": "found_work"},
        headers=service.auth(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await service.settle()
    assert (await _stage(service, second))["stage"] == "enrolled"  # who asked first moves in first
    assert (await _stage(service, third))["enrolment"]["position"] == 1
