"""Catalogue persistence: one typed repository over `db[...]` (MongoDB, FerretDB or the in-memory
adapter). It reads and writes documents; what to write is decided by the use cases (`usecases/`).

Every state change writes its events into the same document's outbox in the same update
(`with_events` / `new_document`), so an event is published exactly when its change is stored.
Writes are conditional on what was read (a `version`, a status); a write that finds the document
changed returns None (or raises `Conflict` where the caller can only refuse) and the use case
decides whether to read again. Seats are committed through the insert-only seat ledger (see
Seats below): FerretDB does not apply updates of one document atomically, unique inserts are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from catalogue import events as ev
from catalogue.documents import (
    FREE_SLOT,
    IMPORTING,
    LEGACY_VERSION,
    OLD_HOLDER_FIELDS,
    SEAT_COUNTS,
    Document,
    commit_version,
    ledger_entry,
    now,
    read_slots,
    seat_commit_id,
    seat_holder,
    slots_after,
    slots_held,
    staged,
    token_version,
    with_ledger_counts,
)
from catalogue.domain.errors import Conflict
from catalogue.domain.vocab import CohortStatus, OfferingStatus
from llo_shared.mongo import IndexSpec
from llo_shared.outbox import new_document, release_outbox, with_events
from llo_shared.paging import store_page

PROVIDERS, CONSORTIA, OFFERINGS, COHORTS, SEATS, SEAT_REJECTIONS = (
    "providers",
    "consortia",
    "offerings",
    "cohorts",
    "seats",
    "seat_rejections",
)
OUTBOX_COLLECTIONS = (PROVIDERS, CONSORTIA, OFFERINGS, COHORTS, SEATS, SEAT_REJECTIONS)
INDEXES = [
    IndexSpec(OFFERINGS, [("provider_id", 1), ("_id", 1)]),
    IndexSpec(OFFERINGS, [("changed_at", 1)]),
    IndexSpec(OFFERINGS, [("search_tokens", 1)]),
    IndexSpec(COHORTS, [("offering_id", 1), ("start_date", 1)]),
    IndexSpec(COHORTS, [("provider_id", 1), ("_id", 1)]),
    IndexSpec(COHORTS, [("status", 1), ("decision_date", 1)]),
    IndexSpec(COHORTS, [("changed_at", 1)]),
    IndexSpec(CONSORTIA, [("members", 1)]),
    IndexSpec(SEATS, [("cohort_id", 1), ("kind", 1)]),
    IndexSpec(SEATS, [("enrolment_key", 1)], unique=True, name="one_seat_per_enrolment"),
]
LISTED = {"outbox": 0, "search_tokens": 0}  # what a list never shows
# What a read that needs no seat holders leaves out (the slots, and holders a cohort stored in the
# older shape still keeps in its document).
NO_HOLDERS = dict.fromkeys(("seat_slots", *OLD_HOLDER_FIELDS), 0)
MIGRATION_ATTEMPTS = 20  # a cohort moved to the current seats shape while seat decisions run
Page = dict[str, Any]  # llo_shared.paging's answer: items (documents), total, next


def _holds_old_fields(doc: Document) -> bool:
    """Stored with its seat holders in the document (before `seat_slots`)."""
    return "seat_slots" not in doc or any(field in doc for field in OLD_HOLDER_FIELDS)


class CatalogueStore:
    def __init__(self, db: Any, today: Any = date.today) -> None:
        self.db = db
        self.today = today  # injectable clock for the decision sweep and enrolment closing

    async def _insert(
        self,
        collection: str,
        doc: Document,
        topic: str,
        events: Sequence[ev.EventPayload],
        *,
        what: str,
        import_id: str | None = None,
    ) -> Document:
        """A new document with its events in its outbox; an id taken already is a Conflict."""
        envelopes = [ev.envelope_of(event, doc["_id"]) for event in events]
        try:
            await self.db[collection].insert_one(staged(new_document(doc, topic, envelopes), import_id))
        except DuplicateKeyError:
            raise Conflict(f"{what} {doc['_id']} exists", field=f"{what}_id") from None
        return doc

    async def _page(self, collection: str, query: Document, cursor: str | None, limit: int) -> Page:
        """One page in `_id` order, sorted, skipped and limited by the store (llo_shared.paging)."""
        return await store_page(self.db[collection], query, [("_id", 1)], cursor, limit, dict, LISTED)

    # Providers -------------------------------------------------------------------

    async def insert_provider(self, doc: Document, event: ev.ProviderRegistered) -> Document:
        return await self._insert(PROVIDERS, doc, ev.PROVIDER_TOPIC, [event], what="provider")

    async def provider(self, provider_id: str) -> Document | None:
        return await self.db[PROVIDERS].find_one({"_id": provider_id}, {"outbox": 0})

    async def provider_of(self, offering: Document) -> Document:
        """The provider of an offering: an offering is only published by a registered provider."""
        provider = await self.provider(offering["provider_id"])
        if provider is None:
            raise LookupError(f"offering {offering['_id']}: provider {offering['provider_id']} is missing")
        return provider

    async def providers(self, query: Document, cursor: str | None, limit: int) -> Page:
        return await self._page(PROVIDERS, query, cursor, limit)

    async def funded_by_member(self, members: list[str]) -> dict[str, bool]:
        found = await self.db[PROVIDERS].find({"_id": {"$in": members}}, {"funded": 1}).to_list(None)
        return {m["_id"]: m["funded"] for m in found}

    # Consortia -------------------------------------------------------------------

    async def insert_consortium(self, doc: Document, event: ev.ConsortiumFormed) -> Document:
        return await self._insert(CONSORTIA, doc, ev.CONSORTIUM_TOPIC, [event], what="consortium")

    async def set_members(
        self, current: Document, members: list[str], event: ev.ConsortiumMembersChanged
    ) -> Document:
        updated = await self.db[CONSORTIA].find_one_and_update(
            {"_id": current["_id"], "version": current["version"]},
            with_events(
                {"$set": {"members": members, "changed_at": now()}, "$inc": {"version": 1}},
                ev.CONSORTIUM_TOPIC,
                [ev.envelope_of(event, current["_id"])],
            ),
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise Conflict("the consortium changed meanwhile; read it again", field="version")
        return updated

    async def consortium(self, consortium_id: str) -> Document | None:
        return await self.db[CONSORTIA].find_one({"_id": consortium_id}, {"outbox": 0})

    async def consortia(self, query: Document, cursor: str | None, limit: int) -> Page:
        return await self._page(CONSORTIA, query, cursor, limit)

    async def member_details(self, consortium: Document) -> list[Document]:
        """The members in the consortium's order, with name, kind and whether they are funded."""
        found = (
            await self.db[PROVIDERS]
            .find({"_id": {"$in": consortium["members"]}}, {"name": 1, "kind": 1, "funded": 1, "regions": 1})
            .to_list(None)
        )
        by_id = {p["_id"]: p for p in found}
        return [
            {
                "provider_id": m,
                "name": by_id.get(m, {}).get("name", m),
                "kind": by_id.get(m, {}).get("kind"),
                "funded": by_id.get(m, {}).get("funded"),
                "regions": by_id.get(m, {}).get("regions", []),
            }
            for m in consortium["members"]
        ]

    # Offerings -------------------------------------------------------------------

    async def insert_offering(
        self, doc: Document, event: ev.OfferingPublished, import_id: str | None = None
    ) -> Document:
        return await self._insert(
            OFFERINGS, doc, ev.OFFERING_TOPIC, [event], what="offering", import_id=import_id
        )

    async def replace_offering(
        self, current: Document, version: int, state: Document, event: ev.OfferingUpdated
    ) -> Document:
        """The published offering at `version` takes `state`; its cohorts follow its visibility."""
        updated = await self.db[OFFERINGS].find_one_and_update(
            {"_id": current["_id"], "version": version, "status": OfferingStatus.published.value},
            with_events({"$set": state}, ev.OFFERING_TOPIC, [ev.envelope_of(event, current["_id"])]),
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise Conflict("the offering changed since you read it; read it again", field="version")
        # Cohorts carry the offering's visibility for tenancy filters: derived data, no events.
        await self.db[COHORTS].update_many(
            {"offering_id": current["_id"]},
            {"$set": {"visibility": updated["visibility"], "visible_to": updated.get("visible_to", [])}},
        )
        return updated

    async def withdraw_offering(self, current: Document, event: ev.OfferingWithdrawn) -> Document:
        updated = await self.db[OFFERINGS].find_one_and_update(
            {"_id": current["_id"], "status": OfferingStatus.published.value},
            with_events(
                {
                    "$set": {"status": OfferingStatus.withdrawn.value, "changed_at": now()},
                    "$inc": {"version": 1},
                },
                ev.OFFERING_TOPIC,
                [ev.envelope_of(event, current["_id"])],
            ),
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise Conflict("the offering is already withdrawn")
        return updated

    async def offering(self, offering_id: str) -> Document | None:
        return await self.db[OFFERINGS].find_one({"_id": offering_id}, {"outbox": 0})

    async def offering_of(self, cohort: Document) -> Document:
        """The offering a cohort belongs to: a cohort is only scheduled for an existing offering."""
        offering = await self.offering(cohort["offering_id"])
        if offering is None:
            raise LookupError(f"cohort {cohort['_id']}: offering {cohort['offering_id']} is missing")
        return offering

    async def offerings(self, query: Document, cursor: str | None, limit: int) -> Page:
        return await self._page(OFFERINGS, query, cursor, limit)

    async def existing_offering_ids(self, offering_ids: list[str]) -> list[str]:
        found = await self.db[OFFERINGS].find({"_id": {"$in": offering_ids}}, {"_id": 1}).to_list(None)
        return [d["_id"] for d in found]

    # Cohorts ---------------------------------------------------------------------

    async def insert_cohort(
        self, doc: Document, event: ev.CohortScheduled, import_id: str | None = None
    ) -> Document:
        return await self._insert(COHORTS, doc, ev.COHORT_TOPIC, [event], what="cohort", import_id=import_id)

    async def replace_cohort_fields(
        self, current: Document, version: int, state: Document, event: ev.CohortUpdated
    ) -> Document | None:
        """One conditional write; None when the cohort or its seats changed since `current`."""
        return await self.db[COHORTS].find_one_and_update(
            {"_id": current["_id"], "version": version, "seats_version": current.get("seats_version")},
            with_events({"$set": state}, ev.COHORT_TOPIC, [ev.envelope_of(event, current["_id"])]),
            return_document=ReturnDocument.AFTER,
        )

    async def cohort(self, cohort_id: str) -> Document | None:
        """The cohort with who holds its seats (`enrolments`, `enrolment_ids`, read from the seat
        ledger by `_id`): for its provider's view and the decisions that move or name them."""
        doc = await self.cohort_document(cohort_id)
        return None if doc is None else await self.with_holders(doc)

    async def with_holders(self, doc: Document) -> Document:
        """The cohort document read (`cohort_document`) with who holds its seats."""
        held = await self.seat_holders(doc)
        ordered = [held[slot] for slot in sorted(held)]
        return doc | {"enrolments": ordered, "enrolment_ids": [e["enrolment_id"] for e in ordered]}

    async def cohort_document(self, cohort_id: str) -> Document | None:
        """The cohort as stored, with its seat counts and slots but not their holders (see Seats
        below): one read by `_id`. A cohort stored in an older shape is moved to this one first."""
        for _ in range(MIGRATION_ATTEMPTS):
            doc = await self.db[COHORTS].find_one({"_id": cohort_id}, {"outbox": 0})
            if doc is None or ("seats_version" in doc and not _holds_old_fields(doc)):
                return doc
            if "seats_version" not in doc:
                await self._seats_from_ledger(doc)
            else:
                await self._slots_from_enrolments(doc)
        raise RuntimeError(f"cohort {cohort_id}: seats not moved to their slots under contention")

    async def cohorts(self, query: Document, cursor: str | None, limit: int) -> Page:
        return await self._page(COHORTS, query, cursor, limit)

    async def cohorts_of(self, offering_ids: list[str]) -> list[Document]:
        return (
            await self.db[COHORTS]
            .find({"offering_id": {"$in": offering_ids}}, {"outbox": 0, **NO_HOLDERS})
            .sort([("start_date", 1), ("_id", 1)])
            .to_list(None)
        )

    async def search_document(self, cohort_id: str) -> Document | None:
        """A cohort as the search index holds it (no seat holders)."""
        return await self.db[COHORTS].find_one({"_id": cohort_id}, {"outbox": 0, **NO_HOLDERS})

    # Go / no-go ------------------------------------------------------------------

    async def set_surcharge_acceptances(self, cohort: Document, acceptances: list[Document]) -> bool:
        """False when the cohort changed since it was read."""
        result = await self.db[COHORTS].update_one(
            {"_id": cohort["_id"], "version": cohort["version"]},
            {"$set": {"surcharge_acceptances": acceptances, "changed_at": now()}, "$inc": {"version": 1}},
        )
        return bool(result.matched_count == 1)

    async def planned_due_by(self, day: date) -> list[Document]:
        """Planned cohorts whose decision date is `day` or earlier (no seat holders)."""
        query = {"status": CohortStatus.planned.value, "decision_date": {"$lte": day.isoformat()}}
        return await self.db[COHORTS].find(query, {"outbox": 0, **NO_HOLDERS}).to_list(None)

    async def pending_decisions(
        self, provider_id: str, horizon: date, cursor: str | None, limit: int
    ) -> Page:
        """The provider's planned cohorts decided by `horizon` (or overdue)."""
        query = {
            "provider_id": provider_id,
            "status": "planned",
            "decision_date": {"$lte": horizon.isoformat()},
        }
        return await self.cohorts(query, cursor, limit)

    async def mark_decision_due(self, cohort: Document, event: ev.CohortDecisionDue) -> int:
        """1 if this call asked the provider (the planned cohort was not asked before), else 0."""
        result = await self.db[COHORTS].update_one(
            {"_id": cohort["_id"], "status": CohortStatus.planned.value, "decision_due_at": None},
            with_events(
                {"$set": {"decision_due_at": now(), "changed_at": now()}, "$inc": {"version": 1}},
                ev.COHORT_TOPIC,
                [ev.envelope_of(event, cohort["_id"])],
            ),
        )
        return int(result.matched_count)

    async def transition(
        self, cohort: Document, target: CohortStatus, record: Document | None, event: ev.EventPayload
    ) -> Document | None:
        """The cohort in `target` status (with its decision record), if still in the status read."""
        changes: Document = {"status": target.value, "changed_at": now()}
        if record is not None:
            changes["decision"] = record
        return await self.db[COHORTS].find_one_and_update(
            {"_id": cohort["_id"], "status": cohort["status"]},
            with_events(
                {"$set": changes, "$inc": {"version": 1}},
                ev.COHORT_TOPIC,
                [ev.envelope_of(event, cohort["_id"])],
            ),
            return_document=ReturnDocument.AFTER,
        )

    # Seats -----------------------------------------------------------------------
    #
    # The cohort document holds its seats in a small, bounded form: the counts per funding kind,
    # `seats_version` and `seat_slots` (one fixed-width token per slot, documents.py), never the
    # holders themselves: FerretDB 1.24 reads and rewrites a whole document on each call, so a
    # document that grew with every seat made every seat decision slower. Who holds a seat (payers,
    # participant_ref, application_id, reserved_at, seat_id) is the ledger entry the reserving
    # commit already holds; `seat_holders` reads it by `_id` (the commit the slot's token names)
    # where it is needed: a request whose enrolment's digest matches a slot, a withdrawal, the
    # go/no-go decision, a merge, the provider's view of the cohort.
    #
    # A seat decision (usecases/seats.py) reads the document by `_id`, decides a run of requests
    # and withdrawals against it and commits the result as one insert into the seat ledger whose
    # `_id` names (cohort, version read): unique ids decide every race, across replicas too, so only
    # one decision follows each version. The cohort document is then brought up to the commit; if a
    # writer stops in between, the next decision finds the commit and applies it first
    # (`_catch_up`). Slots run from 0 to capacity-1 and an enrolment holds at most one, so a cohort
    # is never overbooked and a redelivered request takes no second seat. A cohort stored before
    # seats lived in its document (`seats_version` missing) gets them from its old ledger entries
    # once; one stored with its holders in the document (`enrolments`) moves them to slots once.

    async def ledger(self, cohort_id: str) -> list[Document]:
        return await self.db[SEATS].find({"cohort_id": cohort_id}, {"outbox": 0}).to_list(None)

    async def seat_holders(self, cohort: Document, slots: list[int] | None = None) -> dict[int, Document]:
        """Who holds the given taken slots (all taken slots by default), by slot: each from the
        ledger entry of the commit its token names, one read by `_id` per commit."""
        tokens = read_slots(cohort)
        wanted = range(len(tokens)) if slots is None else slots
        by_version: dict[int, list[int]] = defaultdict(list)
        for slot in wanted:
            if tokens[slot] != FREE_SLOT:
                by_version[token_version(tokens[slot])].append(slot)
        held: dict[int, Document] = {}
        for version, taken in sorted(by_version.items()):
            commit = await self.db[SEATS].find_one(
                {"_id": seat_commit_id(cohort["_id"], version)}, {"changes": 1}
            )
            # the last reservation of a slot in a commit is its holder (an earlier one was released)
            reserved = {c["slot"]: c for c in (commit or {}).get("changes", []) if c["kind"] == "reserved"}
            for slot in taken:
                if slot not in reserved:
                    raise LookupError(
                        f"seat ledger of {cohort['_id']}: no holder of slot {slot} in v{version}"
                    )
                held[slot] = seat_holder(reserved[slot])
        return held

    async def _seats_from_ledger(self, doc: Document) -> None:
        """Once per cohort stored before seats lived in its document: move them there."""
        counted = with_ledger_counts(doc, await self.ledger(doc["_id"]))
        held = counted["enrolments"]
        await self._keep_legacy_holders(doc["_id"], held)
        seats = {k: counted[k] for k in SEAT_COUNTS} | {"seats_version": 1}
        seats["seat_slots"] = slots_held([(h, LEGACY_VERSION) for h in held], doc["capacity"])
        await self.db[COHORTS].update_one(
            {"_id": doc["_id"], "seats_version": {"$exists": False}},
            {"$set": seats, "$unset": dict.fromkeys(OLD_HOLDER_FIELDS, "")},
        )

    async def _slots_from_enrolments(self, doc: Document) -> None:
        """Once per cohort stored with its holders in the document: keep slot tokens instead. Each
        holder's details stay where they are (its commit's ledger entry); holders from before seat
        commits are kept in a ledger entry of their own first."""
        held = [(h, commit_version(doc["_id"], h)) for h in doc.get("enrolments") or []]
        await self._keep_legacy_holders(doc["_id"], [h for h, version in held if version == LEGACY_VERSION])
        await self.db[COHORTS].update_one(
            {"_id": doc["_id"], "seats_version": doc["seats_version"]},
            {
                "$set": {"seat_slots": slots_held(held, doc["capacity"])},
                "$unset": dict.fromkeys(OLD_HOLDER_FIELDS, ""),
            },
        )

    async def _keep_legacy_holders(self, cohort_id: str, held: list[Document]) -> None:
        """The holders from before seat commits as the ledger entry of commit `#v0`, which their
        slot tokens name. Written once: a later attempt holds no holder the first did not."""
        if not held:
            return
        entry_id = seat_commit_id(cohort_id, LEGACY_VERSION)
        entry = {
            "_id": entry_id,
            "kind": "holders_before_commits",
            "cohort_id": cohort_id,
            "enrolment_key": entry_id,
            "changes": [ledger_entry(h) for h in held],
            "at": now(),
        }
        try:
            await self.db[SEATS].insert_one(entry)
        except DuplicateKeyError:
            pass

    async def commit_seats(
        self,
        cohort: Document,
        seats: Document,
        events: list[ev.EventPayload],
        changes: list[Document],
    ) -> bool:
        """Commit `seats` as the cohort's next seats version, then bring the document up to it.

        False if another decision committed on the version read first. The commit holds the seats
        taken and released (`changes`, each holder's details), the new counts and the events (not
        the slots: they follow from the changes, so the ledger grows with the changes only)."""
        version = cohort["seats_version"]
        update = with_events(
            {"$set": seats | {"seats_version": version + 1, "changed_at": now()}},
            ev.COHORT_TOPIC,
            [ev.envelope_of(event, cohort["_id"]) for event in events],
        )
        commit = {
            "_id": seat_commit_id(cohort["_id"], version),
            "kind": "decision",
            "cohort_id": cohort["_id"],
            "enrolment_key": seat_commit_id(cohort["_id"], version),
            "seats_version": version,
            # as a list: the field names hold dots (outbox.<event id>); FerretDB takes no nested list
            "fields": [
                {"field": field, "value": value}
                for field, value in update["$set"].items()
                if field != "seat_slots"
            ],
            "changes": changes,
            "at": now(),
        }
        try:
            await self.db[SEATS].insert_one(commit)
        except DuplicateKeyError:
            await self._catch_up(cohort["_id"], version)
            return False
        # On the version read: a late write never takes the document back behind a newer commit.
        await self.db[COHORTS].update_one({"_id": cohort["_id"], "seats_version": version}, update)
        return True

    async def _catch_up(self, cohort_id: str, version: int) -> None:
        """Apply a committed seats version the cohort document does not show yet."""
        commit = await self.db[SEATS].find_one({"_id": seat_commit_id(cohort_id, version)})
        cohort = await self.cohort_document(cohort_id)
        if commit is None or cohort is None or cohort.get("seats_version") != version:
            return  # applied meanwhile
        fields = {entry["field"]: entry["value"] for entry in commit["fields"]}
        fields["seat_slots"] = slots_after(cohort, commit["changes"], version)
        await self.db[COHORTS].update_one({"_id": cohort_id, "seats_version": version}, {"$set": fields})

    async def behind(self, cohort: Document) -> bool:
        """Whether a decision committed a seats version the document read does not show yet."""
        version = cohort["seats_version"]
        if await self.db[SEATS].find_one({"_id": seat_commit_id(cohort["_id"], version)}, {"_id": 1}):
            await self._catch_up(cohort["_id"], version)
            return True
        return False

    async def insert_rejection(self, event: ev.SeatRejected) -> None:
        """A refused request is a document of its own, with its SeatRejected in its outbox."""
        envelope = ev.envelope_of(event, event.cohort_id)
        doc = {
            "_id": f"{event.cohort_id}/{event.enrolment_id}/{envelope.event_id}",
            "cohort_id": event.cohort_id,
            "enrolment_id": event.enrolment_id,
            "reason": event.reason,
            "created_at": now(),
        }
        await self.db[SEAT_REJECTIONS].insert_one(new_document(doc, ev.COHORT_TOPIC, [envelope]))

    # Bulk import: stage, then commit or abort ----------------------------------------

    async def commit_import(self, import_id: str) -> None:
        """Make a staged import visible and let the relay publish its events, collection by collection."""
        for collection in (OFFERINGS, COHORTS):
            await self.db[collection].update_many(
                {"import_id": import_id},
                {"$set": {**release_outbox(), "changed_at": now()}},
            )
        await self.db[OFFERINGS].update_many(
            {"import_id": import_id, "status": IMPORTING},
            {"$set": {"status": OfferingStatus.published.value}},
        )

    async def abort_import(self, import_id: str) -> int:
        """Remove what a failed import staged; none of it was visible or published."""
        removed = 0
        for collection in (COHORTS, OFFERINGS):
            removed += (await self.db[collection].delete_many({"import_id": import_id})).deleted_count
        return removed

    # Sync for the search index -------------------------------------------------------

    async def changed_since(self, collection: str, since: datetime | None) -> list[Document]:
        query = {"changed_at": {"$gte": since}} if since else {}
        projection = {"outbox": 0, **NO_HOLDERS, "surcharge_acceptances": 0}
        return await self.db[collection].find(query, projection).to_list(None)
