"""Enrolment and the seat saga: a request for a seat (EnrolmentRequested), the catalogue's answers
(SeatReserved -> enrolled, SeatRejected -> waitlisted or rejected), a withdrawal that frees a seat
(EnrolmentWithdrawn), and a released seat offered to the first person on the waitlist. Answers to
an older offer are ignored."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from llo_shared.envelope import EventEnvelope
from recruitment import events as ev
from recruitment.cohorts import CohortView
from recruitment.domain.application import Application, Enrolment, EnrolmentStatus
from recruitment.domain.funding import Funding
from recruitment.domain.funnel import DropOutReason, Stage
from recruitment.usecases.base import CATALOGUE, UseCases
from recruitment.usecases.errors import MissingInput

# The catalogue's refusal codes (SeatRejected.reason other than `full`) as drop-out reasons.
SEAT_REFUSAL_REASONS = {
    "cancelled": DropOutReason.cohort_cancelled,
    "closed": DropOutReason.other,
    "unknown_cohort": DropOutReason.other,
    "funding_not_offered": DropOutReason.financing,
}


def waitlist_seq(requested_at: datetime) -> int:
    """A place on the waitlist: when the person asked (in microseconds), not when the catalogue's
    "full" arrived. Requests are keyed by application, so they reach the catalogue over several
    partitions and its answers can come in another order than the requests went out."""
    return int(requested_at.timestamp() * 1_000_000)


# How one answer of the catalogue changes the person's application: the new state and its events.
Answer = Callable[[Application, Enrolment, datetime], Awaitable[tuple[Application, list[EventEnvelope]]]]


class Enrolments(UseCases):
    def _request_enrolment(
        self, application: Application, *, by: str, funding: Funding | None, note: str | None = None
    ) -> tuple[Application, list[EventEnvelope]]:
        funding = funding or application.funding
        if funding is None:
            raise MissingInput("funding", "an enrolment request needs the seat's funding and payers")
        funding = funding.of_participant(application.participant_ref)
        if not application.cohort_id:
            raise MissingInput("cohort_id", "an enrolment request needs a cohort")
        now = self.clock()
        changed = application.moved(Stage.enrolment_requested, at=now, by=by, note=note)
        previous = application.enrolment
        enrolment = Enrolment(
            enrolment_id="enr-" + uuid.uuid4().hex[:16],
            cohort_id=application.cohort_id,
            funding=funding,
            requested_at=now,
            attempt=previous.attempt + 1 if previous else 1,
            # A waitlisted person offered a seat keeps their place if the offer fails.
            waitlist_seq=previous.waitlist_seq if previous else None,
        )
        changed = changed.model_copy(update={"enrolment": enrolment, "funding": funding})
        payload = ev.EnrolmentRequested(
            enrolment_id=enrolment.enrolment_id,
            application_id=application.application_id,
            cohort_id=enrolment.cohort_id,
            participant_ref=application.participant_ref,
            funding_kind=funding.funding_kind,
            payers=funding.payers,
            attempt=enrolment.attempt,
        )
        return changed, [ev.envelope(payload, application.application_id)]

    def _withdraw_enrolment(
        self, before: Application, changed: Application, reason: str
    ) -> tuple[Application, EventEnvelope]:
        enrolment = before.enrolment
        assert enrolment is not None
        payload = ev.EnrolmentWithdrawn(
            enrolment_id=enrolment.enrolment_id,
            application_id=before.application_id,
            cohort_id=enrolment.cohort_id,
            participant_ref=before.participant_ref,
            reason=reason,
            was_enrolled=before.stage == Stage.enrolled,
        )
        closed = enrolment.model_copy(
            update={"status": EnrolmentStatus.withdrawn, "decided_at": self.clock()}
        )
        return changed.model_copy(update={"enrolment": closed}), ev.envelope(payload, before.application_id)

    # the enrolment saga: the catalogue's answers -------------------------------------------
    async def _awaiting(self, application_id: str, enrolment_id: str) -> tuple[Application, int] | None:
        found = await self.store.application(application_id)
        if found is None:
            found = await self._by_enrolment(enrolment_id)
        if found is None:
            return None
        application, _ = found
        current = application.enrolment
        if (
            application.stage != Stage.enrolment_requested
            or not current
            or current.enrolment_id != enrolment_id
        ):
            return None  # an answer to an older offer, or the person left meanwhile (withdrawal sent)
        return found

    async def _by_enrolment(self, enrolment_id: str) -> tuple[Application, int] | None:
        docs = await self.store.all_applications({"enrolment.enrolment_id": enrolment_id})
        return (await self.store.application(docs[0].application_id)) if docs else None

    async def _answer(self, application_id: str, enrolment_id: str, decide: Answer) -> Application | None:
        """One answer of the catalogue to the person's current offer: `decide` gives the new state and
        its events (again on the fresh state after a concurrent change); an answer to an older offer,
        or to a person who left meanwhile, changes nothing."""

        async def attempt() -> Application | None:
            found = await self._awaiting(application_id, enrolment_id)
            if found is None:
                return None
            application, version = found
            assert application.enrolment is not None  # _awaiting finds only a current offer
            changed, events = await decide(application, application.enrolment, self.clock())
            await self.store.save_application(changed, version, events)
            return changed

        answered = await self._retrying(attempt)
        self._wake()
        return answered

    async def seat_reserved(
        self, application_id: str, enrolment_id: str, cohort_known: CohortView | None = None
    ) -> Application | None:
        """`cohort_known`: the cohort as the caller just recorded it (spares a read)."""

        async def enrol(
            application: Application, enrolment: Enrolment, now: datetime
        ) -> tuple[Application, list[EventEnvelope]]:
            known = cohort_known if cohort_known and cohort_known.cohort_id == enrolment.cohort_id else None
            cohort = known or await self.cohort(enrolment.cohort_id)
            enrolled = enrolment.model_copy(
                update={"status": EnrolmentStatus.enrolled, "decided_at": now, "position": None}
            )
            changed = application.moved(Stage.enrolled, at=now, by=CATALOGUE)
            payload = ev.ParticipantEnrolled(
                enrolment_id=enrolled.enrolment_id,
                application_id=application.application_id,
                cohort_id=enrolled.cohort_id,
                offering_id=(cohort.offering_id if cohort else None) or application.offering_id,
                provider_id=(cohort.provider_id if cohort else None) or application.provider_id,
                participant_ref=application.participant_ref,
                funding_kind=enrolled.funding.funding_kind,
                payers=enrolled.funding.payers,
                seat_price_cents=(cohort.seat_price_cents if cohort else None) or 0,
                enrolled_at=now,
            )
            events = [ev.envelope(payload, application.application_id)]
            return changed.model_copy(update={"enrolment": enrolled}), events

        return await self._answer(application_id, enrolment_id, enrol)

    async def seat_rejected(self, application_id: str, enrolment_id: str, reason: str) -> Application | None:
        """`full` puts the person on the waitlist; a cancelled, closed or unknown cohort ends it."""
        if reason != "full":
            return await self._answer(application_id, enrolment_id, self._refusal(reason))
        return await self._answer(application_id, enrolment_id, self._waitlist)

    async def _waitlist(
        self, application: Application, enrolment: Enrolment, now: datetime
    ) -> tuple[Application, list[EventEnvelope]]:
        """The cohort is full: the person waits, placed by when they asked (`waitlist_seq`)."""
        seq = enrolment.waitlist_seq or waitlist_seq(enrolment.requested_at)
        position = await self.store.waitlisted_ahead(enrolment.cohort_id, seq) + 1
        waiting = enrolment.model_copy(
            update={
                "status": EnrolmentStatus.waitlisted,
                "decided_at": now,
                "waitlist_seq": seq,
                "position": position,
            }
        )
        changed = application.moved(Stage.waitlisted, at=now, by=CATALOGUE, note="cohort full")
        payload = ev.ParticipantWaitlisted(
            enrolment_id=waiting.enrolment_id,
            application_id=application.application_id,
            cohort_id=waiting.cohort_id,
            position=position,
        )
        events = [ev.envelope(payload, application.application_id)]
        return changed.model_copy(update={"enrolment": waiting}), events

    @staticmethod
    def _refusal(reason: str) -> Answer:
        """Another refusal than `full` ends the request (rejected, with the catalogue's code)."""

        async def refuse(
            application: Application, enrolment: Enrolment, now: datetime
        ) -> tuple[Application, list[EventEnvelope]]:
            why = SEAT_REFUSAL_REASONS.get(reason, DropOutReason.other)
            code = reason if reason in SEAT_REFUSAL_REASONS else "other"
            note = f"seat rejected: {code}"
            return application.moved(Stage.rejected, at=now, by=CATALOGUE, reason=why, note=note), []

        return refuse

    async def offer_released_seat(self, cohort_id: str) -> Application | None:
        """A seat came free: the first person on the waitlist gets a new enrolment request."""

        async def attempt() -> Application | None:
            found = await self.store.first_waitlisted(cohort_id)
            if found is None:
                return None
            application, version = found
            changed, events = self._request_enrolment(
                application, by=CATALOGUE, funding=None, note="seat released"
            )
            await self.store.save_application(changed, version, events)
            return changed

        application = await self._retrying(attempt)
        self._wake()
        return application
