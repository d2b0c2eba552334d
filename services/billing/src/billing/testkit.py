"""Events as the producers publish them (docs/events.md): for tests, the benchmark and the demo."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from llo_shared.bus import Message, envelope_message
from llo_shared.envelope import EventEnvelope
from llo_shared.surcharge import decided_parts, surcharge_total_cents

PROVIDER = "BRIN-25LH"
EMPLOYER = {
    "payer_id": "KVK-39084217",
    "kind": "employer",
    "name": "Zorggroep Almere",
    "scheme": "0106",
    "endpoint": "39084217",
    "share_bp": 10000,
}
GEMEENTE = {
    "payer_id": "OIN-00000001002306608000",
    "kind": "gemeente",
    "name": "Gemeente Almere",
    "scheme": "0190",
    "endpoint": "00000001002306608000",
    "share_bp": 10000,
}

# The register's master data for those payers: their postal addresses (NL-R-004), kept by finance.
ADDRESSES = {
    EMPLOYER["payer_id"]: {"street": "Hospitaalweg 1", "city": "Almere", "postcode": "1315 RA"},
    GEMEENTE["payer_id"]: {"street": "Stadhuisplein 1", "city": "Almere", "postcode": "1315 HR"},
}


async def register_known_payers(db: Any, entity_ids: tuple[str, ...] = (PROVIDER, "BRIN-30RR")) -> None:
    """Finance has completed the register for the payers above, as a live administration would
    have: their invoices are issued at once (a payer lacking data makes its invoices wait)."""
    for entity_id in entity_ids:
        for payer in (EMPLOYER, GEMEENTE):
            details = {k: payer[k] for k in ("kind", "name", "scheme", "endpoint")}
            await register_payer(
                db, entity_id, str(payer["payer_id"]), details | ADDRESSES[str(payer["payer_id"])]
            )


TEST_ADDRESS = {"street": "Teststraat 1", "postcode": "1315 AA", "city": "Almere"}


def payers_named_in(item: tuple[str, EventEnvelope]) -> list[tuple[str, dict[str, Any]]]:
    """(administration, payer) of every organisation payer an event names: the payers of an
    enrolment or placement, and those of a surcharge decision."""
    payload = item[1].payload
    surcharge = payload.get("surcharge") or {}
    payers = list(payload.get("payers") or []) + list(surcharge.get("payers") or [])
    entity_id = payload.get("provider_id") or PROVIDER
    return [(entity_id, p) for p in payers if isinstance(p, dict) and p.get("kind") != "participant"]


async def complete_register(db: Any, named: list[tuple[str, dict[str, Any]]]) -> None:
    """A finance office that keeps its payer register complete: every organisation payer named
    gets the postal address events never carry (NL-R-004), so its invoices are issued at once;
    an entry finance already keeps stays as it is. Tests of the list to complete leave this out."""
    from billing.payers import register_id

    for entity_id, payer in named:
        await db["payers"].update_one(
            {"_id": register_id(entity_id, payer["payer_id"])},
            {
                "$setOnInsert": {
                    "entity_id": entity_id,
                    "payer_id": payer["payer_id"],
                    "kind": payer.get("kind") or "employer",
                    "source": "test",
                }
                | TEST_ADDRESS
                | _electronic_address(payer["payer_id"])
            },
            upsert=True,
        )


def _electronic_address(payer_id: str) -> dict[str, str]:
    """The KvK or OIN in an id like KVK-39084217 or OIN-0000...: finance knows it."""
    kvk, oin = re.fullmatch(r"KVK-(\d{8})", payer_id), re.fullmatch(r"OIN-(\d{20})", payer_id)
    if kvk:
        return {"scheme": "0106", "endpoint": kvk.group(1)}
    if oin:
        return {"scheme": "0190", "endpoint": oin.group(1)}
    return {}


async def register_payer(db: Any, entity_id: str, payer_id: str, details: dict[str, Any]) -> None:
    """One entry of `entity_id`'s payer register, as finance keeps it."""
    from billing.payers import register_entry

    entry = register_entry(entity_id, payer_id, details, "test")
    await db["payers"].replace_one({"_id": entry["_id"]}, entry, upsert=True)


def envelope(
    event_type: str, producer: str, aggregate_id: str, payload: dict[str, Any], **kw: Any
) -> EventEnvelope:
    return EventEnvelope(
        event_id=kw.get("event_id", uuid.uuid4()),
        event_type=event_type,
        producer=producer,
        aggregate_id=aggregate_id,
        occurred_at=kw.get("occurred_at", datetime(2026, 9, 1, 9, 0, tzinfo=UTC)),
        payload=payload,
    )


def provider_registered(
    provider_id: str = PROVIDER, name: str = "ROC van Flevoland"
) -> tuple[str, EventEnvelope]:
    payload = {
        "provider_id": provider_id,
        "name": name,
        "kind": "roc",
        "funded": True,
        "kvk": "39082468",
    }
    return "catalogue.provider.v1", envelope("ProviderRegistered", "catalogue", provider_id, payload)


def offering_published(
    offering_id: str = "OFF-HELPENDE", provider_id: str = PROVIDER
) -> tuple[str, EventEnvelope]:
    payload = {
        "offering_id": offering_id,
        "provider_id": provider_id,
        "title": "Helpende Zorg & Welzijn (derde leerweg)",
        "credential_type": "diploma",
        "funding": "private",
        "price": {"tuition_cents": 250_000, "exam_cents": 0, "materials_cents": 0, "vat_code": "E"},
        "some_future_field": {"ignored": True},
    }
    return "catalogue.offering.v1", envelope("OfferingPublished", "catalogue", offering_id, payload)


def cohort(
    event_type: str = "CohortScheduled",
    cohort_id: str = "COH-1",
    provider_id: str = PROVIDER,
    seats_taken: int = 0,
    status: str = "planned",
    break_even: int = 12,
    seat_price_cents: int = 250_000,
    start_date: str = "2026-10-01",
) -> tuple[str, EventEnvelope]:
    payload = {
        "cohort_id": cohort_id,
        "offering_id": "OFF-HELPENDE",
        "provider_id": provider_id,
        "region": "flevoland",
        "start_date": start_date,
        "end_date": "2027-03-31",
        "decision_date": "2026-09-15",
        "capacity": 16,
        "break_even": break_even,
        "seat_price_cents": seat_price_cents,
        "currency": "EUR",
        "status": status,
        "seats_taken": seats_taken,
        "seats_left": 16 - seats_taken,
    }
    return "catalogue.cohort.v1", envelope(event_type, "catalogue", cohort_id, payload)


def enrolled(
    enrolment_id: str,
    cohort_id: str = "COH-1",
    payers: list[dict[str, Any]] | None = None,
    funding_kind: str = "private",
    seat_price_cents: int | None = 250_000,
    provider_id: str = PROVIDER,
) -> tuple[str, EventEnvelope]:
    payload = {
        "enrolment_id": enrolment_id,
        "application_id": "APP-" + enrolment_id,
        "cohort_id": cohort_id,
        "offering_id": "OFF-HELPENDE",
        "provider_id": provider_id,
        "participant_ref": "PREF-" + enrolment_id,
        "funding_kind": funding_kind,
        "payers": payers if payers is not None else [EMPLOYER],
        "seat_price_cents": seat_price_cents,
        "enrolled_at": "2026-09-01T09:00:00Z",
    }
    return "recruitment.application.v1", envelope(
        "ParticipantEnrolled", "recruitment", "APP-" + enrolment_id, payload
    )


def withdrawn(enrolment_id: str, cohort_id: str = "COH-1") -> tuple[str, EventEnvelope]:
    payload = {
        "enrolment_id": enrolment_id,
        "application_id": "APP-" + enrolment_id,
        "cohort_id": cohort_id,
        "participant_ref": "PREF-" + enrolment_id,
        "reason": "personal",
    }
    return "recruitment.application.v1", envelope(
        "EnrolmentWithdrawn", "recruitment", "APP-" + enrolment_id, payload
    )


def confirmed(
    cohort_id: str = "COH-1",
    enrolled_count: int = 8,
    surcharge_payers: list[dict[str, Any]] | None = None,
    break_even: int = 12,
    seat_price_cents: int = 250_000,
) -> tuple[str, EventEnvelope]:
    decision = "go_with_surcharge" if surcharge_payers else "go"
    surcharge = None
    if surcharge_payers:
        total = surcharge_total_cents(break_even, enrolled_count, seat_price_cents)
        # the catalogue fixes each payer's part (the one rule), unless a test gives the parts itself
        parts = decided_parts(total, [p.get("seats") or 1 for p in surcharge_payers])
        surcharge = {
            "total_cents": total,
            "payers": [{"amount_cents": part} | p for p, part in zip(surcharge_payers, parts, strict=True)],
        }
    payload = {
        "cohort_id": cohort_id,
        "provider_id": PROVIDER,
        "offering_id": "OFF-HELPENDE",
        "decision": decision,
        "enrolled": enrolled_count,
        "break_even": break_even,
        "seat_price_cents": seat_price_cents,
        "surcharge": surcharge,
    }
    return "catalogue.cohort.v1", envelope("CohortConfirmed", "catalogue", cohort_id, payload)


def cancelled(cohort_id: str = "COH-1") -> tuple[str, EventEnvelope]:
    payload = {
        "cohort_id": cohort_id,
        "provider_id": PROVIDER,
        "reason": "too_few",
        "merged_into": None,
    }
    return "catalogue.cohort.v1", envelope("CohortCancelled", "catalogue", cohort_id, payload)


def message(item: tuple[str, EventEnvelope]) -> Message:
    topic, env = item
    return envelope_message(topic, env)
