from __future__ import annotations

import pytest
from pydantic import ValidationError

from llo_shared.envelope import EventEnvelope
from llo_shared.envelope import TolerantModel as Tolerant
from llo_shared.subscriptions import SubscriptionTable, on


class SeatsSeen(Tolerant):
    cohort_id: str
    seats_left: int


class CohortGone(Tolerant):
    cohort_id: str


async def count(seen_by: list[object], seats: SeatsSeen, event: EventEnvelope) -> str:
    seen_by.append(seats)
    return f"{seats.cohort_id}:{seats.seats_left}"


async def forget(seen_by: list[object], gone: CohortGone, event: EventEnvelope) -> str:
    seen_by.append(gone)
    return f"gone {gone.cohort_id}"


TABLE: SubscriptionTable[list[object], str] = SubscriptionTable(
    "test.cohorts",
    ("catalogue.cohort.v1",),
    (on("SeatReserved", SeatsSeen, count), on("CohortCancelled", CohortGone, forget)),
)


def event(event_type: str, **payload: object) -> EventEnvelope:
    return EventEnvelope(event_type=event_type, producer="catalogue", aggregate_id="c-1", payload=payload)


async def test_each_event_type_is_parsed_with_its_model_and_handled_by_its_handler():
    seen: list[object] = []
    assert await TABLE.dispatch(seen, event("SeatReserved", cohort_id="c-1", seats_left=3, new=1)) == "c-1:3"
    assert await TABLE.dispatch(seen, event("CohortCancelled", cohort_id="c-1")) == "gone c-1"
    assert seen == [SeatsSeen(cohort_id="c-1", seats_left=3), CohortGone(cohort_id="c-1")]


async def test_an_event_type_the_table_does_not_name_is_skipped():
    seen: list[object] = []
    assert await TABLE.dispatch(seen, event("SeatRejected", cohort_id="c-1")) is None
    await TABLE.handler(seen)(event("OfferingPublished"))
    assert seen == []


async def test_a_payload_that_does_not_parse_raises_so_the_bus_can_dead_letter_it():
    with pytest.raises(ValidationError):
        await TABLE.handler([])(event("SeatReserved", cohort_id="c-1"))


def test_the_table_names_its_event_types_and_their_payload_models():
    assert TABLE.event_types == ("SeatReserved", "CohortCancelled")
    row = TABLE.row("CohortCancelled")
    assert row is not None and row.payload is CohortGone
    assert TABLE.row("SeatRejected") is None


def test_one_row_per_event_type():
    with pytest.raises(ValueError, match="SeatReserved"):
        SubscriptionTable(
            "test.twice", ("t",), (on("SeatReserved", SeatsSeen, count), on("SeatReserved", SeatsSeen, count))
        )
