"""Billing's collections, their indexes, and the gapless number allocator.

Read models (entities, offerings, cohorts, enrolments) are kept from other services' events.
Documents (invoices and credit notes) carry their own outbox, so issuing a document and its
event is one single-document write; payments live inside the invoice they pay for the same reason.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from llo_shared.mongo import IndexSpec

ENTITIES = "entities"
OFFERINGS = "offerings"
COHORTS = "cohorts"
ENROLMENTS = "enrolments"
DOCUMENTS = "documents"
COUNTERS = "counters"
COST_MODELS = "cost_models"
IMPORTS = "payment_imports"
PAYERS = "payers"

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
    IndexSpec(
        COST_MODELS,
        [("entity_id", 1), ("scope", 1), ("ref", 1)],
        unique=True,
        name="cost_model_scope",
    ),
]

# How many recent allocations a counter remembers: enough to find a retried allocation again.
RECENT_ALLOCATIONS = 200


async def allocate_number(db: Any, key: str, document_id: str) -> int:
    """The next number of a gapless series, allocated with ONE atomic counter update.

    The counter remembers which document took each recent number, so a retry after a crash
    (number taken, document not yet stored) gets the same number back instead of leaving a gap."""
    counters = db[COUNTERS]
    earlier = await counters.find_one({"_id": key, "recent.document_id": document_id})
    if earlier is not None:
        return _number_of(earlier, document_id)
    counter = await counters.find_one_and_update(
        {"_id": key},
        {
            "$inc": {"seq": 1},
            "$push": {"recent": {"$each": [{"document_id": document_id}], "$slice": -RECENT_ALLOCATIONS}},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return _number_of(counter, document_id)


def _number_of(counter: dict[str, Any], document_id: str) -> int:
    """Every allocation increments seq and appends one entry, so positions map back to numbers."""
    recent = counter["recent"]
    position = max(i for i, entry in enumerate(recent) if entry["document_id"] == document_id)
    return int(counter["seq"]) - (len(recent) - 1 - position)
