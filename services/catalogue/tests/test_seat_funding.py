"""The seat decision checks the kind of seat: what the offering and the cohort offer (issue 11)."""

from datetime import date

import pytest

from catalogue.domain import rules
from catalogue.domain.model import CohortCreate, OfferingCreate, ProviderCreate
from catalogue.store import SEAT_REJECTIONS, CatalogueStore
from catalogue.usecases import publish_offering, register_provider, reserve_seat, schedule_cohort
from llo_shared.mongo import MemoryDatabase

from .conftest import cohort_body, offering_body, provider_body
from .test_seats import outbox_events, request

PRIVATE_COURSE = {
    "credential_type": "cursus",
    "code": None,
    "leerweg": "derde_leerweg",
    "requires_workplace": False,
    "funding": "privaat",
}


async def store_with(offering: dict, **cohort: object) -> CatalogueStore:
    store = CatalogueStore(MemoryDatabase("seat-funding"), today=lambda: date(2029, 6, 1))
    provider = await register_provider(store, ProviderCreate(**provider_body()))
    published = await publish_offering(store, provider, OfferingCreate(**offering_body(**offering)), "off-t")
    await schedule_cohort(store, published, CohortCreate(**cohort_body("off-t", **cohort)), "coh-test")
    return store


@pytest.mark.parametrize("kind", ["funded_bol", "funded_bbl"])
async def test_a_private_only_offering_refuses_a_funded_seat_with_a_reason_code(kind):
    store = await store_with(PRIVATE_COURSE)
    outcome = await reserve_seat(store, request(1, funding_kind=kind))
    assert (outcome.outcome, outcome.reason) == ("rejected", "funding_not_offered")
    [event] = await outbox_events(store, [SEAT_REJECTIONS])
    assert event["payload"]["reason"] == "funding_not_offered"
    assert event["payload"]["offered_funding_kinds"] == ["private"]
    assert (await store.cohort("coh-test"))["seats_taken"] == 0
    assert (await reserve_seat(store, request(2))).outcome == "reserved"  # a private seat is fine


async def test_a_funded_cohort_without_a_seat_price_offers_no_private_seat():
    store = await store_with({}, seat_price_cents=0)
    refused = await reserve_seat(store, request(1, funding_kind="private"))
    assert refused.reason == "funding_not_offered"
    assert (await reserve_seat(store, request(2, funding_kind="funded_bbl"))).outcome == "reserved"


async def test_a_bbl_offering_refuses_a_bol_seat_and_the_cohort_event_lists_what_is_offered():
    store = await store_with({})
    assert (await reserve_seat(store, request(1, funding_kind="funded_bol"))).reason == "funding_not_offered"
    scheduled = next(e for e in await outbox_events(store) if e["event_type"] == "CohortScheduled")
    assert scheduled["payload"]["funding_kinds"] == ["funded_bbl", "private"]


async def test_the_funding_refusal_comes_before_a_full_cohort():
    store = await store_with(PRIVATE_COURSE, capacity=1, break_even=1)
    await reserve_seat(store, request(1))
    assert (await reserve_seat(store, request(2, funding_kind="funded_bol"))).reason == "funding_not_offered"
    assert (await reserve_seat(store, request(3))).reason == "full"


def test_seat_funding_kinds_per_offering():
    bol = {"funding": "bekostigd", "leerweg": "bol"}
    assert rules.seat_funding_kinds(bol, {"seat_price_cents": 100}) == ["funded_bol", "private"]
    assert rules.seat_funding_kinds(bol, {"seat_price_cents": 0}) == ["funded_bol"]
    assert rules.seat_funding_kinds({"funding": "privaat", "leerweg": "derde_leerweg"}, {}) == ["private"]
