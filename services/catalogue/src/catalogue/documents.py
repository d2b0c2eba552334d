"""What the catalogue's documents hold beside their fields: the clock stamp, import staging, the
event payloads read off a document, and the seats as the insert-only ledger records them.

Helpers of the store and the use cases; no reads or writes here.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from catalogue import events as ev
from catalogue.domain.vocab import OfferingStatus
from llo_shared.outbox import PENDING

Document = dict[str, Any]  # a stored document as the store reads and writes it

IMPORTING = "importing"
SEAT_FIELDS = ("seats_taken", "seats_left", "seats_by_funding", "enrolment_ids", "enrolments")
SEAT_HOLDER_FIELDS = ("enrolment_id", "application_id", "participant_ref", "funding_kind", "payers", "slot")


def now() -> datetime:
    return datetime.now(UTC)


def staged(document: Document, import_id: str | None) -> Document:
    """An imported document stays invisible (and its events unpublished) until the import commits."""
    if import_id is None:
        return document
    hidden = {"import_id": import_id, PENDING: False}
    if (
        document.get("status") == OfferingStatus.published
        and "offering_id" in document
        and "cohort_id" not in document
    ):
        hidden["status"] = IMPORTING
    return document | hidden


def offering_event_payload(doc: Document) -> Document:
    keys = ev.OfferingPayload.model_fields.keys() - {"event_type"}
    return {k: doc[k] for k in keys if k in doc} | {"offering_id": doc["_id"]}


def cohort_event_payload(doc: Document) -> Document:
    keys = ev.CohortPayload.model_fields.keys() - {"event_type"}
    return {k: doc[k] for k in keys if k in doc} | {"cohort_id": doc["_id"]}


def consortium_event_fields(doc: Document, funded: dict[str, bool]) -> Document:
    return {
        "consortium_id": doc["_id"],
        "name": doc["name"],
        "members": list(doc["members"]),
        "funded_members": [m for m in doc["members"] if funded.get(m)],
        "flex_partnership": doc["flex_partnership"],
    }


def seat_commit_id(cohort_id: str, version: int) -> str:
    return f"{cohort_id}#v{version}"


def seat_holder(entry: Document) -> Document:
    """A seat as the cohort document holds it, from its ledger entry."""
    return {k: entry.get(k) for k in SEAT_HOLDER_FIELDS} | {
        "seat_id": entry["_id"],
        "reserved_at": entry["at"],
    }


def enrolments_after(enrolments: list[Document], changes: list[Document]) -> list[Document]:
    """The seats held after a commit's changes (its ledger entries), in slot order."""
    held = {e["seat_id"]: e for e in enrolments}
    for change in changes:
        if change["kind"] == "released":
            held.pop(change["of"], None)
        else:
            held[change["_id"]] = seat_holder(change)
    return sorted(held.values(), key=lambda e: e["slot"])


def with_ledger_counts(cohort: Document, ledger: list[Document]) -> Document:
    """A cohort stored before seats lived in its document, with the seats its old ledger entries hold."""
    released = {d["of"] for d in ledger if d["kind"] == "released"}
    held = sorted(
        (d for d in ledger if d["kind"] == "reserved" and d["_id"] not in released), key=lambda d: d["slot"]
    )
    by_funding = dict(cohort.get("prior_seats") or {"funded_bol": 0, "funded_bbl": 0, "private": 0})
    for seat in held:
        by_funding[seat["funding_kind"]] = by_funding.get(seat["funding_kind"], 0) + 1
    taken = sum(by_funding.values())
    enrolments = [seat_holder(d) for d in held]
    return cohort | {
        "seats_taken": taken,
        "seats_left": cohort["capacity"] - taken,
        "seats_by_funding": by_funding,
        "enrolment_ids": [e["enrolment_id"] for e in enrolments],
        "enrolments": enrolments,
        "_ledger": ledger,
    }


def new_id(prefix: str, title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:30].strip("-")
    return f"{prefix}-{slug}-{uuid.uuid4().hex[:8]}" if slug else f"{prefix}-{uuid.uuid4().hex[:12]}"
