"""What the catalogue's documents hold beside their fields: the clock stamp, import staging, the
event payloads read off a document, the seats as the insert-only ledger records them, and the
cohort's record of its taken slots (`seat_slots`).

Helpers of the store and the use cases; no reads or writes here.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from catalogue import events as ev
from catalogue.domain.vocab import OfferingStatus
from llo_shared.outbox import PENDING

Document = dict[str, Any]  # a stored document as the store reads and writes it

IMPORTING = "importing"
SEAT_COUNTS = ("seats_taken", "seats_left", "seats_by_funding")
# Where a cohort document kept its seat holders before they were read from the ledger: a document
# still holding them is moved to `seat_slots` once (store.CatalogueStore.cohort_document).
OLD_HOLDER_FIELDS = ("enrolments", "enrolment_ids")
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


def seat_id_of(cohort_id: str, slot: int, version: int) -> str:
    """The seat a decision on seats version `version` reserves in `slot` (its ledger entry's id)."""
    return f"{cohort_id}#s{slot}#v{version}"


# Seat slots: one fixed-width token per slot (0..capacity-1) in one string, so the cohort document
# does not grow with its holders (FerretDB reads and rewrites a whole document on each call, and
# its cost follows the number of values in it). A taken slot's token is the seats version whose
# commit reserved it (8 hex digits: the holder's details are that commit's ledger entry, read by
# `_id`) and a digest of the holder's enrolment id (8 hex digits: a request whose digest matches
# no slot holds no seat here; a match is checked against the ledger entry). A free slot is dashes.
SLOT_WIDTH = 16
FREE_SLOT = "-" * SLOT_WIDTH
LEGACY_VERSION = 0  # holders from before seat commits: their entries are in commit `#v0`


def enrolment_digest(enrolment_id: str) -> str:
    return hashlib.blake2b(enrolment_id.encode(), digest_size=4).hexdigest()


def slot_token(version: int, enrolment_id: str) -> str:
    return f"{version:08x}{enrolment_digest(enrolment_id)}"


def token_version(token: str) -> int:
    return int(token[:8], 16)


def read_slots(cohort: Document) -> list[str]:
    """The cohort's slot tokens, one per slot up to its capacity (or its highest taken slot)."""
    packed = cohort.get("seat_slots") or ""
    tokens = [packed[i : i + SLOT_WIDTH] for i in range(0, len(packed), SLOT_WIDTH)]
    return tokens + [FREE_SLOT] * (cohort["capacity"] - len(tokens))


def packed_slots(tokens: list[str], capacity: int) -> str:
    """The tokens as stored: exactly `capacity` of them (more only while a higher slot is held)."""
    highest = max((slot for slot, token in enumerate(tokens) if token != FREE_SLOT), default=-1)
    kept = tokens[: max(capacity, highest + 1)]
    return "".join(kept) + FREE_SLOT * (capacity - len(kept))


def slots_held(holders: list[tuple[Document, int]], capacity: int) -> str:
    """The slots of these holders, each with the seats version whose commit reserved it."""
    tokens = [FREE_SLOT] * capacity
    for holder, version in holders:
        tokens += [FREE_SLOT] * (holder["slot"] + 1 - len(tokens))
        tokens[holder["slot"]] = slot_token(version, holder["enrolment_id"])
    return packed_slots(tokens, capacity)


def highest_slot(cohort: Document) -> int:
    """The highest slot held (-1 when none is)."""
    return max((slot for slot, token in enumerate(read_slots(cohort)) if token != FREE_SLOT), default=-1)


def slots_holding(cohort: Document, enrolment_ids: list[str]) -> list[int]:
    """The slots whose token names one of these enrolments' digests: the only slots that can hold them."""
    digests = {enrolment_digest(e) for e in enrolment_ids}
    return [s for s, token in enumerate(read_slots(cohort)) if token != FREE_SLOT and token[8:] in digests]


def slots_after(cohort: Document, changes: list[Document], version: int) -> str:
    """The cohort's slots after the changes (ledger entries) the commit on `version` holds."""
    tokens = read_slots(cohort)
    for change in changes:
        slot = change["slot"]
        tokens += [FREE_SLOT] * (slot + 1 - len(tokens))
        if change["kind"] == "released":
            tokens[slot] = FREE_SLOT
        else:
            tokens[slot] = slot_token(version, change["enrolment_id"])
    return packed_slots(tokens, cohort["capacity"])


def commit_version(cohort_id: str, holder: Document) -> int:
    """The seats version whose commit reserved this held seat; LEGACY_VERSION for older seats."""
    prefix = f"{cohort_id}#s{holder['slot']}#v"
    seat_id = str(holder["seat_id"])
    suffix = seat_id.removeprefix(prefix)
    return int(suffix) if seat_id.startswith(prefix) and suffix.isdigit() else LEGACY_VERSION


def seat_holder(entry: Document) -> Document:
    """A held seat as the cohort shows it to its provider, from its ledger entry."""
    return {k: entry.get(k) for k in SEAT_HOLDER_FIELDS} | {
        "seat_id": entry["_id"],
        "reserved_at": entry["at"],
    }


def ledger_entry(holder: Document) -> Document:
    """A held seat as a ledger entry (`seat_holder` read backwards)."""
    entry = {k: holder.get(k) for k in SEAT_HOLDER_FIELDS}
    return entry | {"_id": holder["seat_id"], "kind": "reserved", "at": holder.get("reserved_at")}


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
