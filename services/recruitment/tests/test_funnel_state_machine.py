"""Every allowed and every forbidden transition of the application funnel, table-driven."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recruitment.domain.application import Source, received
from recruitment.domain.funnel import (
    ALLOWED,
    EXITS,
    DropOutReason,
    InvalidTransition,
    ReasonRequired,
    Stage,
    allowed_next,
    check_transition,
    make_transition,
    manual_next,
)

S = Stage
T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)

# The contract, written out by hand: (from, to) pairs that are allowed. Everything else is forbidden.
ALLOWED_TABLE = {
    (S.interested, S.intake_planned),
    (S.intake_planned, S.intake_done),
    (S.intake_done, S.admitted),
    (S.admitted, S.enrolment_requested),
    (S.enrolment_requested, S.enrolled),
    (S.enrolment_requested, S.waitlisted),
    (S.waitlisted, S.enrolment_requested),
    *((s, exit_) for s in S if s not in EXITS for exit_ in EXITS),
}
ALL_PAIRS = list(itertools.product(S, S))
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in ALLOWED_TABLE]


def _reason(target: Stage) -> DropOutReason | None:
    return DropOutReason.other if target in EXITS else None


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED_TABLE), ids=lambda s: str(s))
def test_allowed_transition(current, target):
    step = make_transition(current, target, at=T0, by="provider:BRIN-25LH", reason=_reason(target))
    assert (step.from_stage, step.to_stage, step.at, step.by) == (current, target, T0, "provider:BRIN-25LH")


@pytest.mark.parametrize(("current", "target"), FORBIDDEN, ids=lambda s: str(s))
def test_forbidden_transition_names_the_allowed_next_steps(current, target):
    with pytest.raises(InvalidTransition) as caught:
        make_transition(current, target, at=T0, by="x", reason=_reason(target))
    assert caught.value.allowed == allowed_next(current)
    assert set(caught.value.allowed) == {b for a, b in ALLOWED_TABLE if a == current}


def test_the_table_in_code_is_the_table_in_this_test():
    assert {(a, b) for a in S for b in ALLOWED[a]} == ALLOWED_TABLE


@pytest.mark.parametrize("exit_stage", sorted(EXITS))
@pytest.mark.parametrize("current", [s for s in S if s not in EXITS])
def test_leaving_the_funnel_needs_a_reason(current, exit_stage):
    with pytest.raises(ReasonRequired):
        check_transition(current, exit_stage, reason=None)


@pytest.mark.parametrize("terminal", sorted(EXITS))
def test_exits_are_final(terminal):
    assert allowed_next(terminal) == []


def test_seat_decisions_are_not_offered_to_people():
    assert manual_next(S.enrolment_requested) == [S.withdrawn, S.rejected]
    assert allowed_next(S.enrolment_requested) == [S.enrolled, S.waitlisted, S.withdrawn, S.rejected]


def _application():
    return received(
        application_id="a1",
        participant_ref="p-1",
        source=Source.portal,
        provider_id="BRIN-25LH",
        at=T0,
        by="portal",
    )


def test_history_is_timestamped_and_attributed_in_order():
    app = _application()
    path = [
        S.intake_planned,
        S.intake_done,
        S.admitted,
        S.enrolment_requested,
        S.waitlisted,
        S.enrolment_requested,
        S.enrolled,
    ]
    for i, stage in enumerate(path, start=1):
        app = app.moved(stage, at=T0 + timedelta(days=i), by=f"actor-{i}")
    assert app.stage == S.enrolled
    assert [t.to_stage for t in app.history] == [S.interested, *path]
    assert [t.by for t in app.history] == ["portal", *(f"actor-{i}" for i in range(1, 8))]
    assert all(a.at < b.at for a, b in itertools.pairwise(app.history))
    assert all(t.from_stage == prev.to_stage for prev, t in itertools.pairwise(app.history))


def test_a_forbidden_move_leaves_the_application_untouched():
    app = _application()
    with pytest.raises(InvalidTransition):
        app.moved(S.enrolled, at=T0, by="x")
    assert app.stage == S.interested and len(app.history) == 1


def test_entry_stage_is_interested_or_admitted_only():
    with pytest.raises(InvalidTransition):
        received(
            application_id="a",
            participant_ref="p",
            source=Source.placement,
            provider_id="x",
            at=T0,
            by="y",
            entry=S.enrolled,
        )


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_any_walk_of_chosen_moves_stays_inside_the_table(targets):
    """Property: whatever is attempted, the history only ever contains allowed steps."""
    app = _application()
    for target in targets:
        try:
            app = app.moved(target, at=T0, by="x", reason=_reason(target))
        except InvalidTransition:
            pass
    assert all((t.from_stage, t.to_stage) in ALLOWED_TABLE for t in app.history[1:])
