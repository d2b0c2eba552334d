"""Billing's collections, their indexes, and the gapless number allocator.

Read models (entities, offerings, cohorts, enrolments) are kept from other services' events.
Documents (invoices and credit notes) carry their own outbox, so issuing a document and its
event is one single-document write; payments live inside the invoice they pay for the same reason.
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import BulkWriteError, DuplicateKeyError

from llo_shared.mongo import IndexSpec

ENTITIES = "entities"
OFFERINGS = "offerings"
COHORTS = "cohorts"
ENROLMENTS = "enrolments"
DOCUMENTS = "documents"
COUNTERS = "counters"
NUMBERS = "numbers"
COST_MODELS = "cost_models"
IMPORTS = "payment_imports"
PAYERS = "payers"
WAITING = "waiting_invoices"  # invoices whose payer lacks data (billing/usecases/payers.py)

OUTBOX_COLLECTIONS = (DOCUMENTS,)

INDEXES = [
    IndexSpec(
        DOCUMENTS,
        [("entity_id", 1), ("ledger", 1), ("kind", 1), ("number", 1)],
        name="entity_number",
    ),
    IndexSpec(DOCUMENTS, [("entity_id", 1), ("issue_date", -1), ("_id", 1)], name="entity_issue_date"),
    IndexSpec(DOCUMENTS, [("cohort_id", 1)], name="cohort"),
    IndexSpec(DOCUMENTS, [("enrolment_id", 1)], name="enrolment"),
    IndexSpec(ENROLMENTS, [("cohort_id", 1)], name="enrolment_cohort"),
    IndexSpec(WAITING, [("entity_id", 1), ("payer_id", 1)], name="waiting_payer"),
    IndexSpec(NUMBERS, [("series", 1), ("document_id", 1)], name="number_claim"),
    IndexSpec(
        COST_MODELS,
        [("entity_id", 1), ("scope", 1), ("ref", 1)],
        unique=True,
        name="cost_model_scope",
    ),
]


async def allocate_number(db: Any, key: str, document_id: str) -> int:
    """The next number of a gapless series (entity, ledger, kind, year).

    A number is claimed by inserting (series, number) under a unique _id: the insert is atomic
    on MongoDB and on FerretDB alike. (A find_one_and_update $inc on one counter document is not:
    the real-infra test saw FerretDB hand one number to two concurrent callers.) The counter
    document is only a hint where to start probing, so a stale hint costs a retry, never a gap.
    The claim remembers its document, so a retry after a crash gets the same number back."""
    claims = db[NUMBERS]
    earlier = await claims.find_one({"series": key, "document_id": document_id})
    if earlier is not None:
        return int(earlier["number"])
    hint = await db[COUNTERS].find_one({"_id": key})
    number = int(hint["seq"]) + 1 if hint else 1
    while True:
        try:
            await claims.insert_one(
                {
                    "_id": f"{key}|{number:09d}",
                    "series": key,
                    "number": number,
                    "document_id": document_id,
                }
            )
            break
        except DuplicateKeyError:
            number += 1  # taken by a concurrent caller: the next one is ours to try
    await _raise_hint(db, key, number)
    return number


async def claim_numbers(db: Any, key: str, document_ids: list[str]) -> list[int]:
    """The next numbers of a gapless series for several new documents, in their order.

    Same claims as `allocate_number`, inserted as one ordered block: where a concurrent caller
    took a number, the block stops there and the rest is claimed after it. Only for documents
    that cannot have a claim yet (the caller created their cause in this very call); a retry
    goes through `allocate_number`, which finds an earlier claim."""
    hint = await db[COUNTERS].find_one({"_id": key})
    number = int(hint["seq"]) + 1 if hint else 1
    numbers: list[int] = []
    while len(numbers) < len(document_ids):
        pending = document_ids[len(numbers) :]
        claims = [
            {"_id": f"{key}|{n:09d}", "series": key, "number": n, "document_id": document_id}
            for n, document_id in enumerate(pending, start=number)
        ]
        try:
            await db[NUMBERS].insert_many(claims, ordered=True)
            claimed = len(claims)
        except BulkWriteError as error:
            _only_duplicates(error)
            claimed = error.details["nInserted"]
        numbers += range(number, number + claimed)
        number += claimed + 1  # the number where the block stopped is someone else's
    if numbers:
        await _raise_hint(db, key, numbers[-1])
    return numbers


async def insert_new(collection: Any, documents: list[dict[str, Any]]) -> set[Any]:
    """Insert the documents whose _id is not stored yet, in one round trip; return their ids."""
    if not documents:
        return set()
    ids = [document["_id"] for document in documents]
    try:
        await collection.insert_many(documents, ordered=False)
        return set(ids)
    except BulkWriteError as error:
        _only_duplicates(error)
        return set(ids) - {ids[e["index"]] for e in error.details["writeErrors"]}


def _only_duplicates(error: BulkWriteError) -> None:
    if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
        raise error


async def _raise_hint(db: Any, key: str, number: int) -> None:
    try:
        await db[COUNTERS].update_one({"_id": key}, {"$max": {"seq": number}}, upsert=True)
    except DuplicateKeyError:  # two first claims raced to create the hint
        await db[COUNTERS].update_one({"_id": key}, {"$max": {"seq": number}})
