"""The one surcharge rule (DOMAIN.md): exact parts, half-up, last absorbs, reductions within the promise."""

import math

from hypothesis import example, given
from hypothesis import strategies as st

from llo_shared.surcharge import (
    decided_parts,
    parts_after_reduction,
    parts_problem,
    split_half_up,
    surcharge_total_cents,
)

seats = st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=6)


def test_three_payers_of_one_seat_the_last_to_accept_takes_the_cent():
    assert decided_parts(100_000, [1, 1, 1]) == [33_333, 33_333, 33_334]


def test_the_documented_group_of_eight():
    total = surcharge_total_cents(12, 8, 250_000)
    assert decided_parts(total, [5, 3]) == [625_000, 375_000]
    # two seats filled later: 5.000 back, pro rata to the parts fixed at the decision
    assert parts_after_reduction([625_000, 375_000], surcharge_total_cents(12, 10, 250_000)) == [
        312_500,
        187_500,
    ]


def test_a_few_cents_over_many_payers_never_give_a_negative_part():
    assert split_half_up(2, [1, 1, 1, 1]) == [1, 1, 0, 0]
    assert parts_after_reduction([2, 2, 2, 2, 1], 7) == [2, 2, 2, 1, 0]


@given(total=st.integers(min_value=0, max_value=10**8), seats=seats)
def test_decided_parts_add_up_and_follow_seats(total, seats):
    parts = decided_parts(total, seats)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    assert_half_up_in_order(parts, [total * seat / sum(seats) for seat in seats], total)


@given(
    total=st.integers(min_value=0, max_value=10**7),
    seats=seats,
    now=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=5),
)
def test_reductions_keep_every_part_within_the_promise_and_add_up(total, seats, now):
    decided = decided_parts(total, seats)
    for total_now in now:
        parts = parts_after_reduction(decided, total_now)
        assert sum(parts) == min(total_now, total)
        assert all(0 <= part <= promised for part, promised in zip(parts, decided, strict=True))


@given(total=st.integers(min_value=1, max_value=10**7), seats=seats)
@example(total=7, seats=[1, 1, 1, 1, 2, 1])  # four rounded-up parts take the whole reduction of 4
def test_a_later_reduction_is_returned_pro_rata_to_the_decided_parts(total, seats):
    decided = decided_parts(total, seats)
    half = parts_after_reduction(decided, total // 2)
    returned = [d - h for d, h in zip(decided, half, strict=True)]
    reduction = total - total // 2
    assert_half_up_in_order(returned, [reduction * part / total for part in decided], reduction)


def assert_half_up_in_order(parts: list[int], exact: list[float], total: int) -> None:
    """Each part but the last is its exact share rounded half-up, unless the parts before it
    (rounded up) already took the whole total: then it gets what is left (the documented guard
    that keeps every part >= 0). The last absorbs the remainder."""
    taken = 0
    for part, share in zip(parts[:-1], exact[:-1], strict=True):
        rounded = math.floor(share + 0.5)
        assert part == min(rounded, total - taken), (parts, exact)
        taken += part


def test_parts_that_do_not_add_up_or_pass_a_cap_are_named():
    assert parts_problem(100, [50, 50], [None, None]) is None
    assert "add up to 99" in (parts_problem(100, [50, 49], [None, None]) or "")
    assert "missing" in (parts_problem(100, [50, None], [None, None]) or "")
    assert "cap" in (parts_problem(100, [50, 50], [None, 40]) or "")
    # one demand paid by two payers is one acceptance with one cap
    assert parts_problem(100, [30, 30, 40], [60, 60, 40], groups=["d1", "d1", "d2"]) is None
    assert "cap" in (parts_problem(100, [31, 30, 39], [60, 60, 40], groups=["d1", "d1", "d2"]) or "")
