"""Erasure leaves nothing of the person (issue 12): besides name and contact details, the intake
and transition notes (which held a phone number and a BSN) and the person as payer (name, sealed
invoice details), on applications made through the form and from a matching placement."""

from __future__ import annotations

import json
from datetime import timedelta

from llo_shared.bus import envelope_message
from llo_shared.envelope import EventEnvelope
from services.recruitment.tests.catalogue_double import CohortSeats
from services.recruitment.tests.helpers import INTAKE, applicant_body
from services.recruitment.tests.support import PROVIDER, RMT, Service

API = "/recruitment/api/v1"
SECRETS = ("06-12345678", "123456782", "Test Persoon", "Stationsstraat", "1315 AB", "voorbeeld.nl", "Jansen")
INVOICE = {"name": "Test Persoon 1", "street": "Stationsstraat 12", "postcode": "1315 AB", "city": "Almere"}


async def _cohort(service: Service, today) -> str:
    seats = CohortSeats(
        "coh-e1", PROVIDER, capacity=5, break_even=2, decision_date=today + timedelta(days=60)
    )
    await service.catalogue.schedule(seats)
    await service.settle()
    return seats.cohort_id


async def _stored(service: Service, app_id: str) -> str:
    doc = await service.recruitment.store.applications.find_one({"_id": app_id}, {"outbox": 0})
    return json.dumps(doc, default=str)


async def test_erasure_removes_notes_and_the_person_as_payer(service, today):
    cohort = await _cohort(service, today)
    body = applicant_body(cohort) | {"payer": {"who": "self", "invoice": INVOICE}}
    app_id = (
        await service.client.post(f"{API}/applications", json=body, headers=service.auth("rmt", RMT))
    ).json()["application_id"]
    steps = [
        {"to": "intake_planned", "note": "belde 06-12345678"},
        {"to": "intake_done", "intake": INTAKE | {"notes": "BSN 123456782 gezien"}},
        {"to": "admitted", "note": "mevrouw Jansen akkoord"},
        {"to": "enrolment_requested"},
    ]
    for step in steps:
        moved = await service.client.post(
            f"{API}/applications/{app_id}/transitions", json=step, headers=service.auth()
        )
        assert moved.status_code == 200, moved.text
    await service.settle()
    before = await _stored(service, app_id)
    assert "06-12345678" in before and "123456782" in before and 'sealed_details": "ey' in before

    erased = await service.client.delete(f"{API}/applications/{app_id}/personal-data", headers=service.auth())
    assert erased.json()["erased"] is True
    after = await _stored(service, app_id)
    assert not [s for s in SECRETS if s in after]
    assert '"sealed_details": "' not in after
    data = (await service.client.get(f"{API}/applications/{app_id}", headers=service.auth())).json()
    assert data["stage"] == "enrolled" and [t["to_stage"] for t in data["history"]][-1] == "enrolled"
    assert data["enrolment"]["funding"]["payers"][0]["payer_id"] == data["participant_ref"]
    await service.settle()
    [told] = service.published("recruitment.application.v1", "ParticipantErased")
    assert told["payload"] == {
        "application_id": app_id,
        "participant_ref": data["participant_ref"],
    }


async def test_a_placed_persons_application_forgets_them_when_matching_erases_the_candidate(service, today):
    cohort = await _cohort(service, today)
    placement = {
        "placement_id": "prop-1:cand",
        "cohort_id": cohort,
        "candidate_ref": "K-abc",
        "commissioner_org": RMT,
        "seats": 1,
        "funding_kind": "private",
        # As an older matching published it: the person's name as payer.
        "payers": [
            {
                "payer_id": "K-abc",
                "kind": "participant",
                "name": "Test Persoon Jansen",
                "share_bp": 10000,
                "sealed_details": "eyJhbGciOi.x.y.z.w",
            }
        ],
    }
    accepted = EventEnvelope(
        event_type="PlacementAccepted", producer="matching", aggregate_id="prop-1", payload=placement
    )
    await service.bus.publish([envelope_message("matching.placement.v1", accepted)])
    await service.settle()
    [application] = await service.recruitment.store.all_applications({"candidate_ref": "K-abc"})
    assert application.funding.payers[0].name == "K-abc"  # the name never entered recruitment's aggregate
    erased = EventEnvelope(
        event_type="CandidateErased",
        producer="matching",
        aggregate_id="K-abc",
        payload={"candidate_ref": "K-abc", "region": "flevoland"},
    )
    await service.bus.publish([envelope_message("matching.candidate.v1", erased)])
    await service.settle()
    after = await _stored(service, application.application_id)
    assert '"candidate_ref": null' in after and "eyJhbGciOi" not in after and "Jansen" not in after
