"""Erasure: a person asked to be forgotten (here, or at matching for a placed candidate). Personal
data, consent, notes and payer details go; the funnel steps stay for the figures; billing hears of
it (ParticipantErased)."""

from __future__ import annotations

from llo_shared.envelope import EventEnvelope
from recruitment import events as ev
from recruitment.domain.application import Application
from recruitment.usecases.base import UseCases


class Erasure(UseCases):
    async def erase_candidate(self, candidate_ref: str) -> int:
        erased = await self.store.erase_personal_data(
            {"candidate_ref": candidate_ref}, self.clock(), unlink=True, announce=self._erased
        )
        self._wake()
        return erased

    async def erase_application(self, application_id: str) -> bool:
        """The person asked to be forgotten: name, contact details, consent, notes and payer
        details go; the funnel steps stay for the figures. Billing hears of it (ParticipantErased)."""
        erased = await self.store.erase_personal_data(
            {"_id": application_id}, self.clock(), announce=self._erased
        )
        self._wake()
        return erased == 1

    @staticmethod
    def _erased(application: Application) -> list[EventEnvelope]:
        payload = ev.ParticipantErased(
            application_id=application.application_id, participant_ref=application.participant_ref
        )
        return [ev.envelope(payload, application.application_id)]
