"""Cohort columns of the search index: every cohort condition is one vectorised mask.

Each cohort is a cell with numeric columns (status, start day, seats left, region, place, ...).
The first SLOTS cohorts of offering number n sit in column n of (SLOTS, capacity) arrays, so a
mask over all cohorts becomes a per-offering answer with SLOTS - 1 element-wise ORs, and the
earliest matching start with one min over the short axis. An offering's further cohorts (rare:
most offerings run one to four start moments a year) go to flat overflow arrays that carry
their offering number and are reduced by scatter. Cells are written in place, so a seat count
change is one array store, never a rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

SLOTS = 4
# Status codes: "open" (planned or confirmed) is status >= PLANNED, one comparison.
EMPTY, CLOSED, PLANNED, CONFIRMED = 0, 1, 2, 3
NO_VALUE = 2**30  # above every day number (date.max is 3,652,059) and every rank

COLUMNS: dict[str, type] = {
    "status": np.int8,
    "start": np.int32,  # day number (date.toordinal)
    "last_start": np.int32,  # the last day one can start: end date of a rolling cohort
    "enrol_until": np.int32,
    "seats_left": np.int32,
    "region": np.intp,  # code into CohortColumns.regions (intp: gathers need no conversion)
    "point": np.intp,  # code into CohortColumns.points, the (lat, lon) of the cohort's place
    # The same codes as one bit each (0 from code 64 on): "is the code in this set" is then one
    # AND with the set's bits, several times faster than a gather through a lookup table. The
    # columns start as uint8 and widen when a code needs it (fewer bytes to read per query).
    "region_bit": np.uint8,
    "point_bit": np.uint8,
}
BIT_TYPES = (np.uint8, np.uint16, np.uint32, np.uint64)
WIDEST_BIT_CODE = 63


def status_code(status: str) -> int:
    return {"planned": PLANNED, "confirmed": CONFIRMED}.get(status, CLOSED)


def day(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


class Part:
    """One set of cells with all COLUMNS, indexed by a cell position."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.arrays: dict[str, np.ndarray] = {name: np.zeros(shape, dtype) for name, dtype in COLUMNS.items()}

    def grow(self, axis: int, size: int) -> None:
        for name, array in self.arrays.items():
            shape = list(array.shape)
            extra = size - shape[axis]
            if extra > 0:
                shape[axis] = extra
                self.arrays[name] = np.concatenate([array, np.zeros(shape, array.dtype)], axis=axis)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["arrays"][name]
        except KeyError:
            raise AttributeError(name) from None


class Columns:
    """A read-only view handed to a predicate: the block, the trimmed overflow, or some
    offerings' cells. Columns are cut out when first read, so unused ones cost nothing."""

    def __init__(self, arrays: dict[str, np.ndarray], cut: Callable[[np.ndarray], np.ndarray]) -> None:
        self._arrays = arrays
        self._cut = cut

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            array = self._arrays[name]
        except KeyError:
            raise AttributeError(name) from None
        view = self._cut(array)
        setattr(self, name, view)
        return view

    if TYPE_CHECKING:
        status: np.ndarray
        start: np.ndarray
        last_start: np.ndarray
        enrol_until: np.ndarray
        seats_left: np.ndarray
        region: np.ndarray
        point: np.ndarray
        region_bit: np.ndarray
        point_bit: np.ndarray


# A predicate narrows the cells open for enrolment (a copy, its own to change) to those that match.
Predicate = Callable[[Columns, np.ndarray], np.ndarray]


@dataclass
class CohortMatch:
    """A boolean per cell: (SLOTS, capacity) for the block, (overflow length,) for the rest."""

    block: np.ndarray
    overflow: np.ndarray


class CohortColumns:
    def __init__(self, offering_capacity: int) -> None:
        self.block = Part((SLOTS, offering_capacity))
        self.overflow = Part((64,))
        self.overflow_offering = np.zeros(64, np.intp)
        self.overflow_length = 0
        self.used_slots: dict[int, int] = {}  # offering number -> block slots taken
        self.cells: dict[str, tuple[int, ...] | int] = {}  # cohort id -> (slot, n) or overflow index
        self.regions: dict[str, int] = {}
        self.points: dict[tuple[float, float], int] = {}
        self._open: tuple[int, np.ndarray, np.ndarray] | None = None  # day, block and overflow cells

    @staticmethod
    def _is_open(part: Part, today: int, cells: Any = slice(None)) -> Any:
        """Cells open for enrolment on day `today`: planned or confirmed, enrolment not closed
        (all of the part's cells, or those `cells` picks)."""
        return (part.status[cells] >= PLANNED) & (part.enrol_until[cells] >= today)

    def open_on(self, today: int) -> tuple[np.ndarray, np.ndarray]:
        """_is_open of the block and the overflow. Every query starts from it, so it is kept for
        the day and kept true cell by cell as cohorts are written (a part that grows drops it)."""
        if self._open is None or self._open[0] != today:
            self._open = (today, self._is_open(self.block, today), self._is_open(self.overflow, today))
        return self._open[1], self._open[2]

    def _reopen(self, cell: tuple[int, ...] | int) -> None:
        """Bring the kept open cells in step with a cell just written."""
        if self._open is not None:
            today, block, overflow = self._open
            part, kept = (self.overflow, overflow) if isinstance(cell, int) else (self.block, block)
            kept[cell] = self._is_open(part, today, cell)

    def grow_offerings(self, capacity: int) -> None:
        self.block.grow(1, capacity)
        self._open = None

    # Writing ---------------------------------------------------------------------

    def write(self, cohort_id: str, n: int, cohort: Any) -> None:
        """Store a cohort of offering number n (a new cell the first time, in place after)."""
        cell = self.cells.get(cohort_id)
        if cell is None or self._offering_of(cell) != n:
            if cell is not None:
                self.drop(cohort_id)
            cell = self._allocate(n)
            self.cells[cohort_id] = cell
        values = self._encode(cohort)
        self._widen("region_bit", values["region"])
        self._widen("point_bit", values["point"])
        part = self.overflow if isinstance(cell, int) else self.block
        for name, value in values.items():
            part.arrays[name][cell] = value
        self._reopen(cell)

    def drop(self, cohort_id: str) -> None:
        """Empty the cohort's cell (an empty cell never matches: its status is EMPTY)."""
        cell = self.cells.pop(cohort_id, None)
        if cell is not None:
            (self.overflow if isinstance(cell, int) else self.block).status[cell] = EMPTY
            self._reopen(cell)

    def drop_offering(self, n: int, cohort_ids: list[str]) -> None:
        for cohort_id in cohort_ids:
            self.drop(cohort_id)
        self.used_slots.pop(n, None)

    def _allocate(self, n: int) -> tuple[int, ...] | int:
        slot = self.used_slots.get(n, 0)
        if slot < SLOTS:
            self.used_slots[n] = slot + 1
            return (slot, n)
        index = self.overflow_length
        if index == len(self.overflow_offering):
            size = 2 * index
            self.overflow.grow(0, size)
            self._open = None
            self.overflow_offering = np.concatenate([self.overflow_offering, np.zeros(index, np.intp)])
        self.overflow_offering[index] = n
        self.overflow_length += 1
        return index

    def _widen(self, column: str, code: int) -> None:
        """Make the bit column wide enough for this code's bit."""
        if code > WIDEST_BIT_CODE or code < 8 * self.block.arrays[column].itemsize:
            return
        wider = next(t for t in BIT_TYPES if code < 8 * np.dtype(t).itemsize)
        for part in (self.block, self.overflow):
            part.arrays[column] = part.arrays[column].astype(wider)

    def _offering_of(self, cell: tuple[int, ...] | int) -> int:
        return int(self.overflow_offering[cell]) if isinstance(cell, int) else cell[1]

    def _encode(self, c: Any) -> dict[str, int]:
        """The columns of a cohort (a search.CohortEntry)."""
        start = day(c.start_date)
        return {
            "status": status_code(c.status),
            "start": start,
            "last_start": day(c.end_date) if c.rolling else start,
            "enrol_until": day(c.enrol_until),
            "seats_left": c.seats_left,
            "region": (region := self.regions.setdefault(c.region, len(self.regions))),
            "point": (point := self.points.setdefault((c.lat, c.lon), len(self.points))),
            "region_bit": 1 << region if region <= WIDEST_BIT_CODE else 0,
            "point_bit": 1 << point if point <= WIDEST_BIT_CODE else 0,
        }

    # Querying ------------------------------------------------------------------------

    def _block(self, offerings: int) -> Columns:
        return Columns(self.block.arrays, lambda a: a[:, :offerings])

    def _overflow(self) -> Columns:
        return Columns(self.overflow.arrays, lambda a: a[: self.overflow_length])

    def match(self, predicate: Predicate, offerings: int, today: int) -> CohortMatch:
        """The predicate over the open cells of offering numbers below `offerings`."""
        block, overflow = self.open_on(today)
        return CohortMatch(
            predicate(self._block(offerings), block[:, :offerings].copy()),
            predicate(self._overflow(), overflow[: self.overflow_length].copy()),
        )

    def matcher(self, match: CohortMatch, n: int) -> Callable[[str], bool]:
        """The test "does this cohort of offering number n match?", its block cells read once."""
        slots = match.block[:, n].tolist()
        overflow, cells = match.overflow, self.cells

        def matched(cohort_id: str) -> bool:
            cell = cells[cohort_id]
            return bool(overflow[cell]) if isinstance(cell, int) else slots[cell[0]]

        return matched

    def any_per_offering(self, match: CohortMatch) -> np.ndarray:
        """Per offering number: does one of its cells match?"""
        found = np.logical_or.reduce(match.block, axis=0)
        if match.overflow.any():
            found[self.overflow_offering[: self.overflow_length][match.overflow]] = True
        return found

    def min_per_offering(
        self, match: CohortMatch, values: Callable[[Columns], np.ndarray], numbers: np.ndarray
    ) -> np.ndarray:
        """For each of the given offering numbers (ascending), the smallest value (non-negative,
        below NO_VALUE) over its matching cells, NO_VALUE where none matches. Only the given
        offerings' cells are read. Cells that do not match get NO_VALUE added, in int32:
        branch-free (np.where, or a `where=` reduction, is ten times slower on a mask without
        pattern)."""
        block = Columns(self.block.arrays, lambda a: a[:, numbers])
        penalty = np.logical_not(match.block[:, numbers]).view(np.int8).astype(np.int32)
        penalty <<= 30  # == NO_VALUE
        penalty += values(block)
        smallest = np.minimum(penalty.min(axis=0, initial=NO_VALUE), NO_VALUE)
        if match.overflow.any():
            offering = self.overflow_offering[: self.overflow_length]
            wanted = np.zeros(match.block.shape[1], bool)
            wanted[numbers] = True
            cells = match.overflow & wanted[offering]
            positions = np.searchsorted(numbers, offering[cells])
            np.minimum.at(smallest, positions, values(self._overflow())[cells])
        return smallest

    def is_in(
        self, codes: dict[Any, int], accepted: set[Any], column: str
    ) -> Callable[[Columns], np.ndarray]:
        """A cell test "the cell's region (or place) is one of `accepted`"."""
        wanted = [code for value, code in codes.items() if value in accepted]
        if all(code <= WIDEST_BIT_CODE for code in codes.values()):
            bits = self.block.arrays[f"{column}_bit"].dtype.type(sum(1 << code for code in wanted))
            return lambda c: (getattr(c, f"{column}_bit") & bits) != 0
        table = np.zeros(max(1, len(codes)), bool)
        table[wanted] = True
        return lambda c: np.take(table, getattr(c, column))
