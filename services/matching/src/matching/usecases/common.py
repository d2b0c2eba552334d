"""What every use case shares: the store, the cohort index, the relay's wake-up and the pooling
schedule; the named errors the API and the pages turn into answers; a stored record that breaks
today's rules left out instead of breaking the run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from llo_shared.problems import Problem
from llo_shared.sealed import Sealer, refuse_to_seal
from matching.cohort_index import CohortIndexCache
from matching.documents import explanation_view
from matching.store import Aggregates
from matching.usecases.scheduling import PoolingSchedule

log = logging.getLogger(__name__)

# What reading a stored record that breaks today's rules raises (a null, a missing key, a bad date).
BROKEN_RECORD = (KeyError, TypeError, ValueError, OverflowError, AttributeError)


@contextmanager
def skipped_if_broken(kind: str, doc: dict[str, Any]) -> Iterator[None]:
    """One tenant's broken record is logged and left out; the rest of the region still pools."""
    try:
        yield
    except BROKEN_RECORD as error:
        log.warning(
            "skipped a broken record",
            extra={"kind": kind, "ref": doc.get("_id"), "error": type(error).__name__},
        )


class Refusal(Problem):
    """Why a use case said no, by name. Each is a `Problem`: the API answers it as problem+json with
    its status, and a page says it in Dutch by that status (pages.common.refusal)."""


class NotFound(Refusal):
    """Not there, or another tenant's: someone else's record does not exist for you."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(404, "not-found", f"{what} not found", f"no {what} {key!r} visible to you")


class Conflicted(Refusal):
    """The state does not allow it (already decided, closed, erased, changed meanwhile, busy)."""

    def __init__(self, detail: str) -> None:
        super().__init__(409, "conflict", "Conflict", detail)


class InvalidInput(Refusal):
    """A value the schema let through but the rules refuse; names the field."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__(422, "validation", "Invalid input", detail, field=field)


class NotYourRegion(Refusal):
    """A mobility team acts on its own region only."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, "forbidden", "Not your region", detail)


class InvalidPlan(Refusal):
    """Pooling produced a plan that breaks a rule: a bug, never stored, said loudly."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__(500, "pooling-invalid", "Pooling produced an invalid plan", "; ".join(violations))


def fields_of(doc: dict[str, Any], *names: str) -> dict[str, Any]:
    """The named fields of a stored document, as its event carries them unchanged."""
    return {name: doc[name] for name in names}


class UseCase:
    """The state every use case of matching works on; `Matching` combines the use cases."""

    def __init__(
        self,
        db: Any,
        wake: Callable[[], None],
        sealer: Sealer = refuse_to_seal,
        schedule: PoolingSchedule | None = None,
    ) -> None:
        self.store = Aggregates(db)
        self.cohort_index = CohortIndexCache(db)
        self._wake = wake
        self._sealer = sealer
        self.schedule = schedule  # None: pooling runs only when asked (tests, tools)

    def _region_changed(self, region: str) -> None:
        """Demand or candidates of the region changed: its proposals are computed again shortly."""
        if self.schedule is not None:
            self.schedule.changed(region)

    async def _explained(self, need: Any, k: int) -> list[dict]:
        index = await self.cohort_index.current()
        items = []
        for explanation in index.explain_top_k(need, k):
            cohort = index.cohort(explanation.cohort_id)
            offering = index.offerings[explanation.offering_id]
            items.append(explanation_view(explanation, cohort_summary(cohort, offering)))
        return items


def cohort_summary(cohort: Any, offering: Any) -> dict[str, Any]:
    return {
        "cohort_id": cohort.cohort_id,
        "offering_id": cohort.offering_id,
        "title": offering.title,
        "provider_id": cohort.provider_id,
        "level": offering.level,
        "code": offering.code,
        "municipality": cohort.municipality,
        "region": cohort.region,
        "start_date": cohort.start_date.isoformat(),
        "capacity": cohort.capacity,
        "seats_taken": cohort.seats_taken,
        "seats_left": cohort.free_seats,
        "break_even": cohort.break_even,
        "seat_price_cents": cohort.seat_price_cents,
        "status": cohort.status,
    }
