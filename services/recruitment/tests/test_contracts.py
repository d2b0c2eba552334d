"""Consumer contract: recruitment parses what the catalogue and matching actually emit (their own
payload models), and what it publishes has no personal data."""

from __future__ import annotations

from datetime import date

from catalogue import events as catalogue_events
from matching import events as matching_events
from recruitment.events import PUBLISHED
from recruitment.handlers import (
    CandidateErased,
    CohortChanged,
    CohortEnded,
    DecisionDue,
    PlacementAccepted,
    SeatAnswer,
    placement_funding,
)


def _cohort_fields() -> dict:
    return {
        "cohort_id": "coh-1",
        "offering_id": "off-1",
        "provider_id": "BRIN-25LH",
        "region": "flevoland",
        "municipality": "Almere",
        "postcode": "1315",
        "lat": 52.37,
        "lon": 5.22,
        "start_date": "2027-02-01",
        "end_date": "2028-01-31",
        "decision_date": "2027-01-10",
        "capacity": 14,
        "break_even": 10,
        "seat_price_cents": 450000,
        "status": "planned",
        "seats_taken": 3,
        "seats_left": 11,
    }


def test_cohort_events_of_the_catalogue_parse():
    for model in (catalogue_events.CohortScheduled, catalogue_events.CohortUpdated):
        envelope = model(**_cohort_fields()).envelope(producer="catalogue", aggregate_id="coh-1")
        parsed = CohortChanged.model_validate(envelope.payload)
        assert (
            parsed.decision_date == date(2027, 1, 10) and parsed.seats_taken == 3 and parsed.break_even == 10
        )


def test_seat_events_of_the_catalogue_parse():
    reserved = catalogue_events.SeatReserved(
        cohort_id="coh-1",
        enrolment_id="enr-1",
        application_id="app-1",
        participant_ref="pr-1",
        funding_kind="private",
        payers=[catalogue_events.Payer(payer_id="KVK-1", kind="employer")],
        seats_left=2,
        seats_taken=12,
    )
    rejected = catalogue_events.SeatRejected(
        cohort_id="coh-1", enrolment_id="enr-2", application_id="app-2", reason="full"
    )
    released = catalogue_events.SeatReleased(
        cohort_id="coh-1", enrolment_id="enr-1", seats_left=3, seats_taken=11
    )
    for event in (reserved, rejected, released):
        answer = SeatAnswer.model_validate(event.envelope(producer="catalogue", aggregate_id="coh-1").payload)
        assert answer.enrolment_id in ("enr-1", "enr-2")
    assert SeatAnswer.model_validate(rejected.model_dump()).reason == "full"


def test_decision_and_cancellation_of_the_catalogue_parse():
    due = catalogue_events.CohortDecisionDue(
        cohort_id="coh-1",
        provider_id="BRIN-25LH",
        offering_id="off-1",
        enrolled=4,
        break_even=10,
        seats_missing=6,
        seat_price_cents=450000,
        decision_date="2027-01-10",
        start_date="2027-02-01",
    )
    assert DecisionDue.model_validate(due.model_dump()).enrolled == 4
    cancelled = catalogue_events.CohortCancelled(
        cohort_id="coh-1",
        provider_id="BRIN-25LH",
        offering_id="off-1",
        reason="too_few",
        merged_into=None,
        enrolment_ids=[],
    )
    assert CohortEnded.model_validate(cancelled.model_dump()).reason == "too_few"


def test_placements_and_erasure_of_matching_parse():
    accepted = matching_events.PlacementAccepted(
        placement_id="pl-1",
        proposal_id="prop-1",
        cohort_id="coh-1",
        demand_id="dem-1",
        candidate_ref=None,
        commissioner_org="KVK-39084217",
        seats=3,
        funding_kind="private",
        payers=[matching_events.Payer(payer_id="KVK-39084217", kind="employer", scheme="", share_bp=10000)],
    )
    placement = PlacementAccepted.model_validate(accepted.model_dump())
    funding = placement_funding(placement)
    assert funding.payers[0].name == "KVK-39084217" and funding.payers[0].scheme is None
    erased = matching_events.CandidateErased(candidate_ref="cand-1", region="flevoland")
    assert CandidateErased.model_validate(erased.model_dump()).candidate_ref == "cand-1"


def test_published_events_carry_no_personal_fields():
    personal = {"name", "email", "phone", "postcode", "applicant", "address", "birth_date"}
    for event_type, (topic, model) in PUBLISHED.items():
        assert topic.startswith("recruitment.")
        assert not personal & set(model.model_fields), event_type
