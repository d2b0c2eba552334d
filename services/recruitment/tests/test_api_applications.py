"""Applications and transitions through the API: 409 lists the allowed next steps, exits need a
reason, registration needs consent, and the seat decision is never a person's to make."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import INTAKE, applicant_body
from services.recruitment.tests.support import PROVIDER, RMT

API = "/recruitment/api/v1"


@pytest.fixture
async def cohort(service, today):
    seats = CohortSeats(
        "coh-a1", PROVIDER, capacity=16, break_even=12, decision_date=today + timedelta(days=90)
    )
    await service.catalogue.schedule(seats)
    await service.settle()
    return seats


@pytest.fixture
async def application_id(service, cohort):
    response = await service.client.post(
        f"{API}/applications", json=applicant_body(cohort.cohort_id), headers=service.auth("rmt", RMT)
    )
    assert response.status_code == 201, response.text
    return response.json()["application_id"]


async def _move(service, app_id, body, headers=None):
    return await service.client.post(
        f"{API}/applications/{app_id}/transitions", json=body, headers=headers or service.auth()
    )


async def test_an_invalid_transition_is_a_409_listing_the_allowed_next_steps(service, application_id):
    response = await _move(service, application_id, {"to": "admitted"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/invalid-transition")
    assert body["current_stage"] == "interested" and body["requested_stage"] == "admitted"
    assert body["allowed_next"] == ["intake_planned", "withdrawn", "rejected"]


async def test_enrolled_is_the_catalogues_decision_not_a_persons(service, application_id):
    for step in ({"to": "intake_planned"}, {"to": "intake_done", "intake": INTAKE}, {"to": "admitted"}):
        assert (await _move(service, application_id, step)).status_code == 200
    response = await _move(service, application_id, {"to": "enrolled"})
    assert response.status_code == 409
    assert response.json()["allowed_next"] == ["enrolment_requested", "withdrawn", "rejected"]


async def test_intake_done_records_scores_and_exemptions_and_is_published(service, application_id):
    await _move(service, application_id, {"to": "intake_planned", "planned_for": "2026-12-01T10:00:00Z"})
    missing = await _move(service, application_id, {"to": "intake_done"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "intake"
    done = await _move(service, application_id, {"to": "intake_done", "intake": INTAKE})
    assert done.status_code == 200
    data = done.json()
    assert data["intake"]["exemptions"][0]["decided_by"] == "examencommissie"
    assert [t["to_stage"] for t in data["history"]] == ["interested", "intake_planned", "intake_done"]
    assert all(t["by"] and t["at"] for t in data["history"])
    await service.settle()
    completed = service.published("recruitment.application.v1", "IntakeCompleted")
    assert completed[0]["payload"]["exemptions"] == 1


async def test_leaving_needs_a_reason_and_is_final(service, application_id):
    no_reason = await _move(service, application_id, {"to": "withdrawn"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    bad_reason = await _move(service, application_id, {"to": "withdrawn", "reason": "bored"})
    assert bad_reason.status_code == 422
    assert (
        await _move(service, application_id, {"to": "withdrawn", "reason": "found_work"})
    ).status_code == 200
    again = await _move(service, application_id, {"to": "intake_planned"})
    assert again.status_code == 409 and again.json()["allowed_next"] == []


async def test_enrolment_request_needs_funding_with_shares_adding_up(service, application_id):
    for step in ({"to": "intake_planned"}, {"to": "intake_done", "intake": INTAKE}, {"to": "admitted"}):
        await _move(service, application_id, step)
    assert (await _move(service, application_id, {"to": "enrolment_requested"})).status_code == 422
    half = {
        "funding_kind": "private",
        "payers": [{"payer_id": "KVK-1", "kind": "employer", "name": "X", "share_bp": 5000}],
    }
    response = await _move(service, application_id, {"to": "enrolment_requested", "funding": half})
    assert response.status_code == 422
    assert (await service.client.get(f"{API}/applications/{application_id}", headers=service.auth())).json()[
        "stage"
    ] == "admitted"


async def test_who_may_do_what(service, cohort, application_id):
    rmt, other_rmt = service.auth("rmt", RMT), service.auth("rmt", "RMT-TWENTE")
    other_provider = service.auth("provider", "BRIN-99XX")
    assert (await _move(service, application_id, {"to": "intake_planned"}, rmt)).status_code == 403
    assert (await _move(service, application_id, {"to": "intake_planned"}, other_provider)).status_code == 404
    assert (
        await service.client.get(f"{API}/applications/{application_id}", headers=other_rmt)
    ).status_code == 404
    mine = (await service.client.get(f"{API}/applications/{application_id}", headers=rmt)).json()
    assert mine["applicant"]["email"] == "persoon1@voorbeeld.nl"
    assert mine["applicant"]["postcode"] == "1315 AB"
    employer = service.auth("employer", "KVK-39084217")
    assert (await service.client.get(f"{API}/applications", headers=employer)).status_code == 403
    withdrawn = await _move(service, application_id, {"to": "withdrawn", "reason": "not_reachable"}, rmt)
    assert withdrawn.status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": False}, "consent"),
        ({"applicant": {"name": "A", "email": "a@b.nl"}}, "applicant.name"),
        ({"applicant": {"name": "Anna", "email": "geen-mail"}}, "applicant.email"),
        ({"applicant": {"name": "Anna", "email": "a@b.nl", "postcode": "ABCD"}}, "applicant.postcode"),
        ({"channel": "fax"}, "channel"),
        ({"cohort_id": "unknown"}, "cohort_id"),
        ({"campaign_id": "unknown"}, "campaign_id"),
    ],
)
async def test_bad_registrations_are_422_and_store_nothing(service, cohort, change, field):
    body = applicant_body(cohort.cohort_id) | change
    response = await service.client.post(f"{API}/applications", json=body, headers=service.auth("rmt", RMT))
    assert response.status_code == 422, response.text
    assert any(e["field"] == field for e in response.json()["errors"]), response.json()
    assert (await service.client.get(f"{API}/applications", headers=service.auth())).json()["total"] == 0
    assert service.published("recruitment.application.v1") == []


async def test_unknown_filter_values_are_4xx(service, application_id):
    for params in ({"stage": "dreaming"}, {"channel": "fax"}, {"limit": 0}):
        response = await service.client.get(f"{API}/applications", params=params, headers=service.auth())
        assert response.status_code == 422, params
    ok = await service.client.get(
        f"{API}/applications", params={"stage": "interested"}, headers=service.auth()
    )
    assert ok.json()["total"] == 1 and "applicant" not in ok.json()["items"][0]


async def test_personal_data_can_be_erased_on_request(service, application_id):
    response = await service.client.delete(
        f"{API}/applications/{application_id}/personal-data", headers=service.auth()
    )
    assert response.json()["erased"] is True
    data = (await service.client.get(f"{API}/applications/{application_id}", headers=service.auth())).json()
    assert data["applicant"] is None and data["stage"] == "interested"


async def test_a_step_reads_the_application_once(service, application_id):
    """The endpoint's read (role and organisation) is the one the step writes on."""
    await service.settle()
    store = service.recruitment.store
    reads = []
    real_application = store.application

    async def counted(application_id):
        reads.append(application_id)
        return await real_application(application_id)

    store.application = counted
    try:
        assert (await _move(service, application_id, {"to": "intake_planned"})).status_code == 200
    finally:
        store.application = real_application
    assert reads == [application_id]
