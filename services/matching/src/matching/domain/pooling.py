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

Determinism: inputs are sorted, CP-SAT runs single-threaded with a fixed seed and a
*deterministic* time budget (work units, not wall seconds), so the same input gives the same plan.
The problem is decomposed into connected components (units and the cohorts they may use) and
each component is solved on its own; the greedy plan is the solver's starting hint, so the
solver's plan is never worse than the greedy baseline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


def _usable_options(unit: PoolUnit, cohorts: dict[str, PoolCohort]) -> list[tuple[str, int]]:
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
        for cohort_id, _ in sorted(_usable_options(unit, cohorts), key=lambda o: (-o[1], o[0])):
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
        for cohort_id, _ in _usable_options(unit, cohorts):
            parent[find("u:" + unit.unit_id)] = find("c:" + cohort_id)
    grouped_units: dict[str, list[PoolUnit]] = defaultdict(list)
    grouped_cohorts: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        if _usable_options(unit, cohorts):
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


def _solve_component(
    units: list[PoolUnit], cohorts: dict[str, PoolCohort], hint: Assignment, limits: SolverLimits
) -> tuple[Assignment, cp_model.CpSolverStatus, int | None]:
    model = cp_model.CpModel()
    seats_in: dict[str, list[cp_model.LinearExpr]] = defaultdict(list)
    chosen: dict[tuple[str, str], cp_model.IntVar] = {}
    scored_seats: list[cp_model.LinearExpr] = []
    placed_seats: list[cp_model.LinearExpr] = []
    for unit in units:
        own: list[cp_model.LinearExpr] = []
        for cohort_id, score in _usable_options(unit, cohorts):
            if unit.splittable:
                var = model.new_int_var(0, min(unit.size, cohorts[cohort_id].free_seats), "")
                seats: cp_model.LinearExpr = var
            else:
                var = model.new_bool_var("")
                seats = unit.size * var
            model.add_hint(var, _hint_value(unit, cohort_id, hint))
            chosen[(unit.unit_id, cohort_id)] = var
            own.append(seats)
            seats_in[cohort_id].append(seats)
            placed_seats.append(seats)
            scored_seats.append(score * seats)
        if unit.splittable:
            model.add(sum(own) <= unit.size)
        else:
            model.add_at_most_one(chosen[(unit.unit_id, c)] for c, _ in _usable_options(unit, cohorts))
    tipped: list[cp_model.IntVar] = []
    for cohort_id in sorted(seats_in):
        cohort = cohorts[cohort_id]
        load = sum(seats_in[cohort_id])
        model.add(load <= cohort.free_seats)
        missing = cohort.seats_to_break_even
        if 0 < missing <= cohort.free_seats:
            reaches = model.new_bool_var("")
            model.add(load >= missing).only_enforce_if(reaches)
            model.add_hint(reaches, sum(hint_seats(hint, cohort_id)) >= missing)
            tipped.append(reaches)
    tipped_weight, people_weight = _weights(units)
    model.maximize(tipped_weight * sum(tipped) + people_weight * sum(placed_seats) + sum(scored_seats))
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.random_seed = limits.seed
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
        hint = greedy_assignment(part_units, part_cohorts)
        part_plan, status, bound = _solve_component(part_units, part_cohorts, hint, limits)
        if _quality(part_plan, part_cohorts) < _quality(hint, part_cohorts):
            part_plan = hint  # never worse than the baseline, even if the budget ran out early
        plan.update(part_plan)
        status_name = STATUS_NAMES.get(status, str(status))
        statuses[status_name] += 1
        bounds.append(_bound(part_units, part_cohorts, part_plan, status_name, bound))
    result = _result("cp-sat", unit_list, by_id, plan)
    result.solver_status = dict(statuses)
    result.bounds = bounds
    return result


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
