"""The application funnel as an explicit state machine.

interested -> intake_planned -> intake_done -> admitted -> enrolment_requested -> enrolled | waitlisted;
a waitlisted application goes back to enrolment_requested when a seat is offered to it; withdrawn or
rejected (with a reason) from every step that is not already an exit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Stage(StrEnum):
    interested = "interested"
    intake_planned = "intake_planned"
    intake_done = "intake_done"
    admitted = "admitted"
    enrolment_requested = "enrolment_requested"
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    withdrawn = "withdrawn"
    rejected = "rejected"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)
# The straight path every figure measures conversion along.
FUNNEL: tuple[Stage, ...] = (
    Stage.interested,
    Stage.intake_planned,
    Stage.intake_done,
    Stage.admitted,
    Stage.enrolment_requested,
    Stage.enrolled,
)
EXITS = frozenset({Stage.withdrawn, Stage.rejected})
TERMINAL = EXITS
# Only the catalogue's seat decision moves an application here, never a person.
SEAT_DECISIONS = frozenset({Stage.enrolled, Stage.waitlisted})

_FORWARD: dict[Stage, frozenset[Stage]] = {
    Stage.interested: frozenset({Stage.intake_planned}),
    Stage.intake_planned: frozenset({Stage.intake_done}),
    Stage.intake_done: frozenset({Stage.admitted}),
    Stage.admitted: frozenset({Stage.enrolment_requested}),
    Stage.enrolment_requested: frozenset({Stage.enrolled, Stage.waitlisted}),
    Stage.waitlisted: frozenset({Stage.enrolment_requested}),
    Stage.enrolled: frozenset(),
}

ALLOWED: dict[Stage, frozenset[Stage]] = {
    stage: (_FORWARD[stage] | EXITS) if stage not in TERMINAL else frozenset() for stage in Stage
}


def allowed_next(stage: Stage) -> list[Stage]:
    """The steps that may follow `stage`, in funnel order (what a 409 lists)."""
    return [s for s in STAGE_ORDER if s in ALLOWED[stage]]


def manual_next(stage: Stage) -> list[Stage]:
    """The steps a person may choose; the seat decision is the catalogue's."""
    return [s for s in allowed_next(stage) if s not in SEAT_DECISIONS]


class DropOutReason(StrEnum):
    not_reachable = "not_reachable"
    no_show = "no_show"
    not_motivated = "not_motivated"
    prior_education_insufficient = "prior_education_insufficient"
    study_skills_insufficient = "study_skills_insufficient"
    language_level_insufficient = "language_level_insufficient"
    found_work = "found_work"
    personal_circumstances = "personal_circumstances"
    financing = "financing"
    schedule_or_location = "schedule_or_location"
    chose_other_training = "chose_other_training"
    no_workplace = "no_workplace"
    cohort_cancelled = "cohort_cancelled"
    other = "other"


class InvalidTransition(Exception):
    def __init__(self, current: Stage, target: Stage, allowed: list[Stage]) -> None:
        super().__init__(f"cannot move from {current} to {target}")
        self.current, self.target, self.allowed = current, target, allowed


class ReasonRequired(ValueError):
    """Leaving the funnel (withdrawn, rejected) always names why: the drop-out figures need it."""


class Transition(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_stage: Stage | None
    to_stage: Stage
    at: datetime
    by: str = Field(min_length=1, max_length=200)
    reason: DropOutReason | None = None
    note: str | None = Field(default=None, max_length=1000)


def check_transition(current: Stage, target: Stage, reason: DropOutReason | None = None) -> None:
    if target not in ALLOWED[current]:
        raise InvalidTransition(current, target, allowed_next(current))
    if target in EXITS and reason is None:
        raise ReasonRequired(f"moving to {target} needs a reason")


def make_transition(
    current: Stage,
    target: Stage,
    *,
    at: datetime,
    by: str,
    reason: DropOutReason | None = None,
    note: str | None = None,
) -> Transition:
    check_transition(current, target, reason)
    return Transition(from_stage=current, to_stage=target, at=at, by=by, reason=reason, note=note)
