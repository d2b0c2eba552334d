"""Seat decisions: recruitment's enrolment requests and withdrawals against a cohort's seats.

A run of changes of one cohort is decided in order against the seats read (`SeatRun`) and
committed in one write through the store's insert-only seat ledger (`CatalogueStore.commit_seats`);
a decision that loses the race for a seats version reads again. It reads the cohort document (counts
and slots, not the holders) and the holders of only the slots its enrolments may hold."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from catalogue import events as ev
from catalogue.documents import (
    FREE_SLOT,
    Document,
    enrolment_digest,
    now,
    packed_slots,
    read_slots,
    seat_id_of,
    slot_token,
    slots_holding,
)
from catalogue.domain import rules
from catalogue.domain.vocab import CohortStatus
from catalogue.store import CatalogueStore

SEAT_ATTEMPTS = 200  # decisions that lost the race for a seats version read again and retry


@dataclass(frozen=True)
class SeatOutcome:
    outcome: str  # reserved | rejected | duplicate | released | not_enrolled
    reason: str | None = None
    seats_left: int | None = None
    cohort: Document | None = None  # as the decision left it (for the search index)


@dataclass(frozen=True)
class SeatChange:
    kind: Literal["reserve", "release"]  # an EnrolmentRequested | an EnrolmentWithdrawn
    data: dict[str, Any]


def surcharge_due(cohort: Document) -> ev.Surcharge | None:
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


class SeatRun:
    """Seat changes of one cohort decided in order against the seats read, for one write: the
    seats after them, their events, their ledger entries and the rejections to record.

    `holders` are the holders (by slot) of the slots whose token matches an enrolment of the run
    (`slots_holding`): a slot whose token does not match cannot hold it."""

    def __init__(
        self, cohort: Document, today: date, offered: list[str] | None, holders: dict[int, Document]
    ) -> None:
        self.cohort = cohort
        self.today = today
        self.offered = offered
        self.slots = read_slots(cohort)
        self.holders = dict(holders)
        self.by_funding: dict[str, int] = dict(cohort["seats_by_funding"])
        self.events: list[ev.EventPayload] = []
        self.ledger: list[Document] = []
        self.rejected: list[tuple[Document, rules.RejectReason]] = []

    def seats(self) -> Document:
        taken = sum(self.by_funding.values())
        return {
            "seats_taken": taken,
            "seats_left": self.cohort["capacity"] - taken,
            "seats_by_funding": dict(self.by_funding),
            "seat_slots": packed_slots(self.slots, self.cohort["capacity"]),
        }

    def _held(self, enrolment_id: str) -> tuple[int, Document] | None:
        """The slot this enrolment holds and its holder, if it holds one."""
        digest = enrolment_digest(enrolment_id)
        for slot, token in enumerate(self.slots):
            if (
                token != FREE_SLOT
                and token[8:] == digest
                and self.holders[slot]["enrolment_id"] == enrolment_id
            ):
                return slot, self.holders[slot]
        return None

    def written(self) -> Document:
        """The seats as the commit writes them: once the cohort runs, with the parts they leave."""
        seats = self.seats()
        if self.cohort["status"] == CohortStatus.confirmed:
            seats["surcharge_parts_now"] = rules.surcharge_now(self.cohort | seats)
        return seats

    def apply(self, change: SeatChange) -> SeatOutcome:
        if change.kind == "release":
            return self._release(change.data)
        return self._reserve(change.data)

    def _reserve(self, request: Document) -> SeatOutcome:
        enrolment_id = request["enrolment_id"]
        now_seats = self.seats()
        if self._held(enrolment_id) is not None:
            return SeatOutcome("duplicate", seats_left=now_seats["seats_left"])
        funding_kind = request.get("funding_kind") or "private"
        free = [slot for slot in range(self.cohort["capacity"]) if self.slots[slot] == FREE_SLOT]
        reason = rules.rejection_reason(self.cohort | now_seats, self.today, funding_kind, self.offered)
        if reason is None and not free:
            reason = rules.RejectReason.full
        if reason is not None:
            self.rejected.append((request, reason))
            return SeatOutcome("rejected", reason=reason.value)
        cohort_id, slot, at, version = self.cohort["_id"], free[0], now(), self.cohort["seats_version"]
        seat_id = seat_id_of(cohort_id, slot, version)
        payers: list[Any] = request.get("payers") or []
        held = {k: request.get(k) for k in ("enrolment_id", "application_id", "participant_ref")}
        held |= {"funding_kind": funding_kind, "payers": payers, "slot": slot}
        self.slots[slot] = slot_token(version, enrolment_id)
        self.holders[slot] = held | {"seat_id": seat_id, "reserved_at": at}
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
        entry = {"_id": seat_id, "kind": "reserved", "cohort_id": cohort_id, "at": at}
        self.ledger.append(held | entry | {"enrolment_key": f"{seat_id}#{enrolment_id}"})
        return SeatOutcome("reserved", seats_left=after["seats_left"])

    def _release(self, withdrawal: Document) -> SeatOutcome:
        enrolment_id = withdrawal["enrolment_id"]
        found = self._held(enrolment_id)
        if found is None:
            return SeatOutcome("not_enrolled")
        slot, held = found
        self.slots[slot] = FREE_SLOT
        del self.holders[slot]
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
                "slot": slot,
                "enrolment_id": enrolment_id,
                "funding_kind": held["funding_kind"],
                "reason": withdrawal.get("reason"),
                "at": now(),
            }
        )
        return SeatOutcome("released", seats_left=after["seats_left"])


async def reserve_seat(store: CatalogueStore, request: Document) -> SeatOutcome:
    """Decide one EnrolmentRequested: reserve a seat or reject it, with its event."""
    return (await change_seats(store, request["cohort_id"], [SeatChange("reserve", request)]))[0]


async def release_seat(store: CatalogueStore, withdrawal: Document) -> SeatOutcome:
    return (await change_seats(store, withdrawal["cohort_id"], [SeatChange("release", withdrawal)]))[0]


async def change_seats(store: CatalogueStore, cohort_id: str, changes: list[SeatChange]) -> list[SeatOutcome]:
    """Decide a run of requests and withdrawals of one cohort, in order, in one write."""
    for _ in range(SEAT_ATTEMPTS):
        cohort = await store.cohort_document(cohort_id)
        if cohort is None:
            return await _unknown_cohort(store, changes)
        offered = rules.seat_funding_kinds(await store.offering(cohort["offering_id"]), cohort)
        named = slots_holding(cohort, [change.data["enrolment_id"] for change in changes])
        holders = await store.seat_holders(cohort, named) if named else {}
        run = SeatRun(cohort, store.today(), offered, holders)
        outcomes = [run.apply(change) for change in changes]
        if run.events:
            seats = run.written()
            if not await store.commit_seats(cohort, seats, run.events, run.ledger):
                continue  # another decision took this seats version first: read again
            run.cohort = cohort | seats | {"seats_version": cohort["seats_version"] + 1}
        refused = any(o.outcome in ("rejected", "not_enrolled") for o in outcomes)
        if not run.events and refused and await store.behind(cohort):
            continue  # refused against seats a committed decision changed: read again
        for request, reason in run.rejected:
            await _reject(store, request, reason, run.offered)
        return [replace(outcome, cohort=run.cohort) for outcome in outcomes]
    raise RuntimeError(f"seats of {cohort_id} undecided after {SEAT_ATTEMPTS} attempts")


async def _unknown_cohort(store: CatalogueStore, changes: list[SeatChange]) -> list[SeatOutcome]:
    outcomes = []
    for change in changes:
        if change.kind == "release":
            outcomes.append(SeatOutcome("not_enrolled"))
            continue
        await _reject(store, change.data, rules.RejectReason.unknown_cohort, None)
        outcomes.append(SeatOutcome("rejected", reason=rules.RejectReason.unknown_cohort.value))
    return outcomes


async def _reject(
    store: CatalogueStore, request: Document, reason: rules.RejectReason, offered: list[str] | None
) -> None:
    await store.insert_rejection(
        ev.SeatRejected(
            cohort_id=request["cohort_id"],
            enrolment_id=request["enrolment_id"],
            application_id=request.get("application_id"),
            reason=reason.value,
            offered_funding_kinds=offered if reason == rules.RejectReason.funding_not_offered else None,
        )
    )
