"""Consumer contract: the read model parses what the catalogue's own event models emit."""

from __future__ import annotations

from datetime import date

import pytest

from llo_shared.mongo import MemoryDatabase
from matching.handlers import apply_catalogue_event
from matching.store import ReadModel

catalogue_events = pytest.importorskip("catalogue.events")

OFFERING = {
    "offering_id": "OFF-1",
    "provider_id": "BRIN-25LH",
    "title": "Verzorgende-IG",
    "credential_type": "diploma",
    "code": "23268",
    "leerweg": "bbl",
    "level": 3,
    "domain": "zorg_welzijn_sport",
    "skills": ["zorg.adl", "zorg.medicatie"],
    "visibility": "onderhands",
    "visible_to": ["KVK-39084217"],
    "funding": "bekostigd",
    "price": {"tuition_cents": 100, "exam_cents": 20, "materials_cents": 3, "vat_code": "E"},
    "study_load_hours": 2400,
    "duration_weeks": 78,
    "start_policy": "fixed",
    "version": 1,
}
COHORT = {
    "cohort_id": "COH-1",
    "offering_id": "OFF-1",
    "provider_id": "BRIN-25LH",
    "region": "flevoland",
    "municipality": "Lelystad",
    "postcode": "8232",
    "lat": 52.5185,
    "lon": 5.4714,
    "start_date": "2027-03-01",
    "end_date": "2028-09-01",
    "decision_date": "2027-02-01",
    "capacity": 14,
    "break_even": 10,
    "seat_price_cents": 450000,
    "status": "planned",
    "seats_taken": 4,
    "seats_left": 10,
}


async def apply(read_model, model):
    envelope = catalogue_events.envelope_of(model, getattr(model, "cohort_id", None) or model.offering_id)
    return await apply_catalogue_event(read_model, envelope)


async def test_offering_and_cohort_events_of_the_producer_build_the_read_model():
    read_model = ReadModel(MemoryDatabase("contract"))
    assert await apply(read_model, catalogue_events.OfferingPublished(**OFFERING))
    assert await apply(read_model, catalogue_events.CohortScheduled(**COHORT))
    (offering,) = (await read_model.offerings()).values()
    assert offering.seat_funding == "funded_bbl" and offering.price_cents == 123
    assert offering.visible_for("KVK-39084217") and not offering.visible_for("KVK-1")
    (cohort,) = await read_model.cohorts()
    assert cohort.start_date == date(2027, 3, 1) and cohort.free_seats == 10 and cohort.break_even == 10


async def test_seat_and_decision_events_of_the_producer_update_the_cohort():
    read_model = ReadModel(MemoryDatabase("contract2"))
    await apply(read_model, catalogue_events.OfferingPublished(**OFFERING))
    await apply(read_model, catalogue_events.CohortScheduled(**COHORT))
    reserved = catalogue_events.SeatReserved(
        cohort_id="COH-1",
        enrolment_id="E-1",
        application_id=None,
        participant_ref="P-1",
        funding_kind="private",
        payers=[],
        seats_left=9,
        seats_taken=5,
    )
    assert await apply(read_model, reserved)
    (cohort,) = await read_model.cohorts()
    assert (cohort.free_seats, cohort.seats_taken) == (9, 5)
    cancelled = catalogue_events.CohortCancelled(
        cohort_id="COH-1", provider_id="BRIN-25LH", offering_id="OFF-1", reason="too_few", enrolment_ids=[]
    )
    assert await apply(read_model, cancelled)
    (cohort,) = await read_model.cohorts()
    assert not cohort.open_for_enrolment


async def test_the_offerings_delivery_reaches_the_cohorts_delivery_fit():
    from matching.domain.scoring import delivery_value

    read_model = ReadModel(MemoryDatabase("contract-delivery"))
    delivered = OFFERING | {
        "learning_modes": ["klassikaal", "werkplekleren"],
        "location_kinds": ["school"],
        "lesson_times": ["avond"],
        "own_pace": False,
    }
    await apply(read_model, catalogue_events.OfferingPublished(**delivered))
    await apply(read_model, catalogue_events.CohortScheduled(**COHORT))
    (cohort,) = await read_model.cohorts()
    assert cohort.delivery == frozenset({"classroom", "workplace_learning", "evening"})
    assert delivery_value(frozenset({"evening"}), cohort.delivery) == 1.0
    assert delivery_value(frozenset({"online"}), cohort.delivery) == 0.0
