"""Catalogue persistence: one store over `db[...]` (MongoDB, FerretDB or the in-memory adapter).

Every state change writes its events into the same document's outbox in the same update
(`with_events` / `new_document`). Seat decisions are compare-and-swap updates on the cohort
document: the filter holds the seats_left value that was read, so two replicas can never
both take the last seat, and `enrolment_ids: {$ne: id}` makes a redelivered request a no-op.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from catalogue import events as ev
from catalogue.domain import geo, rules
from catalogue.domain.model import (
    CohortCreate,
    CohortFields,
    ConsortiumCreate,
    OfferingFields,
    ProviderCreate,
    check_consortium,
    members_after_change,
)
from catalogue.domain.text import tokens
from catalogue.domain.vocab import FUNDED_PROVIDER_KINDS, CohortStatus, OfferingStatus
from llo_shared.mongo import IndexSpec
from llo_shared.outbox import PENDING, new_document, release_outbox, strip_outbox, with_events
from llo_shared.problems import Problem

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
SEAT_ATTEMPTS = 200  # compare-and-swap retries under contention; each loser re-reads and tries again


IMPORTING = "importing"

# The decisions that confirm a cohort, spelled as CohortConfirmed carries them.
CONFIRMING: dict[rules.Decision, ev.ConfirmingDecision] = {
    rules.Decision.go: "go",
    rules.Decision.go_with_surcharge: "go_with_surcharge",
}


def staged(document: dict[str, Any], import_id: str | None) -> dict[str, Any]:
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


def now() -> datetime:
    return datetime.now(UTC)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise Problem(
            400, "bad-cursor", "Invalid cursor", "cursor is not one this API gave out", field="cursor"
        ) from None
    if not isinstance(values, list):
        raise Problem(
            400, "bad-cursor", "Invalid cursor", "cursor is not one this API gave out", field="cursor"
        )
    return values


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, "not-found", f"{what} not found", f"no {what.lower()} {ident}")


def field_problem(field: str, message: str) -> Problem:
    return Problem(
        422,
        "validation",
        "Invalid input",
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


def conflict(detail: str, **extra: Any) -> Problem:
    return Problem(409, "conflict", "Conflict", detail, **extra)


@dataclass(frozen=True)
class SeatOutcome:
    outcome: str  # reserved | rejected | duplicate | released | not_enrolled
    reason: str | None = None
    seats_left: int | None = None
    cohort: dict[str, Any] | None = None  # as the decision left it (for the search index)


@dataclass(frozen=True)
class SeatChange:
    kind: str  # reserve (an EnrolmentRequested) | release (an EnrolmentWithdrawn)
    data: dict[str, Any]


def seat_commit_id(cohort_id: str, version: int) -> str:
    return f"{cohort_id}#v{version}"


SEAT_FIELDS = ("seats_taken", "seats_left", "seats_by_funding", "enrolment_ids", "enrolments")


class SeatRun:
    """Seat changes of one cohort decided in order against the seats read, for one write: the
    seats after them, their events, their ledger entries and the rejections to record."""

    def __init__(self, cohort: dict[str, Any], today: date, offered: list[str] | None) -> None:
        self.cohort = cohort
        self.today = today
        self.offered = offered
        self.enrolments: list[dict[str, Any]] = list(cohort["enrolments"])
        self.by_funding: dict[str, int] = dict(cohort["seats_by_funding"])
        self.events: list[ev.EventPayload] = []
        self.ledger: list[dict[str, Any]] = []
        self.rejected: list[tuple[dict[str, Any], rules.RejectReason]] = []

    def seats(self) -> dict[str, Any]:
        taken = sum(self.by_funding.values())
        held = sorted(self.enrolments, key=lambda e: e["slot"])
        return {
            "seats_taken": taken,
            "seats_left": self.cohort["capacity"] - taken,
            "seats_by_funding": dict(self.by_funding),
            "enrolment_ids": [e["enrolment_id"] for e in held],
            "enrolments": held,
        }

    def apply(self, change: SeatChange) -> SeatOutcome:
        if change.kind == "release":
            return self._release(change.data)
        return self._reserve(change.data)

    def _reserve(self, request: dict[str, Any]) -> SeatOutcome:
        enrolment_id = request["enrolment_id"]
        now_seats = self.seats()
        if enrolment_id in now_seats["enrolment_ids"]:
            return SeatOutcome("duplicate", seats_left=now_seats["seats_left"])
        funding_kind = request.get("funding_kind") or "private"
        free = sorted(set(range(self.cohort["capacity"])) - {e["slot"] for e in self.enrolments})
        reason = rules.rejection_reason(self.cohort | now_seats, self.today, funding_kind, self.offered)
        if reason is None and not free:
            reason = rules.RejectReason.full
        if reason is not None:
            self.rejected.append((request, reason))
            return SeatOutcome("rejected", reason=reason.value)
        cohort_id, slot, at = self.cohort["_id"], free[0], now()
        seat_id = f"{cohort_id}#s{slot}#v{self.cohort['seats_version']}"
        payers: list[Any] = request.get("payers") or []
        held = {k: request.get(k) for k in ("enrolment_id", "application_id", "participant_ref")}
        held |= {"funding_kind": funding_kind, "payers": payers, "slot": slot}
        self.enrolments.append(held | {"seat_id": seat_id, "reserved_at": at})
        self.by_funding[funding_kind] = self.by_funding.get(funding_kind, 0) + 1
        after = self.cohort | self.seats()
        self.events.append(
            ev.SeatReserved(
                cohort_id=cohort_id,
                enrolment_id=enrolment_id,
                application_id=request.get("application_id"),
                participant_ref=request.get("participant_ref"),
                funding_kind=funding_kind,
                payers=payers,
                seats_left=after["seats_left"],
                seats_taken=after["seats_taken"],
                surcharge=surcharge_due(after),
            )
        )
        self.ledger.append(
            held
            | {
                "_id": seat_id,
                "kind": "reserved",
                "cohort_id": cohort_id,
                "enrolment_key": f"{seat_id}#{enrolment_id}",
                "at": at,
            }
        )
        return SeatOutcome("reserved", seats_left=after["seats_left"])

    def _release(self, withdrawal: dict[str, Any]) -> SeatOutcome:
        enrolment_id = withdrawal["enrolment_id"]
        held = next((e for e in self.enrolments if e["enrolment_id"] == enrolment_id), None)
        if held is None:
            return SeatOutcome("not_enrolled")
        self.enrolments.remove(held)
        self.by_funding[held["funding_kind"]] -= 1
        after = self.cohort | self.seats()
        self.events.append(
            ev.SeatReleased(
                cohort_id=self.cohort["_id"],
                enrolment_id=enrolment_id,
                seats_left=after["seats_left"],
                seats_taken=after["seats_taken"],
                surcharge=surcharge_due(after),
            )
        )
        self.ledger.append(
            {
                "_id": f"{held['seat_id']}#released",
                "kind": "released",
                "of": held["seat_id"],
                "enrolment_key": f"{held['seat_id']}#released",
                "cohort_id": self.cohort["_id"],
                "slot": held["slot"],
                "enrolment_id": enrolment_id,
                "funding_kind": held["funding_kind"],
                "reason": withdrawal.get("reason"),
                "at": now(),
            }
        )
        return SeatOutcome("released", seats_left=after["seats_left"])


def enrolments_after(enrolments: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The seats held after a commit's changes (its ledger entries), in slot order."""
    held = {e["seat_id"]: e for e in enrolments}
    for change in changes:
        if change["kind"] == "released":
            held.pop(change["of"], None)
        else:
            keep = ("enrolment_id", "application_id", "participant_ref", "funding_kind", "payers", "slot")
            held[change["_id"]] = {k: change.get(k) for k in keep} | {
                "seat_id": change["_id"],
                "reserved_at": change["at"],
            }
    return sorted(held.values(), key=lambda e: e["slot"])


def surcharge_due(cohort: dict[str, Any]) -> ev.Surcharge | None:
    """The decided parts as they stand for `cohort` (seat counts after a change), or None."""
    parts = rules.surcharge_now(cohort)
    if parts is None:
        return None
    decided = ev.Surcharge.model_validate(cohort["decision"]["surcharge"])
    return decided.model_copy(
        update={
            "total_cents": sum(parts),
            "empty_seats": rules.empty_seats(cohort),
            "payers": [
                payer.model_copy(update={"amount_cents": part})
                for payer, part in zip(decided.payers, parts, strict=True)
            ],
        }
    )


def with_ledger_counts(cohort: dict[str, Any], ledger: list[dict[str, Any]]) -> dict[str, Any]:
    released = {d["of"] for d in ledger if d["kind"] == "released"}
    held = sorted(
        (d for d in ledger if d["kind"] == "reserved" and d["_id"] not in released), key=lambda d: d["slot"]
    )
    by_funding = dict(cohort.get("prior_seats") or {"funded_bol": 0, "funded_bbl": 0, "private": 0})
    for seat in held:
        by_funding[seat["funding_kind"]] = by_funding.get(seat["funding_kind"], 0) + 1
    taken = sum(by_funding.values())
    enrolments = [
        {
            k: d.get(k)
            for k in ("enrolment_id", "application_id", "participant_ref", "funding_kind", "payers", "slot")
        }
        | {"seat_id": d["_id"], "reserved_at": d["at"]}
        for d in held
    ]
    return cohort | {
        "seats_taken": taken,
        "seats_left": cohort["capacity"] - taken,
        "seats_by_funding": by_funding,
        "enrolment_ids": [e["enrolment_id"] for e in enrolments],
        "enrolments": enrolments,
        "_ledger": ledger,
    }


def offering_event_payload(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ev.OfferingPayload.model_fields.keys() - {"event_type"}
    return {k: doc[k] for k in keys if k in doc} | {"offering_id": doc["_id"]}


def cohort_event_payload(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ev.CohortPayload.model_fields.keys() - {"event_type"}
    return {k: doc[k] for k in keys if k in doc} | {"cohort_id": doc["_id"]}


def consortium_event_fields(doc: dict[str, Any], funded: dict[str, bool]) -> dict[str, Any]:
    return {
        "consortium_id": doc["_id"],
        "name": doc["name"],
        "members": list(doc["members"]),
        "funded_members": [m for m in doc["members"] if funded.get(m)],
        "flex_partnership": doc["flex_partnership"],
    }


def members_problem(problems: list[str]) -> Problem:
    """Consortium rule violations, all about the member list."""
    messages = [p.removeprefix("members: ") for p in problems]
    return Problem(
        422,
        "validation",
        "Invalid input",
        "; ".join(problems),
        field="members",
        errors=[{"field": "members", "message": m} for m in messages],
    )


def public_doc(doc: dict[str, Any]) -> dict[str, Any]:
    out = strip_outbox(doc)
    out.pop("_id", None)
    out.pop("_ledger", None)
    out.pop("search_tokens", None)
    out.pop("changed_at", None)
    return out


class CatalogueStore:
    def __init__(self, db: Any, today: Any = date.today) -> None:
        self.db = db
        self.today = today  # injectable clock for the decision sweep and enrolment closing

    # Providers -------------------------------------------------------------------

    async def register_provider(self, data: ProviderCreate) -> dict[str, Any]:
        doc = data.model_dump(mode="json") | {"funded": data.kind in FUNDED_PROVIDER_KINDS}
        event = ev.ProviderRegistered(**{k: doc[k] for k in ev.ProviderRegistered.model_fields if k in doc})
        doc = {"_id": data.provider_id, **doc, "created_at": now(), "changed_at": now()}
        try:
            await self.db[PROVIDERS].insert_one(
                new_document(doc, ev.PROVIDER_TOPIC, [ev.envelope_of(event, data.provider_id)])
            )
        except DuplicateKeyError:
            raise conflict(f"provider {data.provider_id} exists", field="provider_id") from None
        return doc

    async def provider(self, provider_id: str) -> dict[str, Any] | None:
        return await self.db[PROVIDERS].find_one({"_id": provider_id}, {"outbox": 0})

    async def provider_of(self, offering: dict[str, Any]) -> dict[str, Any]:
        """The provider of an offering: an offering is only published by a registered provider."""
        provider = await self.provider(offering["provider_id"])
        if provider is None:
            raise LookupError(f"offering {offering['_id']}: provider {offering['provider_id']} is missing")
        return provider

    async def providers(self, query: dict[str, Any], after: str | None, limit: int) -> tuple[list, int]:
        return await self._page(PROVIDERS, query, after, limit)

    async def _funded_by_member(self, members: list[str]) -> dict[str, bool]:
        found = await self.db[PROVIDERS].find({"_id": {"$in": members}}, {"funded": 1}).to_list(None)
        return {m["_id"]: m["funded"] for m in found}

    async def create_consortium(self, data: ConsortiumCreate) -> dict[str, Any]:
        funded = await self._funded_by_member(data.members)
        problems = check_consortium(data, funded)
        if problems:
            raise members_problem(problems)
        doc = {
            "_id": data.consortium_id,
            **data.model_dump(mode="json"),
            "version": 1,
            "created_at": now(),
            "changed_at": now(),
        }
        event = ev.ConsortiumFormed(**consortium_event_fields(doc, funded))
        try:
            await self.db[CONSORTIA].insert_one(
                new_document(doc, ev.CONSORTIUM_TOPIC, [ev.envelope_of(event, data.consortium_id)])
            )
        except DuplicateKeyError:
            raise conflict(f"consortium {data.consortium_id} exists", field="consortium_id") from None
        return doc

    async def change_consortium_members(
        self, current: dict[str, Any], *, add: str | None = None, remove: str | None = None
    ) -> dict[str, Any]:
        """Add or remove one member; the result must still be a valid consortium (same rules as create)."""
        if add is not None and add in current["members"]:
            raise conflict(f"{add} is already a member", field="provider_id")
        if remove is not None and remove not in current["members"]:
            raise field_problem("provider_id", f"{remove} is not a member")
        members = members_after_change(current["members"], add=add, remove=remove)
        try:
            data = ConsortiumCreate(
                consortium_id=current["_id"],
                name=current["name"],
                members=members,
                flex_partnership=current["flex_partnership"],
            )
        except ValidationError as error:
            raise members_problem([f"members: {e['msg']}" for e in error.errors()]) from None
        funded = await self._funded_by_member(members)
        problems = check_consortium(data, funded)
        if problems:
            raise members_problem(problems)
        event = ev.ConsortiumMembersChanged(
            **consortium_event_fields({**current, "members": members}, funded),
            added=[add] if add else [],
            removed=[remove] if remove else [],
        )
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
            raise conflict("the consortium changed meanwhile; read it again", field="version")
        return updated

    async def consortium(self, consortium_id: str) -> dict[str, Any] | None:
        return await self.db[CONSORTIA].find_one({"_id": consortium_id}, {"outbox": 0})

    async def consortia(self, query: dict[str, Any], after: str | None, limit: int) -> tuple[list, int]:
        return await self._page(CONSORTIA, query, after, limit)

    async def member_details(self, consortium: dict[str, Any]) -> list[dict[str, Any]]:
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

    def _offering_state(self, provider: dict[str, Any], data: OfferingFields) -> dict[str, Any]:
        fields = data.model_dump(mode="json", exclude={"version", "offering_id"})
        text = " ".join([data.title, data.description, *data.keywords, data.code or "", provider["name"]])
        return fields | {
            "provider_id": provider["_id"],
            "provider_name": provider["name"],
            "provider_kind": provider["kind"],
            "search_tokens": tokens(text),
            "changed_at": now(),
        }

    async def publish_offering(
        self,
        provider: dict[str, Any],
        data: OfferingFields,
        offering_id: str,
        *,
        import_id: str | None = None,
    ) -> dict[str, Any]:
        doc = {"_id": offering_id, "offering_id": offering_id, **self._offering_state(provider, data)}
        doc |= {"status": OfferingStatus.published.value, "version": 1, "created_at": now()}
        event = ev.OfferingPublished(**offering_event_payload(doc))
        try:
            await self.db[OFFERINGS].insert_one(
                staged(new_document(doc, ev.OFFERING_TOPIC, [ev.envelope_of(event, offering_id)]), import_id)
            )
        except DuplicateKeyError:
            raise conflict(f"offering {offering_id} exists", field="offering_id") from None
        return doc

    async def update_offering(
        self, current: dict[str, Any], provider: dict[str, Any], data: OfferingFields, version: int
    ) -> dict[str, Any]:
        if current["status"] != OfferingStatus.published:
            raise conflict("a withdrawn offering cannot change")
        state = self._offering_state(provider, data) | {"version": version + 1}
        event = ev.OfferingUpdated(**offering_event_payload({**current, **state}))
        updated = await self.db[OFFERINGS].find_one_and_update(
            {"_id": current["_id"], "version": version, "status": OfferingStatus.published.value},
            with_events({"$set": state}, ev.OFFERING_TOPIC, [ev.envelope_of(event, current["_id"])]),
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise conflict("the offering changed since you read it; read it again", field="version")
        # Cohorts carry the offering's visibility for tenancy filters: derived data, no events.
        await self.db[COHORTS].update_many(
            {"offering_id": current["_id"]},
            {"$set": {"visibility": updated["visibility"], "visible_to": updated.get("visible_to", [])}},
        )
        return updated

    async def withdraw_offering(self, current: dict[str, Any]) -> dict[str, Any]:
        event = ev.OfferingWithdrawn(offering_id=current["_id"], provider_id=current["provider_id"])
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
            raise conflict("the offering is already withdrawn")
        return updated

    async def offering(self, offering_id: str) -> dict[str, Any] | None:
        return await self.db[OFFERINGS].find_one({"_id": offering_id}, {"outbox": 0})

    async def offering_of(self, cohort: dict[str, Any]) -> dict[str, Any]:
        """The offering a cohort belongs to: a cohort is only scheduled for an existing offering."""
        offering = await self.offering(cohort["offering_id"])
        if offering is None:
            raise LookupError(f"cohort {cohort['_id']}: offering {cohort['offering_id']} is missing")
        return offering

    async def offerings(self, query: dict[str, Any], after: str | None, limit: int) -> tuple[list, int]:
        return await self._page(OFFERINGS, query, after, limit)

    # Cohorts ---------------------------------------------------------------------

    def _cohort_state(self, offering: dict[str, Any], data: CohortFields) -> dict[str, Any]:
        place = geo.place_of_postcode(data.postcode)
        if place is None:
            raise field_problem("postcode", "not in a postcode area this catalogue covers")
        if place.municipality.casefold() != data.municipality.casefold():
            raise field_problem("municipality", f"postcode {data.postcode} lies in {place.municipality}")
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
        self,
        offering: dict[str, Any],
        data: CohortCreate,
        cohort_id: str,
        *,
        status: CohortStatus = CohortStatus.planned,
        prior_seats: dict[str, int] | None = None,
        import_id: str | None = None,
    ) -> dict[str, Any]:
        """A new cohort; `status` and `prior_seats` only for loading history (demo seed, import)."""
        staging_with_offering = import_id is not None and offering.get("import_id") == import_id
        if offering["status"] != OfferingStatus.published and not staging_with_offering:
            raise conflict("cohorts are scheduled for published offerings only", field="offering_id")
        by_funding = {"funded_bol": 0, "funded_bbl": 0, "private": 0} | (prior_seats or {})
        taken = sum(by_funding.values())
        if taken > data.capacity:
            raise Problem(422, "validation", "Invalid input", "capacity: below the seats already taken")
        doc = {"_id": cohort_id, "cohort_id": cohort_id, **self._cohort_state(offering, data)}
        doc |= {
            "status": status.value,
            "seats_taken": taken,
            "seats_left": data.capacity - taken,
            "seats_by_funding": by_funding,
            "prior_seats": by_funding,
            "enrolment_ids": [],
            "enrolments": [],
            "surcharge_acceptances": [],
            "decision": None,
            "decision_due_at": None,
            "version": 1,
            "seats_version": 1,
            "created_at": now(),
        }
        event = ev.CohortScheduled(**cohort_event_payload(doc))
        try:
            await self.db[COHORTS].insert_one(
                staged(new_document(doc, ev.COHORT_TOPIC, [ev.envelope_of(event, cohort_id)]), import_id)
            )
        except DuplicateKeyError:
            raise conflict(f"cohort {cohort_id} exists", field="cohort_id") from None
        return doc

    async def update_cohort(
        self, current: dict[str, Any], offering: dict[str, Any], data: CohortFields, version: int
    ) -> dict[str, Any]:
        if current["status"] not in rules.OPEN_FOR_SEATS:
            raise conflict(f"a {current['status']} cohort cannot be changed", field="status")
        for _ in range(SEAT_ATTEMPTS):
            updated = await self._update_cohort_fields(current, offering, data, version)
            if updated is not None:
                return updated
            fresh = await self.cohort(current["_id"])
            if fresh is None or fresh["version"] != version:
                break
            current = fresh  # only its seats moved: check the capacity against them again
        raise conflict("the cohort changed since you read it; read it again", field="version")

    async def _update_cohort_fields(
        self, current: dict[str, Any], offering: dict[str, Any], data: CohortFields, version: int
    ) -> dict[str, Any] | None:
        """One conditional write; None when the cohort or its seats changed since `current`."""
        highest_slot = max((e["slot"] for e in current["enrolments"]), default=-1)
        if data.capacity < max(current["seats_taken"], highest_slot + 1):
            raise Problem(
                422,
                "validation",
                "Invalid input",
                f"capacity: {current['seats_taken']} seats are taken already",
                errors=[{"field": "capacity", "message": "below seats taken"}],
            )
        state = self._cohort_state(offering, data) | {"version": version + 1}
        # Slots above the new capacity would stay bookable otherwise; a seat decision writes only
        # against the capacity it read, so a seat taken meanwhile never exceeds the capacity either.
        state["seats_left"] = data.capacity - current["seats_taken"]
        event = ev.CohortUpdated(**cohort_event_payload({**current, **state}))
        return await self.db[COHORTS].find_one_and_update(
            {"_id": current["_id"], "version": version, "seats_version": current.get("seats_version")},
            with_events({"$set": state}, ev.COHORT_TOPIC, [ev.envelope_of(event, current["_id"])]),
            return_document=ReturnDocument.AFTER,
        )

    async def cohort(self, cohort_id: str) -> dict[str, Any] | None:
        """The cohort with its seats (see Seats below): one read by `_id`."""
        doc = await self.db[COHORTS].find_one({"_id": cohort_id}, {"outbox": 0})
        if doc is None or "seats_version" in doc:
            return doc
        return await self._seats_from_ledger(doc)

    async def cohorts(self, query: dict[str, Any], after: str | None, limit: int) -> tuple[list, int]:
        return await self._page(COHORTS, query, after, limit)

    async def cohorts_of(self, offering_ids: list[str]) -> list[dict[str, Any]]:
        return (
            await self.db[COHORTS]
            .find({"offering_id": {"$in": offering_ids}}, {"outbox": 0, "enrolments": 0, "enrolment_ids": 0})
            .sort([("start_date", 1), ("_id", 1)])
            .to_list(None)
        )

    # Seats -----------------------------------------------------------------------
    #
    # The cohort document holds its seats: who holds which slot (`enrolments`), the counts per
    # funding kind and `seats_version`. A seat decision reads that one document by `_id`, decides
    # a run of requests and withdrawals against it, and writes the new seats with their events in
    # one update conditioned on the `seats_version` (and status and capacity) it read; a loser
    # reads again. The shared Mongo helper decides such a conditional update under a lock per
    # document (FerretDB loses concurrent updates of one document otherwise), a real MongoDB on
    # the server. Slots run from 0 to capacity-1 and an enrolment holds at most one, so a cohort
    # is never overbooked and a redelivered request takes no second seat. After the write the
    # seats go into the insert-only ledger (`seats`) as history; no decision reads it, except
    # once per cohort stored before the seats moved into the document (`seats_version` missing).

    async def ledger(self, cohort_id: str) -> list[dict[str, Any]]:
        return await self.db[SEATS].find({"cohort_id": cohort_id}, {"outbox": 0}).to_list(None)

    async def _seats_from_ledger(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """Once per cohort stored before seats lived in its document: move them there."""
        counted = with_ledger_counts(doc, await self.ledger(doc["_id"]))
        seats = {k: counted[k] for k in SEAT_FIELDS} | {"seats_version": 1}
        await self.db[COHORTS].update_one(
            {"_id": doc["_id"], "seats_version": {"$exists": False}}, {"$set": seats}
        )
        return await self.db[COHORTS].find_one({"_id": doc["_id"]}, {"outbox": 0})

    async def reserve_seat(self, request: dict[str, Any]) -> SeatOutcome:
        """Decide one EnrolmentRequested: reserve a seat or reject it, with its event."""
        return (await self.change_seats(request["cohort_id"], [SeatChange("reserve", request)]))[0]

    async def release_seat(self, withdrawal: dict[str, Any]) -> SeatOutcome:
        return (await self.change_seats(withdrawal["cohort_id"], [SeatChange("release", withdrawal)]))[0]

    async def change_seats(self, cohort_id: str, changes: list[SeatChange]) -> list[SeatOutcome]:
        """Decide a run of requests and withdrawals of one cohort, in order, in one write."""
        for _ in range(SEAT_ATTEMPTS):
            cohort = await self.cohort(cohort_id)
            if cohort is None:
                return await self._unknown_cohort(changes)
            offered = await self._seat_funding_kinds(cohort)
            run = SeatRun(cohort, self.today(), offered)
            outcomes = [run.apply(change) for change in changes]
            if run.events and not await self._write_seats(cohort, run):
                continue  # another decision took this seats version first: read again
            if not run.events and run.rejected and await self._behind(cohort):
                continue  # rejected against seats a committed decision changed: read again
            await self._record(run)
            return [replace(outcome, cohort=run.cohort) for outcome in outcomes]
        raise RuntimeError(f"seats of {cohort_id} undecided after {SEAT_ATTEMPTS} attempts")

    async def _seat_funding_kinds(self, cohort: dict[str, Any] | None) -> list[str] | None:
        if cohort is None:
            return None
        return rules.seat_funding_kinds(await self.offering(cohort["offering_id"]), cohort)

    async def _write_seats(self, cohort: dict[str, Any], run: SeatRun) -> bool:
        """Commit the run as the cohort's next seats version, then bring the document up to it.

        The commit is an insert into the ledger whose `_id` names (cohort, version read): unique
        ids decide the race on every store, across processes too, so only one decision follows a
        version. The entry holds the seats taken and released, the new counts and the events (not
        the whole list of enrolments: the ledger grows with the changes only); if the writer stops
        before the document has them, the next decision finds the entry and applies it first."""
        version = cohort["seats_version"]
        seats = run.seats()
        if cohort["status"] == CohortStatus.confirmed:  # the parts stand once the cohort runs
            seats["surcharge_parts_now"] = rules.surcharge_now(cohort | seats)
        update = with_events(
            {"$set": seats | {"seats_version": version + 1, "changed_at": now()}},
            ev.COHORT_TOPIC,
            [ev.envelope_of(event, cohort["_id"]) for event in run.events],
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
                if field not in ("enrolments", "enrolment_ids")
            ],
            "changes": run.ledger,
            "at": now(),
        }
        try:
            await self.db[SEATS].insert_one(commit)
        except DuplicateKeyError:
            await self._catch_up(cohort["_id"], version)
            return False
        # On the version read: a late write never takes the document back behind a newer commit.
        await self.db[COHORTS].update_one({"_id": cohort["_id"], "seats_version": version}, update)
        run.cohort = cohort | seats | {"seats_version": version + 1}
        return True

    async def _catch_up(self, cohort_id: str, version: int) -> None:
        """Apply a committed seats version the cohort document does not show yet."""
        commit = await self.db[SEATS].find_one({"_id": seat_commit_id(cohort_id, version)})
        cohort = await self.db[COHORTS].find_one({"_id": cohort_id}, {"enrolments": 1, "seats_version": 1})
        if commit is None or cohort is None or cohort.get("seats_version") != version:
            return  # applied meanwhile
        held = enrolments_after(cohort.get("enrolments") or [], commit["changes"])
        fields = {entry["field"]: entry["value"] for entry in commit["fields"]}
        fields |= {"enrolments": held, "enrolment_ids": [e["enrolment_id"] for e in held]}
        await self.db[COHORTS].update_one({"_id": cohort_id, "seats_version": version}, {"$set": fields})

    async def _behind(self, cohort: dict[str, Any]) -> bool:
        """Whether a decision committed a seats version the document read does not show yet."""
        version = cohort["seats_version"]
        if await self.db[SEATS].find_one({"_id": seat_commit_id(cohort["_id"], version)}, {"_id": 1}):
            await self._catch_up(cohort["_id"], version)
            return True
        return False

    async def _record(self, run: SeatRun) -> None:
        for request, reason in run.rejected:
            await self._reject(request, reason, run.offered)

    async def _unknown_cohort(self, changes: list[SeatChange]) -> list[SeatOutcome]:
        outcomes = []
        for change in changes:
            if change.kind == "release":
                outcomes.append(SeatOutcome("not_enrolled"))
                continue
            await self._reject(change.data, rules.RejectReason.unknown_cohort, None)
            outcomes.append(SeatOutcome("rejected", reason=rules.RejectReason.unknown_cohort.value))
        return outcomes

    async def _reject(
        self, request: dict[str, Any], reason: rules.RejectReason, offered: list[str] | None
    ) -> None:
        event = ev.SeatRejected(
            cohort_id=request["cohort_id"],
            enrolment_id=request["enrolment_id"],
            application_id=request.get("application_id"),
            reason=reason.value,
            offered_funding_kinds=offered if reason == rules.RejectReason.funding_not_offered else None,
        )
        envelope = ev.envelope_of(event, request["cohort_id"])
        doc = {
            "_id": f"{request['cohort_id']}/{request['enrolment_id']}/{envelope.event_id}",
            "cohort_id": request["cohort_id"],
            "enrolment_id": request["enrolment_id"],
            "reason": reason.value,
            "created_at": now(),
        }
        await self.db[SEAT_REJECTIONS].insert_one(new_document(doc, ev.COHORT_TOPIC, [envelope]))

    # Go / no-go ------------------------------------------------------------------

    async def record_surcharge_acceptance(self, acceptance: dict[str, Any]) -> bool:
        """Keep the latest acceptance per accepting demand (or per payer accepting on its own):
        two demands of one employer are two acceptances. False if the cohort is unknown."""
        entry = {
            "acceptance_id": rules.acceptance_id(acceptance),
            "demand_id": acceptance.get("demand_id"),
            "payer": acceptance["payer"],
            "payers": acceptance.get("payers") or [acceptance["payer"]],
            "seats": acceptance["seats"],
            "cap_cents": acceptance["cap_cents"],
        }
        for _ in range(SEAT_ATTEMPTS):
            cohort = await self.cohort(acceptance["cohort_id"])
            if cohort is None:
                return False
            others = [
                a for a in cohort["surcharge_acceptances"] if rules.acceptance_id(a) != entry["acceptance_id"]
            ]
            result = await self.db[COHORTS].update_one(
                {"_id": cohort["_id"], "version": cohort["version"]},
                {
                    "$set": {"surcharge_acceptances": [*others, entry], "changed_at": now()},
                    "$inc": {"version": 1},
                },
            )
            if result.matched_count == 1:
                return True
        raise RuntimeError("surcharge acceptance not recorded under contention")

    async def sweep_decisions(self) -> dict[str, int]:
        """Cohorts at their decision date: confirm at break-even, otherwise ask the provider once."""
        today = self.today()
        due = (
            await self.db[COHORTS]
            .find(
                {"status": CohortStatus.planned.value, "decision_date": {"$lte": today.isoformat()}},
                {"outbox": 0, "enrolments": 0},
            )
            .to_list(None)
        )
        counts = {"confirmed": 0, "decision_due": 0}
        for cohort in due:
            action = rules.due_action(cohort, today)
            if action == rules.DueAction.confirm:
                await self._confirm(cohort, rules.Decision.go, None, decided_by="catalogue")
                counts["confirmed"] += 1
            elif action == rules.DueAction.ask_provider:
                event = ev.CohortDecisionDue(
                    cohort_id=cohort["_id"],
                    provider_id=cohort["provider_id"],
                    offering_id=cohort["offering_id"],
                    enrolled=cohort["seats_taken"],
                    break_even=cohort["break_even"],
                    seats_missing=rules.empty_seats(cohort),
                    seat_price_cents=cohort["seat_price_cents"],
                    decision_date=cohort["decision_date"],
                    start_date=cohort["start_date"],
                )
                result = await self.db[COHORTS].update_one(
                    {"_id": cohort["_id"], "status": CohortStatus.planned.value, "decision_due_at": None},
                    with_events(
                        {"$set": {"decision_due_at": now(), "changed_at": now()}, "$inc": {"version": 1}},
                        ev.COHORT_TOPIC,
                        [ev.envelope_of(event, cohort["_id"])],
                    ),
                )
                counts["decision_due"] += result.matched_count
        return counts

    async def decide(
        self,
        cohort: dict[str, Any],
        decision: rules.Decision,
        *,
        decided_by: str,
        merge_into: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        decision = rules.Decision(decision)
        if cohort["status"] != CohortStatus.planned:
            raise conflict(
                f"the cohort is {cohort['status']}; only a planned cohort is decided", field="decision"
            )
        if decision == rules.Decision.go:
            return await self._confirm(cohort, decision, None, decided_by=decided_by)
        if decision == rules.Decision.go_with_surcharge:
            problem = rules.surcharge_problem(cohort)
            if problem:
                raise conflict(problem, field="decision")
            return await self._confirm(cohort, decision, self._surcharge(cohort), decided_by=decided_by)
        if decision == rules.Decision.merge:
            assert merge_into is not None
            await self._move_enrolments(cohort, merge_into)
            return await self._cancel(cohort, "merged", merge_into["_id"], decided_by)
        return await self._cancel(cohort, reason or "below_break_even", None, decided_by)

    def _surcharge(self, cohort: dict[str, Any]) -> ev.Surcharge:
        total = rules.surcharge_total_cents(cohort)
        shares = rules.split_surcharge(total, cohort["surcharge_acceptances"])
        return ev.Surcharge(
            total_cents=total,
            empty_seats=rules.empty_seats(cohort),
            payers=[
                ev.SurchargePayer(
                    **{
                        k: s.payer[k]
                        for k in ("payer_id", "kind", "name", "scheme", "endpoint")
                        if s.payer.get(k) is not None
                    },
                    seats=s.seats,
                    cap_cents=s.cap_cents,
                    amount_cents=s.amount_cents,
                    acceptance_id=s.acceptance_id,
                    demand_id=s.demand_id,
                    share_bp=s.share_bp,
                )
                for s in shares
            ],
        )

    async def _confirm(
        self,
        cohort: dict[str, Any],
        decision: rules.Decision,
        surcharge: ev.Surcharge | None,
        decided_by: str,
    ) -> dict[str, Any]:
        event = ev.CohortConfirmed(
            cohort_id=cohort["_id"],
            provider_id=cohort["provider_id"],
            offering_id=cohort["offering_id"],
            decision=CONFIRMING[decision],
            enrolled=cohort["seats_taken"],
            break_even=cohort["break_even"],
            seat_price_cents=cohort["seat_price_cents"],
            surcharge=surcharge,
            decided_by=decided_by,
        )
        record = {
            "decision": decision.value,
            "decided_by": decided_by,
            "decided_at": now(),
            "enrolled": cohort["seats_taken"],
            "surcharge": surcharge.model_dump() if surcharge else None,
        }
        return await self._transition(cohort, CohortStatus.confirmed, record, event)

    async def _cancel(
        self, cohort: dict[str, Any], reason: str, merged_into: str | None, decided_by: str
    ) -> dict[str, Any]:
        event = ev.CohortCancelled(
            cohort_id=cohort["_id"],
            provider_id=cohort["provider_id"],
            offering_id=cohort["offering_id"],
            reason=reason,
            merged_into=merged_into,
            enrolment_ids=list(cohort["enrolment_ids"]),
        )
        record = {
            "decision": "merge" if merged_into else "cancel",
            "decided_by": decided_by,
            "decided_at": now(),
            "reason": reason,
            "merged_into": merged_into,
            "enrolled": cohort["seats_taken"],
            # a called-off cohort keeps its decided parts: they are what billing credits in full
            "surcharge": (cohort.get("decision") or {}).get("surcharge"),
        }
        return await self._transition(cohort, CohortStatus.cancelled, record, event)

    async def call_off(
        self, cohort: dict[str, Any], *, decided_by: str, reason: str | None = None
    ) -> dict[str, Any]:
        """A confirmed cohort that cannot start after all is cancelled; billing credits all it billed."""
        if cohort["status"] != CohortStatus.confirmed:
            raise conflict(
                f"the cohort is {cohort['status']}; only a confirmed cohort is called off "
                "(a planned one gets a decision)",
                field="status",
            )
        return await self._cancel(cohort, reason or "called_off", None, decided_by)

    async def _transition(
        self,
        cohort: dict[str, Any],
        target: CohortStatus,
        record: dict[str, Any] | None,
        event: ev.EventPayload,
    ) -> dict[str, Any]:
        if not rules.can_transition(cohort["status"], target):
            raise conflict(f"a {cohort['status']} cohort cannot become {target}", field="status")
        changes: dict[str, Any] = {"status": target.value, "changed_at": now()}
        if record is not None:
            changes["decision"] = record
        events = [ev.envelope_of(event, cohort["_id"])]
        updated = await self.db[COHORTS].find_one_and_update(
            {"_id": cohort["_id"], "status": cohort["status"]},
            with_events({"$set": changes, "$inc": {"version": 1}}, ev.COHORT_TOPIC, events),
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise conflict("the cohort changed while deciding; read it again")
        return updated

    async def set_status(self, cohort: dict[str, Any], target: CohortStatus) -> dict[str, Any]:
        """running / completed: the calendar moves a confirmed cohort on."""
        changed = {**cohort, "status": target.value}
        return await self._transition(cohort, target, None, ev.CohortUpdated(**cohort_event_payload(changed)))

    async def _move_enrolments(self, source: dict[str, Any], target: dict[str, Any]) -> None:
        """Merge step 1: every enrolment of the source takes a seat in the target (SeatReserved there).

        Reservations are idempotent per enrolment, so a merge retried after a failure moves what is
        left; step 2 (cancelling the source with merged_into) runs only once all have a seat.
        """
        if target["_id"] == source["_id"] or target["status"] not in rules.OPEN_FOR_SEATS:
            raise conflict("merge_into: pick another planned or confirmed cohort", field="merge_into")
        same_code = source.get("code") and target.get("code") == source.get("code")
        if target["offering_id"] != source["offering_id"] and not same_code:
            raise conflict("merge_into: the target teaches another offering or code", field="merge_into")
        moving = [e for e in source["enrolments"] if e["enrolment_id"] not in target["enrolment_ids"]]
        if len(moving) > target["seats_left"]:
            raise conflict(
                f"merge_into: the target has {target['seats_left']} seats left, {len(moving)} needed",
                field="merge_into",
            )
        requests = [SeatChange("reserve", {**e, "cohort_id": target["_id"]}) for e in moving]
        outcomes = await self.change_seats(target["_id"], requests)
        for enrolment, outcome in zip(moving, outcomes, strict=True):
            if outcome.outcome not in ("reserved", "duplicate"):
                raise conflict(f"merge_into: no seat for {enrolment['enrolment_id']} ({outcome.reason})")

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

    async def changed_since(self, collection: str, since: datetime | None) -> list[dict[str, Any]]:
        query = {"changed_at": {"$gte": since}} if since else {}
        projection = {"outbox": 0, "enrolments": 0, "enrolment_ids": 0, "surcharge_acceptances": 0}
        return await self.db[collection].find(query, projection).to_list(None)

    # Paging ----------------------------------------------------------------------

    async def _page(
        self, collection: str, query: dict[str, Any], after: str | None, limit: int
    ) -> tuple[list, int]:
        total = await self.db[collection].count_documents(query)
        paged = dict(query)
        if after is not None:
            paged["_id"] = {"$gt": after}
        items = (
            await self.db[collection]
            .find(paged, {"outbox": 0, "search_tokens": 0})
            .sort("_id", 1)
            .limit(limit + 1)
            .to_list(None)
        )
        return items, total
