"""The payer register (payer master data) and the invoices that wait for it.

Finance keeps, per administration, the name and postal address of everyone it invoices:
employers and O&O funds (KvK, scheme 0106), UWV and municipalities (OIN, scheme 0190),
consortium partners, and private participants (whose details arrive sealed, see `sealed.py`).
Events name a payer by id and at most a name and an electronic address; the register completes
the party at the moment an invoice is issued, and the issued invoice keeps that party as it was.

An invoice whose payer lacks what the e-invoice rules need (a real name, NL-R-004's street,
post code and city, an organisation's KvK or OIN) is neither numbered nor stored as a document:
it waits in `waiting_invoices` ("te voltooien"), so numbering stays gapless and no invalid
e-invoice leaves. Completing the payer (page, API, or sealed details arriving) issues what waited,
with the next numbers and the day of issue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from billing.domain.invoices import Document, DocumentKind, Party
from billing.store import PAYERS, WAITING

ORGANISATION_KINDS = {"employer", "uwv", "gemeente", "oo_fonds", "budget_scheme", "consortium_partner"}
PARTY_FIELDS = ("name", "kind", "scheme", "endpoint", "street", "city", "postcode", "country", "email")
# What a payer can lack, in the words of the register's page.
FIELD_LABELS = {
    "name": "naam",
    "street": "straat en huisnummer",
    "postcode": "postcode",
    "city": "plaats",
    "endpoint": "KvK- of OIN-nummer",
}
# "KVK-39084217", "OIN-0000...", "pr-c49a5b...", "39084217": ids, not names (a code with a digit).
_ID_LIKE = re.compile(r"^((KVK|OIN|BRIN|PR|PREF)[-_ ]?(?=[A-Z0-9-]*\d)[A-Z0-9-]+|\d+)$", re.IGNORECASE)


def register_id(entity_id: str, payer_id: str) -> str:
    return f"{entity_id}|{payer_id}"


def is_real_name(name: str | None, payer_id: str) -> bool:
    """A name a person reads: not empty, not the payer's id, not an id-like code."""
    text = (name or "").strip()
    return bool(text) and text != payer_id and not _ID_LIKE.match(text)


def completed(party: Party, master: dict[str, Any] | None) -> Party:
    """The party as it goes on an invoice: what finance keeps in the register wins (it is how
    the payer wants to be addressed), the event fills what the register lacks. A participant's
    name in an event is a pseudonym label, never a name to print."""
    values = party.model_dump()
    if party.kind == "participant" or not is_real_name(party.name, party.payer_id):
        values["name"] = ""
    for field in PARTY_FIELDS:
        if master and master.get(field):
            values[field] = master[field]
    values["name"] = values["name"] or party.payer_id  # Party needs some name; `lacking` tells
    return Party.model_validate(values)


def lacking(party: Party) -> list[str]:
    """What the e-invoice rules need and this party lacks (keys of FIELD_LABELS)."""
    missing = [] if is_real_name(party.name, party.payer_id) else ["name"]
    missing += [f for f in ("street", "postcode", "city") if not getattr(party, f).strip()]
    if party.kind in ORGANISATION_KINDS and not (party.scheme and party.endpoint):
        missing.append("endpoint")
    return missing


async def master_of(db: Any, entity_id: str, payer_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = await db[PAYERS].find_one({"_id": register_id(entity_id, payer_id)})
    return found


async def ready_to_issue(db: Any, document: Document, extra: dict[str, Any]) -> Readiness:
    """`document` with its payer completed from the register, or parked in the waiting list.
    Credit notes copy the party of the invoice they correct."""
    if document.kind is DocumentKind.credit_note:
        return Readiness([(document, extra)], [])
    return await ready_to_issue_many(db, [(document, extra)])


@dataclass
class Readiness:
    ready: list[tuple[Document, dict[str, Any]]]
    # (administration, payer, day) of parked invoices whose payer finance completed while they
    # were being parked: the caller issues what waits for them (`issuing.issue_waiting`)
    completed_meanwhile: list[tuple[str, str, date]]


async def ready_to_issue_many(db: Any, invoices: list[tuple[Document, dict[str, Any]]]) -> Readiness:
    """`ready_to_issue` for a run of new invoices, with one read of the register for all."""
    masters = await _masters(db, {(d.entity_id, d.payer.payer_id) for d, _ in invoices})
    ready, parked = [], []
    for document, extra in invoices:
        party = completed(
            document.payer, masters.get(register_id(document.entity_id, document.payer.payer_id))
        )
        missing = lacking(party)
        if missing:
            await park(db, document.model_copy(update={"payer": party}), extra, missing)
            parked.append(document)
        else:
            ready.append((document.model_copy(update={"payer": party}), extra))
    # Finance may have completed a payer between our read and our park, and then found nothing
    # waiting: read again after parking, so one of the two always sees the other's write.
    again = await _masters(db, {(d.entity_id, d.payer.payer_id) for d in parked})
    meanwhile = {
        (d.entity_id, d.payer.payer_id, d.issue_date)
        for d in parked
        if not lacking(completed(d.payer, again.get(register_id(d.entity_id, d.payer.payer_id))))
    }
    return Readiness(ready, sorted(meanwhile))


async def _masters(db: Any, keys: set[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    if not keys:
        return {}
    ids = sorted(register_id(entity_id, payer_id) for entity_id, payer_id in keys)
    return {m["_id"]: m for m in await db[PAYERS].find({"_id": {"$in": ids}}).to_list(None)}


async def park(db: Any, document: Document, extra: dict[str, Any], missing: list[str]) -> None:
    """Keep the invoice (a later version of the same cause replaces it) and make sure the payer
    appears in the register, so that finance sees whom to complete."""
    payer = document.payer
    await db[WAITING].replace_one(
        {"_id": document.document_id},
        {
            "_id": document.document_id,
            "entity_id": document.entity_id,
            "payer_id": payer.payer_id,
            "payer_kind": payer.kind,
            "document": document.model_dump(mode="json"),
            "extra": extra,
            "enrolment_id": extra.get("enrolment_id"),
            "cohort_id": document.cohort_id,
            "net_cents": document.net_cents,
            "total_cents": document.total_cents,
            "lacking": missing,
            "since": document.issue_date.isoformat(),
        },
        upsert=True,
    )
    known = {
        "name": payer.name if is_real_name(payer.name, payer.payer_id) else "",
        "scheme": payer.scheme,
        "endpoint": payer.endpoint,
    }
    await db[PAYERS].update_one(
        {"_id": register_id(document.entity_id, payer.payer_id)},
        {
            "$setOnInsert": {
                "entity_id": document.entity_id,
                "payer_id": payer.payer_id,
                "kind": payer.kind,
                "street": "",
                "city": "",
                "postcode": "",
                "country": payer.country,
                "buyer_reference": None,
                "source": "invoice",
            }
            | known
        },
        upsert=True,
    )


async def unpark(db: Any, document_ids: list[str]) -> None:
    if document_ids:
        await db[WAITING].delete_many({"_id": {"$in": document_ids}})


async def drop_waiting(db: Any, *, enrolment_id: str | None = None, cohort_id: str | None = None) -> None:
    """A withdrawal or a cancelled cohort: what waited for it is not to be issued any more."""
    if enrolment_id:
        await db[WAITING].delete_many({"enrolment_id": enrolment_id})
    if cohort_id:
        await db[WAITING].delete_many({"cohort_id": cohort_id})


# Oldest first: the order the list to complete shows, and the API pages in (llo_shared.paging).
WAITING_ORDER = [("since", 1), ("_id", 1)]


def waiting_query(entity_id: str, payer_id: str | None = None) -> dict[str, Any]:
    return {"entity_id": entity_id} | ({"payer_id": payer_id} if payer_id else {})


async def waiting_for(db: Any, entity_id: str, payer_id: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        await db[WAITING].find(waiting_query(entity_id, payer_id)).sort(WAITING_ORDER).to_list(None)
    )
    return found


def waiting_document(parked: dict[str, Any], day: date) -> Document:
    """The parked invoice as issued on `day`, with the payment term it had."""
    document = Document.model_validate(parked["document"])
    term = document.due_date - document.issue_date
    return document.model_copy(update={"issue_date": day, "due_date": day + max(term, timedelta(0))})


def register_entry(entity_id: str, payer_id: str, details: dict[str, Any], source: str) -> dict[str, Any]:
    return details | {
        "_id": register_id(entity_id, payer_id),
        "entity_id": entity_id,
        "payer_id": payer_id,
        "source": source,
        "updated_at": datetime.now(UTC).isoformat(),
    }
