"""Sorting the matching offerings and paging through them with a cursor.

A sort order's key is a few integer columns over the matching offerings (price, day number,
-words in the title, rank of the nearest distance, rank of the id). The page is found by packing
the columns into one int64 and partitioning, so only the page itself gets sorted. The cursor
carries the key of the last item in its plain form (as the API always gave out); each column
knows how to turn that back into a number that compares exactly like the key value did.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from llo_shared.problems import Problem


def bad_cursor() -> Problem:
    return Problem(400, "bad-cursor", "Invalid cursor", "cursor is not one this API gave out", field="cursor")


# The search pages by key, not by offset (llo_shared.paging): the index is in memory and a page
# is a partial sort after the last key shown, so the cursor is that key with its sort order.
def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise bad_cursor() from None
    if not isinstance(values, list):
        raise bad_cursor()
    return values


@dataclass
class SortField:
    """One component of a sort key for the matching offerings, as integers (for packing), with
    the way back to the key value a cursor carries and the way from a cursor value to a number
    that compares with `values` exactly as the key values compare with it."""

    values: np.ndarray
    key_of: Callable[[int], Any]
    from_cursor: Callable[[Any], float]


def number_from_cursor(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_cursor()
    return value


def day_from_cursor(value: Any) -> float:
    try:
        return date.fromisoformat(value).toordinal()
    except (TypeError, ValueError):
        raise bad_cursor() from None


def rank_from_cursor(ordered: list[Any], value: Any) -> float:
    """The position of `value` among the sorted key values: exact where it is one of them,
    half-way between neighbours where it is not (so > and == against ranks stay exact)."""
    at = bisect.bisect_left(ordered, value)
    return at if at < len(ordered) and ordered[at] == value else at - 0.5


def id_from_cursor(sorted_ids: list[str], value: Any) -> float:
    if not isinstance(value, str):
        raise bad_cursor()
    return rank_from_cursor(sorted_ids, value)


class Ordering:
    def __init__(self, fields: list[SortField]) -> None:
        self.fields = fields

    def page(self, after: list[Any] | None, limit: int) -> tuple[list[int], list[Any] | None]:
        """Positions (into the matching offerings) of the page after the cursor key, in order,
        and the key of the page's last entry when more follow."""
        if after is None:
            chosen = self._smallest([f.values for f in self.fields], limit + 1)
        else:
            candidates = np.flatnonzero(self._after(after))
            chosen = candidates[self._smallest([f.values[candidates] for f in self.fields], limit + 1)]
        page = [int(p) for p in chosen[:limit]]
        next_key = [f.key_of(page[-1]) for f in self.fields] if len(chosen) > limit else None
        return page, next_key

    def _after(self, cursor: list[Any]) -> np.ndarray:
        """Lexicographic key > cursor, field by field from the last."""
        if not isinstance(cursor, list) or len(cursor) != len(self.fields):
            raise bad_cursor()
        greater = np.zeros(len(self.fields[0].values), bool)
        for f, value in reversed(list(zip(self.fields, cursor, strict=True))):
            bound = f.from_cursor(value)
            greater = (f.values > bound) | ((f.values == bound) & greater)
        return greater

    @staticmethod
    def _smallest(columns: list[np.ndarray], count: int) -> np.ndarray:
        """Indices of the `count` smallest keys in key order. The key columns are packed into one
        int64 when their ranges fit (they do for every sort order at realistic sizes), so the page
        comes from a linear-time partition plus a sort of the page alone."""
        packed = np.zeros(len(columns[0]), np.int64)
        bits = 0
        for column in columns:
            if not len(column):
                return np.zeros(0, np.intp)
            low = column.min()
            width = int(column.max() - low).bit_length()
            bits += width
            if bits > 62:
                return np.lexsort(columns[::-1])[:count]
            packed <<= width
            packed |= column - low
        if len(packed) > count:
            chosen = np.argpartition(packed, count - 1)[:count]
            return chosen[np.argsort(packed[chosen])]
        return np.argsort(packed)
