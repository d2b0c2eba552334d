"""The figures the evaluations say nobody has: conversion per channel, time per step, drop-out
reasons and cost per enrolled participant. Pure: applications in, numbers out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from statistics import median

from recruitment.domain.application import Application
from recruitment.domain.funnel import EXITS, FUNNEL, Stage

NO_CHANNEL = "unknown"


@dataclass(frozen=True)
class Conversion:
    from_stage: Stage
    to_stage: Stage
    reached_from: int
    reached_to: int

    @property
    def rate(self) -> float | None:
        return round(self.reached_to / self.reached_from, 4) if self.reached_from else None


@dataclass(frozen=True)
class StepTime:
    stage: Stage
    completed: int
    mean_hours: float | None
    median_hours: float | None


@dataclass
class FunnelFigures:
    applications: int
    reached: dict[Stage, int]
    current: dict[Stage, int]
    conversions: list[Conversion]
    step_times: list[StepTime]
    drop_out_reasons: dict[str, int]
    drop_out_by_stage: dict[str, int]
    enrolled: int
    waitlisted: int
    budget_cents: int | None = None
    cost_per_enrolled_cents: int | None = None
    by_channel: dict[str, FunnelFigures] = field(default_factory=dict)


def reached_stages(application: Application) -> set[Stage]:
    """Every funnel stage the application passed; entering at `admitted` implies the earlier ones."""
    seen = {t.to_stage for t in application.history}
    deepest = max((FUNNEL.index(s) for s in seen if s in FUNNEL), default=-1)
    if Stage.waitlisted in seen:
        deepest = max(deepest, FUNNEL.index(Stage.enrolment_requested))
    return set(FUNNEL[: deepest + 1]) | (seen - set(FUNNEL))


def time_in_stages(application: Application, now: datetime | None = None) -> dict[Stage, float]:
    """Hours spent in each stage that was left again (open stays count only when `now` is given)."""
    spent: dict[Stage, float] = defaultdict(float)
    steps = application.history
    for current, following in pairwise(steps):
        spent[current.to_stage] += (following.at - current.at).total_seconds() / 3600
    if now is not None and steps and steps[-1].to_stage not in EXITS:
        spent[steps[-1].to_stage] += (now - steps[-1].at).total_seconds() / 3600
    return dict(spent)


def cost_per(budget_cents: int, count: int) -> int | None:
    """Integer cents, half-up; None when nobody enrolled (a cost per nobody is not a number)."""
    return (2 * budget_cents + count) // (2 * count) if count else None


def funnel_figures(
    applications: Sequence[Application], budget_cents: int | None = None, *, per_channel: bool = True
) -> FunnelFigures:
    reached: Counter[Stage] = Counter()
    times: dict[Stage, list[float]] = defaultdict(list)
    reasons: Counter[str] = Counter()
    drop_stage: Counter[str] = Counter()
    for application in applications:
        reached.update(reached_stages(application))
        for stage, hours in time_in_stages(application).items():
            times[stage].append(hours)
        if (exit_step := application.drop_out) is not None:
            reasons[str(exit_step.reason or "other")] += 1
            drop_stage[str(exit_step.from_stage)] += 1
    enrolled = sum(1 for a in applications if a.stage == Stage.enrolled)
    figures = FunnelFigures(
        applications=len(applications),
        reached={s: reached[s] for s in FUNNEL},
        current={s: sum(1 for a in applications if a.stage == s) for s in Stage},
        conversions=_conversions(reached),
        step_times=[_step_time(s, times[s]) for s in (*FUNNEL[:-1], Stage.waitlisted)],
        drop_out_reasons=dict(sorted(reasons.items())),
        drop_out_by_stage=dict(sorted(drop_stage.items())),
        enrolled=enrolled,
        waitlisted=sum(1 for a in applications if a.stage == Stage.waitlisted),
        budget_cents=budget_cents,
        cost_per_enrolled_cents=cost_per(budget_cents, enrolled) if budget_cents is not None else None,
    )
    if per_channel:
        figures.by_channel = {
            channel: funnel_figures(group, None, per_channel=False)
            for channel, group in sorted(_by_channel(applications).items())
        }
    return figures


def _by_channel(applications: Iterable[Application]) -> dict[str, list[Application]]:
    groups: dict[str, list[Application]] = defaultdict(list)
    for application in applications:
        groups[str(application.channel) if application.channel else NO_CHANNEL].append(application)
    return groups


def _conversions(reached: Counter[Stage]) -> list[Conversion]:
    """Between every two funnel steps, earlier to later (interested -> enrolled included)."""
    return [Conversion(a, b, reached[a], reached[b]) for i, a in enumerate(FUNNEL) for b in FUNNEL[i + 1 :]]


def _step_time(stage: Stage, hours: list[float]) -> StepTime:
    if not hours:
        return StepTime(stage, 0, None, None)
    return StepTime(stage, len(hours), round(sum(hours) / len(hours), 2), round(median(hours), 2))


@dataclass(frozen=True)
class FillPoint:
    at: datetime
    seats_taken: int
    break_even: int
    capacity: int

    @property
    def distance_to_break_even(self) -> int:
        return self.break_even - self.seats_taken
