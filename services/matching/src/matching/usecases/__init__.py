"""What the API and the pages do: each use case checks tenancy, applies the rules, and stores the
state change together with its events in one single-document write.

One module per aggregate or job: demands, candidates, proposals (the decisions on them),
surcharges, pooling, and the schedule that pools without anyone pressing a button. `Matching`
combines them into the one object the routes, pages and the schedule are given."""

from __future__ import annotations

from matching.usecases.common import (
    BROKEN_RECORD,
    Conflicted,
    InvalidInput,
    InvalidPlan,
    NotFound,
    NotYourRegion,
    Refusal,
    UseCase,
    cohort_summary,
    skipped_if_broken,
)
from matching.usecases.pooling import OPTIONS_PER_UNIT, Pooling
from matching.usecases.scheduling import Clock, ManualClock, PoolingRunner, PoolingSchedule, WallClock
from matching.usecases.surcharges import Surcharges


class Matching(Surcharges, Pooling):
    """Every use case of matching: demands, candidates, decisions on proposals, surcharges, pooling."""


__all__ = [
    "BROKEN_RECORD",
    "OPTIONS_PER_UNIT",
    "Clock",
    "Conflicted",
    "InvalidInput",
    "InvalidPlan",
    "ManualClock",
    "Matching",
    "NotFound",
    "NotYourRegion",
    "PoolingRunner",
    "PoolingSchedule",
    "Refusal",
    "UseCase",
    "WallClock",
    "cohort_summary",
    "skipped_if_broken",
]
