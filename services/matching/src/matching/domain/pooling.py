"""Group pooling: place demands and candidates in cohorts so that groups reach break-even.

Objective, in strict order (lexicographic through weights):
  1. as many cohorts as possible go from below break-even to at-or-above it;
  2. as many people as possible are placed;
  3. among equal plans, the better-scoring cohorts.
Hard constraints never bend: a unit is only placed in a cohort among its `options` (which the
scorer produced after every hard constraint), and a cohort never takes more than its free seats.

Splitting: a demand's people stay together in one cohort unless the demand allows splitting
(`splittable`); colleagues usually want to train together and an employer plans one schedule.
A splittable demand may be spread over several cohorts and may be partly placed.

Solving, per connected component (units and the cohorts they may use): the better of greedy and
a break-even-first heuristic starts HiGHS's LP-based branch and cut on the first level alone
(cohorts tipped; a seat only counts where its cohort tips: a MIP whose cuts close most of the LP's
integrality gap and whose sub-MIP heuristics find near-optimal plans), then CP-SAT's weighted
lexicographic model starts from that plan. The plan kept is never worse than greedy's; the bound
reported is the tighter of the two solvers' proved bounds.

Determinism: inputs are sorted, HiGHS runs on one thread with a fixed seed and a node budget,
CP-SAT with a fixed seed and a *deterministic* time budget (work units, not wall seconds) on one
worker, so the same input gives the same plan (unless a wall-clock safety net ends a solve first).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import highspy
from ortools.sat.python import cp_model

from matching.domain.model import empty_seat_surcharge_cents


@dataclass(frozen=True, slots=True)
class PoolCohort:
    cohort_id: str
    free_seats: int
    enrolled: int
    break_even: int
    capacity: int
    seat_price_cents: int
    region: str = ""
    offering_id: str = ""

    @property
    def seats_to_break_even(self) -> int:
        return max(0, self.break_even - self.enrolled)


@dataclass(frozen=True, slots=True)
class PoolUnit:
    """A demand (size = its participants) or a candidate (size 1) with the cohorts it may use."""

    unit_id: str
    size: int
    options: tuple[tuple[str, int], ...]  # (cohort_id, score 0..100)
    splittable: bool = False
    kind: str = "candidate"


@dataclass(frozen=True, slots=True)
class GroupPlan:
    cohort: PoolCohort
    members: tuple[tuple[str, int], ...]  # (unit_id, seats)

    @property
    def seats_added(self) -> int:
        return sum(seats for _, seats in self.members)

    @property
    def enrolled_after(self) -> int:
        return self.cohort.enrolled + self.seats_added

    @property
    def reaches_break_even(self) -> bool:
        return self.enrolled_after >= self.cohort.break_even

    @property
    def tips_break_even(self) -> bool:
        return self.cohort.enrolled < self.cohort.break_even <= self.enrolled_after

    @property
    def surcharge_cents(self) -> int:
        """What the empty seats would cost if the group went ahead now."""
        return empty_seat_surcharge_cents(
            self.cohort.break_even, self.enrolled_after, self.cohort.seat_price_cents
        )


@dataclass(frozen=True, slots=True)
class ComponentBound:
    """One solved component: the objective of the plan kept and CP-SAT's own proof of how far
    any plan could go (None when the solver found no solution in its budget)."""

    units: int
    status: str
    objective: int
    best_bound: int | None
    tipped: int
    tipped_bound: int | None  # the bound in the objective's first level: cohorts tipped


@dataclass
class PoolResult:
    method: str
    groups: list[GroupPlan]
    unplaced: list[str]
    solver_status: dict[str, int] = field(default_factory=dict)
    bounds: list[ComponentBound] = field(default_factory=list)

    @property
    def cohorts_tipped(self) -> int:
        return sum(1 for g in self.groups if g.tips_break_even)

    @property
    def people_placed(self) -> int:
        return sum(g.seats_added for g in self.groups)

    def placements(self) -> dict[str, list[tuple[str, int]]]:
        placed: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for group in self.groups:
            for unit_id, seats in group.members:
                placed[unit_id].append((group.cohort.cohort_id, seats))
        return dict(placed)


Assignment = dict[str, dict[str, int]]  # unit_id -> cohort_id -> seats


def usable_options(unit: PoolUnit, cohorts: dict[str, PoolCohort]) -> list[tuple[str, int]]:
    need = 1 if unit.splittable else unit.size
    return sorted(
        (cid, score) for cid, score in unit.options if cid in cohorts and cohorts[cid].free_seats >= need
    )


def _result(
    method: str, units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort], plan: Assignment
) -> PoolResult:
    members: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for unit_id in sorted(plan):
        for cohort_id, seats in sorted(plan[unit_id].items()):
            if seats > 0:
                members[cohort_id].append((unit_id, seats))
    groups = [GroupPlan(cohorts[cid], tuple(m)) for cid, m in sorted(members.items())]
    placed = {u for u, seats in plan.items() if sum(seats.values()) > 0}
    unplaced = sorted(u.unit_id for u in units if u.unit_id not in placed)
    return PoolResult(method, groups, unplaced)


# Greedy baseline -----------------------------------------------------------------------


def greedy_assignment(units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort]) -> Assignment:
    """Largest units first, each into its best-scoring cohort that still has room."""
    room = {cid: c.free_seats for cid, c in cohorts.items()}
    plan: Assignment = {}
    for unit in sorted(units, key=lambda u: (-u.size, u.unit_id)):
        left = unit.size
        for cohort_id, _ in sorted(usable_options(unit, cohorts), key=lambda o: (-o[1], o[0])):
            take = min(left, room[cohort_id]) if unit.splittable else (left if room[cohort_id] >= left else 0)
            if take > 0:
                plan.setdefault(unit.unit_id, {})[cohort_id] = take
                room[cohort_id] -= take
                left -= take
            if left == 0:
                break
    return plan


def pool_greedy(units: Iterable[PoolUnit], cohorts: Iterable[PoolCohort]) -> PoolResult:
    unit_list = sorted(units, key=lambda u: u.unit_id)
    by_id = {c.cohort_id: c for c in cohorts}
    return _result("greedy", unit_list, by_id, greedy_assignment(unit_list, by_id))


@dataclass(frozen=True)
class FirstLevelLp:
    """The LP relaxation of the first level (cohorts tipped), rounded to 0.001 so that the order
    it gives does not depend on the last bits of the simplex."""

    value: float
    tipped: dict[str, float]  # cohort_id -> how far the relaxation tips it
    seats: dict[tuple[str, str], float]  # (unit_id, cohort_id) -> the unit's share there


def first_level_lp(units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort]) -> FirstLevelLp:
    """`_tipping_mip` less its supply rows, without integrality, solved exactly by HiGHS's simplex."""
    mip, tipped, chosen = _tipping_mip(units, cohorts, supply_rows=False)
    highs = _highs(mip.highs(integral=False))
    highs.run()
    values = highs.getSolution().col_value
    return FirstLevelLp(
        round(highs.getInfo().objective_function_value, 3),
        {cid: round(values[col], 3) for cid, col in tipped.items()},
        {key: round(values[col], 3) for key, col in chosen.items()},
    )


def break_even_first_assignment(
    units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort], guide: FirstLevelLp | None = None
) -> Assignment:
    """Cohorts closest to break-even first: each takes, from the units still free that can reach
    it, the set that brings it to break-even with the fewest seats to spare (units with fewer
    other chances first); cohorts that cannot get there take nobody yet. The people left over
    then go greedily. Fast, and the solver's starting point: tipping is what greedy misses.
    With an LP `guide`, the cohorts the relaxation tips fully go first and each takes the units
    the relaxation puts there first: it sees the competition for units that the order by gap
    does not."""
    tippable = can_tip(units, cohorts)
    reachers: dict[str, list[PoolUnit]] = defaultdict(list)
    for unit in units:
        for cohort_id, _ in usable_options(unit, cohorts):
            if cohort_id in tippable:
                reachers[cohort_id].append(unit)
    chances = {u.unit_id: sum(1 for cid, _ in usable_options(u, cohorts) if cid in tippable) for u in units}
    left = {u.unit_id: u.size for u in units}
    room = {cid: c.free_seats for cid, c in cohorts.items()}
    plan: Assignment = {}
    tipped_lp = guide.tipped if guide else {}
    seats_lp = guide.seats if guide else {}
    for cohort_id in sorted(
        tippable,
        key=lambda cid: (-tipped_lp.get(cid, 0), cohorts[cid].seats_to_break_even, len(reachers[cid]), cid),
    ):
        free = [
            u for u in reachers[cohort_id] if left[u.unit_id] == u.size or (u.splittable and left[u.unit_id])
        ]
        free.sort(key=lambda u: (-seats_lp.get((u.unit_id, cohort_id), 0), chances[u.unit_id], u.unit_id))
        for unit, seats in _fill_to_break_even(
            cohorts[cohort_id].seats_to_break_even, room[cohort_id], free, left
        ):
            plan.setdefault(unit.unit_id, {})[cohort_id] = seats
            left[unit.unit_id] -= seats
            room[cohort_id] -= seats
        for unit in reachers[cohort_id]:
            chances[unit.unit_id] -= 1
    _fill_rest(plan, units, cohorts)
    _repair(plan, units, cohorts, tippable)
    return plan


def _fill_rest(plan: Assignment, units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort]) -> None:
    """The people the plan leaves out go greedily into the seats it leaves free."""
    left = {u.unit_id: u.size - sum(plan.get(u.unit_id, {}).values()) for u in units}
    room = {cid: c.free_seats for cid, c in cohorts.items()}
    for by_cohort in plan.values():
        for cohort_id, seats in by_cohort.items():
            room[cohort_id] -= seats
    rest = [
        replace(u, size=left[u.unit_id])
        for u in units
        if left[u.unit_id] and (u.splittable or left[u.unit_id] == u.size)
    ]
    reduced = {cid: replace(c, free_seats=room[cid]) for cid, c in cohorts.items()}
    for unit_id, by_cohort in greedy_assignment(rest, reduced).items():
        for cohort_id, seats in by_cohort.items():
            plan.setdefault(unit_id, {})[cohort_id] = plan.get(unit_id, {}).get(cohort_id, 0) + seats


def _repair(
    plan: Assignment, units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort], tippable: set[str]
) -> None:
    """Tip more cohorts by moving seats that tip nothing where they are: people not placed,
    people in a cohort that stays below break-even, and a tipped cohort's seats beyond its
    break-even. Each move tips one more cohort and untips none, so the plan only improves."""
    load: dict[str, int] = defaultdict(int)
    for by_cohort in plan.values():
        for cohort_id, seats in by_cohort.items():
            load[cohort_id] += seats
    by_id = {u.unit_id: u for u in units}
    reachers: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        for cohort_id, _ in usable_options(unit, cohorts):
            reachers[cohort_id].append(unit.unit_id)
    for _ in range(3):
        moved = False
        for cohort_id in sorted(
            tippable, key=lambda cid: (cohorts[cid].seats_to_break_even - load[cid], cid)
        ):
            if load[cohort_id] < cohorts[cohort_id].seats_to_break_even:
                moves = _moves_to_tip(cohort_id, plan, load, cohorts, [by_id[u] for u in reachers[cohort_id]])
                for unit_id, source, seats in moves:
                    _move(plan, load, unit_id, source, cohort_id, seats)
                moved = moved or bool(moves)
        if not moved:
            return


def _moves_to_tip(
    target: str,
    plan: Assignment,
    load: dict[str, int],
    cohorts: dict[str, PoolCohort],
    reachers: list[PoolUnit],
) -> list[tuple[str, str | None, int]]:
    """(unit, from cohort or None, seats) that bring `target` to break-even, or none."""
    deficit = cohorts[target].seats_to_break_even - load[target]
    room = cohorts[target].free_seats - load[target]
    # (rank, unit, from cohort or None, seats): people not placed first, then tip-neutral moves
    offers: list[tuple[int, str, str | None, int]] = []
    for unit in reachers:
        spots = plan.get(unit.unit_id, {})
        if target in spots:
            continue
        if not spots or (unit.splittable and sum(spots.values()) < unit.size):
            offers.append((0, unit.unit_id, None, unit.size - sum(spots.values())))
        offers.extend((1, unit.unit_id, placed_in, seats) for placed_in, seats in spots.items())
    offers.sort(key=lambda o: (o[0], -o[3], o[1]))
    taken: list[tuple[str, str | None, int]] = []
    spent: dict[str, int] = defaultdict(int)
    for _, unit_id, source, seats in offers:
        if deficit <= 0:
            break
        if seats > room or (seats > deficit and any(o[3] <= deficit for o in offers if o[1] != unit_id)):
            continue
        if source is not None and not _can_give(source, seats + spent[source], load, cohorts):
            continue
        if any(u == unit_id for u, _, _ in taken):
            continue
        taken.append((unit_id, source, seats))
        if source is not None:
            spent[source] += seats
        deficit -= seats
        room -= seats
    return taken if deficit <= 0 else []


def _can_give(source: str, seats: int, load: dict[str, int], cohorts: dict[str, PoolCohort]) -> bool:
    """A cohort can give seats away without losing a tip: it stays below, or stays at or above."""
    missing = cohorts[source].seats_to_break_even
    return missing == 0 or load[source] < missing or load[source] - seats >= missing


def _move(
    plan: Assignment, load: dict[str, int], unit_id: str, source: str | None, target: str, seats: int
) -> None:
    spots = plan.setdefault(unit_id, {})
    if source is not None:
        spots.pop(source)
        load[source] -= seats
    spots[target] = spots.get(target, 0) + seats
    load[target] += seats


def _fill_to_break_even(
    missing: int, room: int, free: list[PoolUnit], left: dict[str, int]
) -> list[tuple[PoolUnit, int]]:
    """The seats (unit, seats) that reach `missing` within `room` with the least overshoot, or
    nothing when they cannot. Whole demands are combined exactly (a subset sum over the first
    few), single people and splittable demands top up the rest."""
    flexible = [u for u in free if u.size == 1 or u.splittable]
    blocks = [u for u in free if not (u.size == 1 or u.splittable)][:12]
    sums: dict[int, list[PoolUnit]] = {0: []}
    for block in blocks:
        for total, chosen in list(sums.items()):
            if total + block.size <= room and total + block.size not in sums:
                sums[total + block.size] = [*chosen, block]
    spare = sum(left[u.unit_id] for u in flexible)
    fits = [
        (max(total, missing) - missing, len(chosen) + max(0, missing - total), total)
        for total, chosen in sums.items()
        if max(0, missing - total) <= spare and max(total, missing) <= room
    ]
    if not fits:
        return []
    total = min(fits)[2]
    taken = [(u, u.size) for u in sums[total]]
    need = max(0, missing - total)
    for unit in flexible:
        if need == 0:
            break
        seats = min(need, left[unit.unit_id])
        taken.append((unit, seats))
        need -= seats
    return taken


# Decomposition -----------------------------------------------------------------------------


def components(
    units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort]
) -> list[tuple[list[PoolUnit], list[str]]]:
    """Independent sub-problems: units that share no cohort, directly or through others."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for unit in units:
        for cohort_id, _ in usable_options(unit, cohorts):
            parent[find("u:" + unit.unit_id)] = find("c:" + cohort_id)
    grouped_units: dict[str, list[PoolUnit]] = defaultdict(list)
    grouped_cohorts: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        if usable_options(unit, cohorts):
            grouped_units[find("u:" + unit.unit_id)].append(unit)
    for node in list(parent):
        if node.startswith("c:"):
            grouped_cohorts[find(node)].append(node[2:])
    return [
        (sorted(grouped_units[root], key=lambda u: u.unit_id), sorted(grouped_cohorts[root]))
        for root in sorted(grouped_units, key=lambda r: min(u.unit_id for u in grouped_units[r]))
    ]


STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "UNKNOWN",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
}

# CP-SAT -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolverLimits:
    deterministic_time_per_unit: float = 0.02  # CP-SAT work units per unit in a component
    min_deterministic_time: float = 0.5
    max_deterministic_time: float = 20.0
    max_wall_seconds: float = 30.0  # safety net only; the deterministic budget ends the search first
    seed: int = 0
    linearization_level: int = 1  # 2 puts the tipped rows (a Boolean times a gap) into the LP too
    num_workers: int = 1  # for the full (weighted) model
    # The first level (most cohorts tipped) by HiGHS: a node budget keeps it repeatable (1: the
    # root only, where its cuts and sub-MIP heuristics do most of the work); wall seconds are a
    # safety net that ends it early on a crowded machine.
    tipping_nodes: int = 1000
    tipping_seconds: float = 30.0


def _weights(units: Sequence[PoolUnit]) -> tuple[int, int]:
    """(per cohort tipped, per person placed): each level outweighs everything below it."""
    people = sum(u.size for u in units)
    people_weight = 100 * people + 1  # above any score total
    return people_weight * (people + 1), people_weight  # above any people-and-score total


def _objective(units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort], plan: Assignment) -> int:
    """A plan's value in the solver's objective (so it compares with the solver's bound)."""
    tipped_weight, people_weight = _weights(units)
    tipped, placed = _quality(plan, cohorts)
    score = {(u.unit_id, cid): s for u in units for cid, s in u.options}
    scored = sum(score.get((uid, cid), 0) * n for uid, by in plan.items() for cid, n in by.items())
    return tipped_weight * tipped + people_weight * placed + scored


def tipping_share(unit: PoolUnit, cohort: PoolCohort) -> int:
    """The most seats this unit can add toward the cohort's break-even. A demand that does not
    split either goes in whole or not at all, so what it brings beyond the missing seats tips
    nothing; capping its coefficient keeps the relaxation from spreading it over many cohorts."""
    return (
        min(unit.size, cohort.free_seats) if unit.splittable else min(unit.size, cohort.seats_to_break_even)
    )


def can_tip(units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort]) -> set[str]:
    """Cohorts below break-even that the units able to reach them could together bring to it;
    only these get a tipped indicator (the others are fixed at 'not tipped')."""
    reach: dict[str, int] = defaultdict(int)
    for unit in units:
        for cohort_id, _ in usable_options(unit, cohorts):
            reach[cohort_id] += tipping_share(unit, cohorts[cohort_id])
    return {
        cid
        for cid, seats in reach.items()
        if 0 < cohorts[cid].seats_to_break_even <= min(seats, cohorts[cid].free_seats)
    }


def _supply_rows(
    units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort], tippable: Iterable[str]
) -> list[tuple[dict[str, int], int]]:
    """Redundant knapsack rows (coefficient per tipped indicator, right-hand side) that make a
    solver's bound honest about scarcity: the cohorts tipped among those missing at most k seats
    need, together, their missing seats from distinct people, and a demand that does not split
    brings at most its size, capped by the largest such gap it can reach, to one of them."""
    missing = {cid: cohorts[cid].seats_to_break_even for cid in sorted(tippable)}
    rows = []
    for k in sorted(set(missing.values())):
        supply = 0
        for unit in units:
            gaps = [missing[cid] for cid, _ in usable_options(unit, cohorts) if missing.get(cid, k + 1) <= k]
            if gaps:
                supply += unit.size if unit.splittable else min(unit.size, max(gaps))
        rows.append(({cid: m for cid, m in missing.items() if m <= k}, supply))
    return rows


def _supply_cuts(
    model: cp_model.CpModel,
    units: Sequence[PoolUnit],
    cohorts: dict[str, PoolCohort],
    tipped: dict[str, cp_model.IntVar],
) -> None:
    """The supply rows as plain linear rows, so CP-SAT's LP sees them."""
    for coefficients, supply in _supply_rows(units, cohorts, tipped):
        model.add(sum(m * tipped[cid] for cid, m in coefficients.items()) <= supply)


@dataclass
class _Rows:
    """A MIP in HiGHS's row-wise form, filled coefficient by coefficient (building expressions
    in Python costs more than the solve)."""

    upper: list[float] = field(default_factory=list)  # columns: 0 .. upper
    cost: list[float] = field(default_factory=list)
    lower_rhs: list[float] = field(default_factory=list)
    upper_rhs: list[float] = field(default_factory=list)
    start: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def column(self, upper: int, cost: int = 0) -> int:
        self.upper.append(upper)
        self.cost.append(cost)
        return len(self.upper) - 1

    def row(self, lower: float, upper: float, terms: Iterable[tuple[int, float]]) -> None:
        for column, coefficient in terms:
            self.index.append(column)
            self.value.append(coefficient)
        self.start.append(len(self.index))
        self.lower_rhs.append(lower)
        self.upper_rhs.append(upper)

    def highs(self, integral: bool = True) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.upper), len(self.lower_rhs)
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = self.cost, [0.0] * len(self.upper), self.upper
        lp.row_lower_, lp.row_upper_ = self.lower_rhs, self.upper_rhs
        lp.sense_ = highspy.ObjSense.kMaximize
        if integral:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * len(self.upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = self.start, self.index, self.value
        return lp


def _highs(model: highspy.HighsLp, **options: float | int | str) -> highspy.Highs:
    """A silent HiGHS holding `model`, with `options` set."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    for option, value in options.items():
        highs.setOptionValue(option, value)
    highs.passModel(model)
    return highs


def _tipping_mip(
    units: Sequence[PoolUnit], cohorts: dict[str, PoolCohort], supply_rows: bool = True
) -> tuple[_Rows, dict[str, int], dict[tuple[str, str], int]]:
    """The objective's first level alone: most cohorts tipped, as a MIP for HiGHS's branch and
    cut. A seat only counts where its cohort tips (placing people elsewhere is the later levels'
    business), so a unit may only sit in a cohort whose tipped indicator is on: the relaxation
    cannot credit a cohort with people who tip nothing. Returns the rows, the tipped columns and
    the seat columns."""
    mip = _Rows()
    tipped = {cid: mip.column(1, cost=1) for cid in sorted(can_tip(units, cohorts))}
    seats_in: dict[str, list[tuple[int, float]]] = defaultdict(list)
    toward = {cid: [(col, -float(cohorts[cid].seats_to_break_even))] for cid, col in tipped.items()}
    chosen: dict[tuple[str, str], int] = {}
    for unit in units:
        own = []
        for cohort_id, _ in usable_options(unit, cohorts):
            if cohort_id not in tipped:
                continue
            share = tipping_share(unit, cohorts[cohort_id])
            cap = share if unit.splittable else 1
            chosen[(unit.unit_id, cohort_id)] = col = mip.column(cap)
            mip.row(-highspy.kHighsInf, 0, [(col, 1), (tipped[cohort_id], -cap)])  # only where it tips
            own.append((col, 1.0))
            seats_in[cohort_id].append((col, 1 if unit.splittable else unit.size))
            toward[cohort_id].append((col, 1 if unit.splittable else share))
        if own:
            mip.row(-highspy.kHighsInf, unit.size if unit.splittable else 1, own)
    for cohort_id in tipped:
        mip.row(-highspy.kHighsInf, cohorts[cohort_id].free_seats, seats_in[cohort_id])
        mip.row(0, highspy.kHighsInf, toward[cohort_id])
    for coefficients, supply in _supply_rows(units, cohorts, tipped) if supply_rows else []:
        mip.row(-highspy.kHighsInf, supply, [(tipped[cid], m) for cid, m in coefficients.items()])
    return mip, tipped, chosen


def _mip_start(
    units: list[PoolUnit],
    cohorts: dict[str, PoolCohort],
    hint: Assignment,
    tipped: dict[str, int],
    chosen: dict[tuple[str, str], int],
) -> list[float]:
    """The hint in the MIP's columns: only its seats in the cohorts it tips."""
    load = _loads(hint)
    tips = {cid for cid in tipped if load[cid] >= cohorts[cid].seats_to_break_even}
    values = [0.0] * (len(tipped) + len(chosen))
    for cohort_id in tips:
        values[tipped[cohort_id]] = 1.0
    unit_by_id = {u.unit_id: u for u in units}
    for (unit_id, cohort_id), col in chosen.items():
        if cohort_id in tips:
            unit = unit_by_id[unit_id]
            values[col] = min(tipping_share(unit, cohorts[cohort_id]), _hint_value(unit, cohort_id, hint))
    return values


def _loads(plan: Assignment) -> dict[str, int]:
    load: dict[str, int] = defaultdict(int)
    for by_cohort in plan.values():
        for cohort_id, seats in by_cohort.items():
            load[cohort_id] += seats
    return load


def _tip_first(
    units: list[PoolUnit], cohorts: dict[str, PoolCohort], hint: Assignment, limits: SolverLimits
) -> tuple[Assignment, int | None]:
    """Solve the first level on its own with HiGHS's branch and cut, started from the hint, then
    place the people left over greedily. Returns that plan and HiGHS's proved bound on cohorts
    tipped (None when it found no plan in its budget)."""
    mip, tipped, chosen = _tipping_mip(units, cohorts)
    highs = _highs(
        mip.highs(),
        threads=1,
        random_seed=limits.seed,
        mip_rel_gap=0.0,
        mip_max_nodes=limits.tipping_nodes,
        time_limit=limits.tipping_seconds,
    )
    start = highspy.HighsSolution()
    start.col_value, start.value_valid = _mip_start(units, cohorts, hint, tipped, chosen), True
    highs.setSolution(start)
    highs.run()
    info = highs.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible.value:
        return hint, None
    values = highs.getSolution().col_value
    unit_by_id = {u.unit_id: u for u in units}
    plan: Assignment = {}
    for (unit_id, cohort_id), col in sorted(chosen.items()):
        if (seats := round(values[col])) > 0:
            unit = unit_by_id[unit_id]
            plan.setdefault(unit_id, {})[cohort_id] = seats if unit.splittable else unit.size
    _fill_rest(plan, units, cohorts)
    bound = info.mip_dual_bound  # infinite when the budget ended before the root LP
    # an integral objective: what the bound claims above the integer below it is not reachable
    return plan, len(tipped) if not math.isfinite(bound) else min(len(tipped), math.floor(bound + 1e-6))


def _solve_component(
    units: list[PoolUnit], cohorts: dict[str, PoolCohort], hint: Assignment, limits: SolverLimits
) -> tuple[Assignment, cp_model.CpSolverStatus, int | None]:
    model = cp_model.CpModel()
    tippable = can_tip(units, cohorts)
    seats_in: dict[str, list[cp_model.LinearExpr]] = defaultdict(list)
    toward: dict[str, list[cp_model.LinearExpr]] = defaultdict(list)  # capped seats toward break-even
    chosen: dict[tuple[str, str], cp_model.IntVar] = {}
    scored_seats: list[cp_model.LinearExpr] = []
    for unit in units:
        own: list[cp_model.IntVar] = []
        for cohort_id, score in usable_options(unit, cohorts):
            cohort = cohorts[cohort_id]
            if unit.splittable:
                var = model.new_int_var(0, min(unit.size, cohort.free_seats), "")
                seats: cp_model.LinearExpr = var
            else:
                var = model.new_bool_var("")
                seats = unit.size * var
            model.add_hint(var, _hint_value(unit, cohort_id, hint))
            chosen[(unit.unit_id, cohort_id)] = var
            own.append(var)
            seats_in[cohort_id].append(seats)
            toward[cohort_id].append(var if unit.splittable else tipping_share(unit, cohort) * var)
            scored_seats.append(score * seats)
        if unit.splittable:
            model.add(sum(own) <= unit.size)
        else:
            model.add_at_most_one(own)
    tipped: dict[str, cp_model.IntVar] = {}
    for cohort_id in sorted(seats_in):
        cohort = cohorts[cohort_id]
        model.add(sum(seats_in[cohort_id]) <= cohort.free_seats)
        if cohort_id in tippable:
            tipped[cohort_id] = reaches = model.new_bool_var("")
            model.add(sum(toward[cohort_id]) >= cohort.seats_to_break_even * reaches)
            model.add_hint(reaches, sum(hint_seats(hint, cohort_id)) >= cohort.seats_to_break_even)
    _supply_cuts(model, units, cohorts, tipped)
    tipped_weight, people_weight = _weights(units)
    placed = sum(s for seats in seats_in.values() for s in seats)
    model.maximize(tipped_weight * sum(tipped.values()) + people_weight * placed + sum(scored_seats))
    return _run(model, units, chosen, hint, limits)


def _run(
    model: cp_model.CpModel,
    units: list[PoolUnit],
    chosen: dict[tuple[str, str], cp_model.IntVar],
    hint: Assignment,
    limits: SolverLimits,
) -> tuple[Assignment, cp_model.CpSolverStatus, int | None]:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = limits.num_workers
    params.random_seed = limits.seed
    params.linearization_level = limits.linearization_level
    params.max_time_in_seconds = limits.max_wall_seconds
    params.max_deterministic_time = min(
        limits.max_deterministic_time,
        max(limits.min_deterministic_time, limits.deterministic_time_per_unit * len(units)),
    )
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {u: dict(c) for u, c in hint.items()}, status, None
    unit_by_id = {u.unit_id: u for u in units}
    plan: Assignment = {}
    for (unit_id, cohort_id), var in sorted(chosen.items()):
        if value := solver.value(var):
            unit = unit_by_id[unit_id]
            plan.setdefault(unit_id, {})[cohort_id] = value if unit.splittable else unit.size
    return plan, status, round(solver.best_objective_bound)  # integral: integer coefficients


def _hint_value(unit: PoolUnit, cohort_id: str, hint: Assignment) -> int:
    seats = hint.get(unit.unit_id, {}).get(cohort_id, 0)
    return seats if unit.splittable else int(seats > 0)


def hint_seats(hint: Assignment, cohort_id: str) -> list[int]:
    return [by_cohort.get(cohort_id, 0) for by_cohort in hint.values()]


def pool_optimal(
    units: Iterable[PoolUnit], cohorts: Iterable[PoolCohort], limits: SolverLimits | None = None
) -> PoolResult:
    limits = limits or SolverLimits()
    unit_list = sorted(units, key=lambda u: u.unit_id)
    by_id = {c.cohort_id: c for c in sorted(cohorts, key=lambda c: c.cohort_id)}
    plan: Assignment = {}
    statuses: dict[str, int] = defaultdict(int)
    bounds: list[ComponentBound] = []
    for part_units, part_cohort_ids in components(unit_list, by_id):
        part_cohorts = {cid: by_id[cid] for cid in part_cohort_ids}
        hint = max(
            greedy_assignment(part_units, part_cohorts),  # first: on a tie the baseline stays
            break_even_first_assignment(part_units, part_cohorts),
            key=lambda start: _quality(start, part_cohorts),
        )
        tip_plan, tipped_bound = _tip_first(part_units, part_cohorts, hint, limits)
        if _quality(tip_plan, part_cohorts) > _quality(hint, part_cohorts):
            hint = tip_plan
        part_plan, status, bound = _solve_component(part_units, part_cohorts, hint, limits)
        if _quality(part_plan, part_cohorts) < _quality(hint, part_cohorts):
            part_plan = hint  # never worse than the baseline, even if the budget ran out early
        bound = _tightest(part_units, bound, tipped_bound)
        plan.update(part_plan)
        status_name = STATUS_NAMES.get(status, str(status))
        statuses[status_name] += 1
        bounds.append(_bound(part_units, part_cohorts, part_plan, status_name, bound))
    result = _result("cp-sat", unit_list, by_id, plan)
    result.solver_status = dict(statuses)
    result.bounds = bounds
    return result


def _tightest(units: list[PoolUnit], bound: int | None, tipped_bound: int | None) -> int | None:
    """The better of two proved bounds on the same objective: the weighted model's own, and the
    first level's (at most that many cohorts tipped, and at best everyone placed in their
    best-scoring option: people and score together weigh less than one cohort tipped)."""
    if tipped_bound is None:
        return bound
    tipped_weight, people_weight = _weights(units)
    people = sum(u.size for u in units)
    from_tipping = tipped_weight * tipped_bound + (people_weight + 100) * people
    return from_tipping if bound is None else min(bound, from_tipping)


def _bound(
    units: list[PoolUnit], cohorts: dict[str, PoolCohort], plan: Assignment, status: str, bound: int | None
) -> ComponentBound:
    tipped_weight, _ = _weights(units)
    return ComponentBound(
        units=len(units),
        status=status,
        objective=_objective(units, cohorts, plan),
        best_bound=bound,
        tipped=_quality(plan, cohorts)[0],
        tipped_bound=None if bound is None else bound // tipped_weight,
    )


def _quality(plan: Assignment, cohorts: dict[str, PoolCohort]) -> tuple[int, int]:
    """(cohorts tipped to break-even, people placed): the objective's first two levels."""
    load: dict[str, int] = defaultdict(int)
    for by_cohort in plan.values():
        for cohort_id, seats in by_cohort.items():
            load[cohort_id] += seats
    tipped = sum(1 for cid, seats in load.items() if 0 < cohorts[cid].seats_to_break_even <= seats)
    return tipped, sum(load.values())


# Checks (used by tests and as a guard before proposals are stored) -------------------------


def plan_violations(
    units: Iterable[PoolUnit], cohorts: Iterable[PoolCohort], result: PoolResult
) -> list[str]:
    by_unit = {u.unit_id: u for u in units}
    by_cohort = {c.cohort_id: c for c in cohorts}
    problems = []
    placed: dict[str, list[tuple[str, int]]] = result.placements()
    for group in result.groups:
        cohort = by_cohort.get(group.cohort.cohort_id)
        if cohort is None:
            problems.append(f"unknown cohort {group.cohort.cohort_id}")
        elif group.seats_added > cohort.free_seats:
            problems.append(
                f"cohort {cohort.cohort_id} over capacity: {group.seats_added} > {cohort.free_seats}"
            )
    for unit_id, spots in placed.items():
        unit = by_unit.get(unit_id)
        if unit is None:
            problems.append(f"unknown unit {unit_id}")
            continue
        allowed = {cid for cid, _ in unit.options}
        if any(cid not in allowed for cid, _ in spots):
            problems.append(f"{unit_id} placed outside its feasible cohorts")
        if sum(seats for _, seats in spots) > unit.size:
            problems.append(f"{unit_id} placed more people than it has")
        if not unit.splittable and (len(spots) > 1 or spots[0][1] != unit.size):
            problems.append(f"{unit_id} was split but does not allow splitting")
    return problems
