"""The enrolment saga against a catalogue double on the in-memory bus: more applicants than seats,
a withdrawal, and the waitlist moving up in order."""

from __future__ import annotations

from datetime import timedelta

from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import INTAKE, PRIVATE, applicant_body
from services.recruitment.tests.support import PROVIDER, RMT, Service


async def _admitted(service: Service, cohort_id: str, n: int) -> str:
    response = await service.client.post(
        "/recruitment/api/v1/applications",
        json=applicant_body(cohort_id, n),
        headers=service.auth("rmt", RMT),
    )
    assert response.status_code == 201, response.text
    app_id = response.json()["application_id"]
    for step in ({"to": "intake_planned"}, {"to": "intake_done", "intake": INTAKE}, {"to": "admitted"}):
        moved = await service.client.post(
            f"/recruitment/api/v1/applications/{app_id}/transitions", json=step, headers=service.auth()
        )
        assert moved.status_code == 200, moved.text
    return app_id


async def _request(service: Service, app_id: str) -> None:
    response = await service.client.post(
        f"/recruitment/api/v1/applications/{app_id}/transitions",
        json={"to": "enrolment_requested", "funding": PRIVATE},
        headers=service.auth(),
    )
    assert response.status_code == 200, response.text
    await service.settle()


async def _stage(service: Service, app_id: str) -> dict:
    return (
        await service.client.get(f"/recruitment/api/v1/applications/{app_id}", headers=service.auth())
    ).json()


async def test_more_applicants_than_seats_then_a_withdrawal_moves_the_first_waitlisted_in(service, today):
    cohort = CohortSeats(
        "coh-vig-1", PROVIDER, capacity=3, break_even=2, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    apps = [await _admitted(service, cohort.cohort_id, n) for n in range(6)]
    for app_id in apps:
        await _request(service, app_id)

    stages = [(await _stage(service, a))["stage"] for a in apps]
    assert stages == ["enrolled"] * 3 + ["waitlisted"] * 3
    positions = [(await _stage(service, a))["enrolment"]["position"] for a in apps[3:]]
    assert positions == [1, 2, 3]
    waitlist = await service.client.get(
        "/recruitment/api/v1/enrolments",
        params={"cohort_id": cohort.cohort_id, "stage": "waitlisted"},
        headers=service.auth(),
    )
    assert waitlist.json()["total"] == 3

    enrolled = service.published("recruitment.application.v1", "ParticipantEnrolled")
    assert len(enrolled) == 3
    for event in enrolled:
        payload = event["payload"]
        assert payload["provider_id"] == PROVIDER and payload["offering_id"] == "off-vig"
        assert payload["seat_price_cents"] == 350_000 and payload["funding_kind"] == "private"
        assert sum(p["share_bp"] for p in payload["payers"]) == 10_000
        assert payload["participant_ref"].startswith("pr-")
        raw = str(event)
        assert "voorbeeld.nl" not in raw and "Test Persoon" not in raw and "1315" not in raw

    withdrawal = await service.client.post(
        f"/recruitment/api/v1/applications/{apps[1]}/transitions",
        json={"to": "withdrawn", "reason": "found_work"},
        headers=service.auth(),
    )
    assert withdrawal.status_code == 200, withdrawal.text
    await service.settle()

    assert (await _stage(service, apps[1]))["stage"] == "withdrawn"
    assert (await _stage(service, apps[3]))["stage"] == "enrolled"  # the first waitlisted moved in
    assert [(await _stage(service, a))["stage"] for a in apps[4:]] == ["waitlisted", "waitlisted"]
    assert [(await _stage(service, a))["enrolment"]["position"] for a in apps[4:]] == [1, 2]
    assert len(service.catalogue.cohorts[cohort.cohort_id].held) == 3
    withdrawn = service.published("recruitment.application.v1", "EnrolmentWithdrawn")
    assert [w["payload"]["application_id"] for w in withdrawn] == [apps[1]]
    requests = service.published("recruitment.application.v1", "EnrolmentRequested")
    assert [r["payload"]["application_id"] for r in requests].count(apps[3]) == 2  # offered again


async def test_a_redelivered_seat_answer_changes_nothing(service, today):
    cohort = CohortSeats(
        "coh-vig-2", PROVIDER, capacity=1, break_even=1, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    app_id = await _admitted(service, cohort.cohort_id, 1)
    await _request(service, app_id)
    reserved = service.published("catalogue.cohort.v1", "SeatReserved")[0]
    from llo_shared.bus import envelope_message
    from llo_shared.envelope import EventEnvelope

    await service.bus.publish(
        [envelope_message("catalogue.cohort.v1", EventEnvelope.model_validate(reserved))]
    )
    await service.settle()
    assert len(service.published("recruitment.application.v1", "ParticipantEnrolled")) == 1
    assert len((await _stage(service, app_id))["history"]) == 6


async def test_an_unknown_cohort_ends_the_application_as_rejected(service, today):
    cohort = CohortSeats(
        "coh-vig-3", PROVIDER, capacity=1, break_even=1, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    app_id = await _admitted(service, cohort.cohort_id, 1)
    del service.catalogue.cohorts[cohort.cohort_id]  # the catalogue forgot it
    await _request(service, app_id)
    data = await _stage(service, app_id)
    assert data["stage"] == "rejected"
    assert data["history"][-1]["by"] == "system:catalogue"


async def test_placement_accepted_becomes_an_application_and_an_enrolment(service, today):
    cohort = CohortSeats(
        "coh-vig-4", PROVIDER, capacity=5, break_even=4, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    from llo_shared.bus import envelope_message
    from llo_shared.envelope import EventEnvelope

    placement = EventEnvelope(
        event_type="PlacementAccepted",
        producer="matching",
        aggregate_id="pl-1",
        payload={
            "placement_id": "pl-1",
            "cohort_id": cohort.cohort_id,
            "demand_id": "dem-1",
            "candidate_ref": None,
            "commissioner_org": "KVK-39084217",
            "seats": 2,
            "funding_kind": "private",
            "payers": [],
        },
    )
    message = envelope_message("matching.placement.v1", placement)
    await service.bus.publish([message, message])  # redelivered: still two people, not four
    await service.settle()
    listed = await service.client.get(
        "/recruitment/api/v1/applications", params={"cohort_id": cohort.cohort_id}, headers=service.auth()
    )
    items = listed.json()["items"]
    assert len(items) == 2
    assert {i["source"] for i in items} == {"placement"}
    assert {i["stage"] for i in items} == {"enrolled"}
    enrolled = service.published("recruitment.application.v1", "ParticipantEnrolled")
    assert enrolled[0]["payload"]["payers"][0]["payer_id"] == "KVK-39084217"


async def test_candidate_erasure_removes_personal_data(service, today):
    cohort = CohortSeats(
        "coh-vig-5", PROVIDER, capacity=5, break_even=4, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    created = await service.client.post(
        "/recruitment/api/v1/applications",
        json=applicant_body(cohort.cohort_id, 9, candidate_ref="cand-77"),
        headers=service.auth("rmt", RMT),
    )
    app_id = created.json()["application_id"]
    from llo_shared.bus import envelope_message
    from llo_shared.envelope import EventEnvelope

    erased = EventEnvelope(
        event_type="CandidateErased",
        producer="matching",
        aggregate_id="cand-77",
        payload={"candidate_ref": "cand-77", "region": "flevoland"},
    )
    await service.bus.publish([envelope_message("matching.candidate.v1", erased)])
    await service.settle()
    data = await _stage(service, app_id)
    assert data["applicant"] is None and data["consent"] is None and data["candidate_ref"] is None
    assert data["stage"] == "interested"  # the figures keep the anonymous funnel step


async def test_a_routed_candidate_waits_admitted_until_the_provider_enrols_them_on_the_worklist(
    service, today
):
    """A mobility team's placement of one person: the provider does the enrolment (and sees who
    placed the person, by name); an employer's group above holds its seats at once."""
    cohort = CohortSeats(
        "coh-vig-6", PROVIDER, capacity=5, break_even=4, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(cohort)
    await service.settle()
    from llo_shared.bus import envelope_message
    from llo_shared.envelope import EventEnvelope

    payload = {
        "placement_id": "pl-2:cand",
        "cohort_id": cohort.cohort_id,
        "demand_id": None,
        "candidate_ref": "cand-9",
        "commissioner_org": RMT,
        "seats": 1,
        "funding_kind": "private",
        "payers": [{"payer_id": "OIN-UWV", "kind": "uwv", "name": "UWV Flevoland", "share_bp": 10000}],
    }
    placed = EventEnvelope(
        event_type="PlacementAccepted", producer="matching", aggregate_id="pl-2", payload=payload
    )
    await service.bus.publish([envelope_message("matching.placement.v1", placed)])
    await service.settle()
    [application] = await service.recruitment.store.all_applications({"candidate_ref": "cand-9"})
    assert application.stage == "admitted" and application.enrolment is None

    await service.client.post("/recruitment/demo/sign-in", data={"user": "aanbieder", "next": "/"})
    worklist = await service.client.get("/recruitment/intake", params={"stap": "admitted"})
    assert "Kandidaat via Regionaal Mobiliteitsteam Flevoland" in worklist.text
    assert "Financiering volgens de plaatsing" in worklist.text
    await service.client.post(
        f"/recruitment/intake/{application.application_id}",
        data={"to": "enrolment_requested", "funding_kind": "private"},
    )
    await service.settle()
    data = await _stage(service, application.application_id)
    assert data["stage"] == "enrolled"
    assert data["enrolment"]["funding"]["payers"][0]["payer_id"] == "OIN-UWV"  # as the placement said
