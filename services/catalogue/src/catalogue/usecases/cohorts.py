"""Cohorts (start moments): schedule, change, and move on with the calendar (running, completed).

The seats are `seats.py`, the go/no-go decision `decisions.py`."""

from __future__ import annotations

from catalogue import events as ev
from catalogue.documents import FREE_SLOT, Document, cohort_event_payload, highest_slot, now
from catalogue.domain import geo, rules
from catalogue.domain.errors import Conflict, NotFound, NotYours, invalid
from catalogue.domain.model import CohortCreate, CohortFields
from catalogue.domain.vocab import CohortStatus, OfferingStatus
from catalogue.store import CatalogueStore
from llo_shared.auth import Principal

# Seat decisions move a cohort's version without touching its fields; an edit retries on them.
EDIT_ATTEMPTS = 200


async def own_cohort(store: CatalogueStore, actor: Principal, cohort_id: str) -> Document:
    """A cohort of the actor's organisation (admin: any): NotFound, else NotYours. As stored: no
    seat holders (the decisions that need them read them)."""
    cohort = await store.cohort_document(cohort_id)
    if cohort is None:
        raise NotFound("Cohort", cohort_id)
    if not actor.owns(cohort["provider_id"]):
        raise NotYours("the token's organisation does not own this cohort")
    return cohort


def cohort_state(offering: Document, data: CohortFields) -> Document:
    """The cohort's fields as stored: the input, its place and what it inherits from its offering."""
    place = geo.place_of_postcode(data.postcode)
    if place is None:
        raise invalid("postcode", "not in a postcode area this catalogue covers")
    if place.municipality.casefold() != data.municipality.casefold():
        raise invalid("municipality", f"postcode {data.postcode} lies in {place.municipality}")
    fields = data.model_dump(mode="json", exclude={"version", "offering_id", "cohort_id"})
    last_enrol = data.end_date if data.rolling else data.start_date
    return fields | {
        "offering_id": offering["_id"],
        "provider_id": offering["provider_id"],
        "region": place.region,
        "lat": place.lat,
        "lon": place.lon,
        "enrol_until": last_enrol.isoformat(),
        "code": offering.get("code"),
        "level": offering["level"],
        "domain": offering["domain"],
        "credential_type": offering["credential_type"],
        "funding_kinds": rules.seat_funding_kinds(offering, fields),
        "visibility": offering["visibility"],
        "visible_to": offering.get("visible_to", []),
        "currency": "EUR",
        "changed_at": now(),
    }


async def schedule_cohort(
    store: CatalogueStore,
    offering: Document,
    data: CohortCreate,
    cohort_id: str,
    *,
    status: CohortStatus = CohortStatus.planned,
    prior_seats: dict[str, int] | None = None,
    import_id: str | None = None,
) -> Document:
    """A new cohort; `status` and `prior_seats` only for loading history (demo seed, import)."""
    staging_with_offering = import_id is not None and offering.get("import_id") == import_id
    if offering["status"] != OfferingStatus.published and not staging_with_offering:
        raise Conflict("cohorts are scheduled for published offerings only", field="offering_id")
    by_funding = {"funded_bol": 0, "funded_bbl": 0, "private": 0} | (prior_seats or {})
    taken = sum(by_funding.values())
    if taken > data.capacity:
        raise invalid("capacity", "below the seats already taken")
    doc = {"_id": cohort_id, "cohort_id": cohort_id, **cohort_state(offering, data)}
    doc |= {
        "status": status.value,
        "seats_taken": taken,
        "seats_left": data.capacity - taken,
        "seats_by_funding": by_funding,
        "prior_seats": by_funding,
        "seat_slots": FREE_SLOT * data.capacity,
        "surcharge_acceptances": [],
        "decision": None,
        "decision_due_at": None,
        "version": 1,
        "seats_version": 1,
        "created_at": now(),
    }
    return await store.insert_cohort(doc, ev.CohortScheduled(**cohort_event_payload(doc)), import_id)


async def update_cohort(
    store: CatalogueStore, current: Document, offering: Document, data: CohortFields, version: int
) -> Document:
    if current["status"] not in rules.OPEN_FOR_SEATS:
        raise Conflict(f"a {current['status']} cohort cannot be changed", field="status")
    for _ in range(EDIT_ATTEMPTS):
        updated = await _write_fields(store, current, offering, data, version)
        if updated is not None:
            return updated
        fresh = await store.cohort_document(current["_id"])
        if fresh is None or fresh["version"] != version:
            break
        current = fresh  # only its seats moved: check the capacity against them again
    raise Conflict("the cohort changed since you read it; read it again", field="version")


async def _write_fields(
    store: CatalogueStore, current: Document, offering: Document, data: CohortFields, version: int
) -> Document | None:
    if data.capacity < max(current["seats_taken"], highest_slot(current) + 1):
        raise invalid(
            "capacity", "below seats taken", f"capacity: {current['seats_taken']} seats are taken already"
        )
    state = cohort_state(offering, data) | {"version": version + 1}
    # Slots above the new capacity would stay bookable otherwise; a seat decision writes only
    # against the capacity it read, so a seat taken meanwhile never exceeds the capacity either.
    state["seats_left"] = data.capacity - current["seats_taken"]
    event = ev.CohortUpdated(**cohort_event_payload({**current, **state}))
    return await store.replace_cohort_fields(current, version, state, event)


async def transition(
    store: CatalogueStore,
    cohort: Document,
    target: CohortStatus,
    record: Document | None,
    event: ev.EventPayload,
) -> Document:
    """The cohort status machine (`rules.can_transition`), written with its event."""
    if not rules.can_transition(cohort["status"], target):
        raise Conflict(f"a {cohort['status']} cohort cannot become {target}", field="status")
    updated = await store.transition(cohort, target, record, event)
    if updated is None:
        raise Conflict("the cohort changed while deciding; read it again")
    return updated


async def set_status(store: CatalogueStore, cohort: Document, target: CohortStatus) -> Document:
    """running / completed: the calendar moves a confirmed cohort on."""
    changed = {**cohort, "status": target.value}
    return await transition(store, cohort, target, None, ev.CohortUpdated(**cohort_event_payload(changed)))
