"""Offering search: an in-memory index per replica, kept in step with the store.

Why in memory: a filtered, faceted query over 50,000 offerings must answer in milliseconds,
and facet counts by aggregation are slow on FerretDB. The store stays the source of truth;
each replica loads the index at start and then polls documents whose `changed_at` moved
(with an overlap window against clock skew; applying a document twice is harmless). Writes
made by this replica are applied at once, so a provider sees its own change immediately.

Offering attributes, words and visibility are sets of offerings held as Python-int bitmaps
(bit n = offering number n): AND and popcount run in C, which keeps facet counts cheap.
Cohort-level conditions (start window, seats left, guaranteed start, region, distance) must hold
for one and the same cohort: they are one vectorised mask over numpy columns of all cohorts
(search_columns.py), reduced to the offerings that have a matching cohort. Sorting packs each
sort order's key into one integer per matching offering and takes the page with a partial sort.

Semantics, shared with the brute-force reference in tests/test_search_reference.py:
- the result is every visible offering that matches the words (by prefix), flags, maximum price
  and every attribute filter (OR within a field, AND across fields) and, when any cohort
  condition is given, has an open cohort (planned or confirmed, enrolment still open) meeting
  all cohort conditions at once;
- facet counts follow the multi-select rule: a field's counts apply every filter except that
  field's own; the region facet counts result offerings with an open cohort in the region;
- sort keys: relevance (-query words in the title or code, first start, id), start date (first
  start, id), distance (nearest cohort rounded to metres, first start, id), price (price, id);
  first start and nearest are over the matching cohorts (the upcoming ones without cohort
  conditions), "9999-12-31" and 1e9 km when there are none.
"""

from __future__ import annotations

import bisect
import functools
import gc
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from pydantic_core import to_json

from catalogue.domain import geo
from catalogue.domain.text import tokens
from catalogue.domain.vocab import CohortStatus, OfferingStatus, Visibility
from catalogue.search_columns import CONFIRMED, NO_VALUE, CohortColumns, CohortMatch, Columns, Predicate
from catalogue.search_order import (
    Ordering,
    SortField,
    day_from_cursor,
    id_from_cursor,
    number_from_cursor,
    rank_from_cursor,
)
from llo_shared.periodic import PeriodicTask

log = logging.getLogger(__name__)

# Offering-level facet fields: name -> document key (list-valued keys count once per value).
FACETS: dict[str, str] = {
    "credential_type": "credential_type",
    "leerweg": "leerweg",
    "level": "level",
    "domain": "domain",
    "target_group": "target_groups",
    "learning_mode": "learning_modes",
    "location_kind": "location_kinds",
    "lesson_time": "lesson_times",
    "start_policy": "start_policy",
    "funding": "funding",
    "registration": "registration",
    "provider_kind": "provider_kind",
}
FILTER_ONLY: dict[str, str] = {
    "provider_id": "provider_id",
    "code": "code",
    "skill": "skills",
    "visibility": "visibility",
}
FLAGS = ("own_pace", "free_module_order", "exemptions_possible", "requires_workplace", "intake_required")
OPEN = (CohortStatus.planned.value, CohortStatus.confirmed.value)
SYNC_OVERLAP = timedelta(seconds=5)
NO_START = "9999-12-31"  # sort key of an offering without a (matching) cohort: last
NO_DISTANCE = 1e9


@dataclass(slots=True)
class CohortEntry:
    cohort_id: str
    start_date: str
    end_date: str
    enrol_until: str
    status: str
    seats_left: int
    capacity: int
    municipality: str
    region: str
    lat: float
    lon: float
    seat_price_cents: int
    rolling: bool
    # the summary without distance, and its JSON around the distance, once built (entries are
    # replaced on change, so neither can go stale)
    shown: dict[str, Any] | None = None
    encoded: tuple[bytes, bytes] | None = None

    @property
    def guaranteed(self) -> bool:
        return self.status in (CohortStatus.confirmed, CohortStatus.running)

    def summary(self, distance_km: float | None) -> dict[str, Any]:
        if self.shown is None:
            self.shown = self._fixed_summary()
        return {**self.shown, "distance_km": shown_distance(distance_km)}  # keeps its place

    def summary_json(self, distance_km: float | None) -> bytes:
        """summary() as JSON, the same bytes the API's response model writes."""
        if self.encoded is None:
            self.encoded = encode_around(self.summary(None), "distance_km")
        head, tail = self.encoded
        return head + (b"null" if distance_km is None else to_json(shown_distance(distance_km))) + tail

    def _fixed_summary(self) -> dict[str, Any]:
        # in the order the API's read schema writes them: its fields, then the others
        return {
            "cohort_id": self.cohort_id,
            "start_date": self.start_date,
            "status": self.status,
            "seats_left": self.seats_left,
            "start_guaranteed": self.guaranteed,
            "distance_km": None,
            "end_date": self.end_date,
            "capacity": self.capacity,
            "municipality": self.municipality,
            "region": self.region,
            "rolling": self.rolling,
            "seat_price_cents": self.seat_price_cents,
        }


def shown_distance(distance_km: float | None) -> float | None:
    return None if distance_km is None else round(distance_km, 1)


def encode_around(shown: dict[str, Any], *gap: str) -> tuple[bytes, bytes]:
    """The JSON of `shown` (keys in order) as the bytes before and after the keys in `gap` (adjacent,
    in that order): the parts of a response fragment that do not depend on the query. The head
    ends with the first gap key's name and colon; the caller writes the gap's values."""
    keys = list(shown)
    at = keys.index(gap[0])
    before = to_json({k: shown[k] for k in keys[:at]})
    after = to_json({k: shown[k] for k in keys[at + len(gap) :]})
    head = before[:-1] + (b"," if at else b"") + to_json(gap[0]) + b":"
    tail = (b"," + after[1:]) if len(after) > 2 else b"}"
    return head, tail


@dataclass
class OfferingEntry:
    doc: dict[str, Any]
    tokens: tuple[str, ...]
    title_tokens: frozenset[str]
    price_cents: int
    cohorts: dict[str, CohortEntry] = field(default_factory=dict)
    # item_head and encoded_head are built on first use; an offering change replaces the entry
    _head: dict[str, Any] | None = None
    _encoded: tuple[bytes, bytes] | None = None
    _by_start: list[CohortEntry] | None = None  # the cohorts by (start, id): reset on a cohort change

    @property
    def item_head(self) -> dict[str, Any]:
        """The offering's part of a search result item, with None for the parts that depend on
        the query, in the order the API's read schema writes them (its fields, then the others)."""
        if self._head is None:
            doc = self.doc
            self._head = {
                "offering_id": doc["_id"],
                "title": doc["title"],
                "provider_id": doc["provider_id"],
                "provider_name": doc.get("provider_name"),
                "price_cents": self.price_cents,
                "cohort_count": None,
                "start_guaranteed": None,
                "cohorts": None,
                "credential_type": doc["credential_type"],
                "code": doc.get("code"),
                "leerweg": doc["leerweg"],
                "level": doc["level"],
                "domain": doc["domain"],
                "funding": doc["funding"],
                "visibility": doc["visibility"],
                "start_policy": doc["start_policy"],
            }
        return self._head

    @property
    def encoded_head(self) -> tuple[bytes, bytes]:
        """item_head as JSON before "cohort_count" (its name included) and after "cohorts"."""
        if self._encoded is None:
            self._encoded = encode_around(self.item_head, "cohort_count", "start_guaranteed", "cohorts")
        return self._encoded

    def by_start(self) -> list[CohortEntry]:
        if self._by_start is None:
            self._by_start = sorted(self.cohorts.values(), key=lambda c: (c.start_date, c.cohort_id))
        return self._by_start

    def cohort_changed(self) -> None:
        self._by_start = None


@dataclass
class SearchQuery:
    text: str = ""
    equals: dict[str, set[str]] = field(default_factory=dict)  # facet/filter name -> accepted values
    flags: dict[str, bool] = field(default_factory=dict)
    max_price_cents: int | None = None
    region: set[str] = field(default_factory=set)
    start_from: date | None = None
    start_until: date | None = None
    min_seats_left: int | None = None
    start_guaranteed: bool | None = None
    near: geo.Place | None = None
    max_distance_km: float | None = None
    sort: str = "relevance"
    viewer_org: str | None = None
    viewer_role: str | None = None
    today: date | None = None
    _distances: dict[tuple[float, float], float] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.today or date.today()

    @functools.cached_property
    def iso_dates(self) -> tuple[str, str | None, str | None]:
        """Today, start_from and start_until as ISO strings, for comparing with cohort dates."""
        return (
            self.day.isoformat(),
            self.start_from.isoformat() if self.start_from else None,
            self.start_until.isoformat() if self.start_until else None,
        )

    def distance_to(self, lat: float, lon: float) -> float | None:
        """Cohorts sit on a few dozen centroids: each distance is computed once per query."""
        if self.near is None:
            return None
        key = (lat, lon)
        if key not in self._distances:
            self._distances[key] = geo.haversine_km(self.near.lat, self.near.lon, lat, lon)
        return self._distances[key]

    @property
    def within_distance(self) -> bool:
        return self.near is not None and self.max_distance_km is not None

    def too_far(self, distance: float | None) -> bool:
        """Beyond the wished distance (never without a distance filter or a known distance)."""
        limit = self.max_distance_km if self.near is not None else None
        return limit is not None and distance is not None and distance > limit

    @property
    def has_cohort_conditions(self) -> bool:
        return bool(
            self.region
            or self.start_from
            or self.start_until
            or self.min_seats_left is not None
            or self.start_guaranteed
            or self.within_distance
        )

    def matches(self, c: CohortEntry) -> tuple[bool, float | None]:
        """Does one cohort meet every cohort condition (and is it open for enrolment)?
        The per-cohort rule the vectorised mask implements; used for the page's cohorts."""
        today, start_from, start_until = self.iso_dates
        distance = self.distance_to(c.lat, c.lon)
        ok = (
            c.status in OPEN
            and c.enrol_until >= today
            and (not self.region or c.region in self.region)
            and (not start_from or (c.end_date if c.rolling else c.start_date) >= start_from)
            and (not start_until or c.start_date <= start_until)
            and (self.min_seats_left is None or c.seats_left >= self.min_seats_left)
            and (not self.start_guaranteed or c.guaranteed)
            and not self.too_far(distance)
        )
        return ok, distance


SHOWN_COHORTS = 5  # per result item, the first by start date


@dataclass
class Hit:
    """One offering on a result page with its matching cohorts (by start date, with distance)."""

    entry: OfferingEntry
    cohorts: list[tuple[CohortEntry, float | None]]

    def item(self) -> dict[str, Any]:
        return self.entry.item_head | {
            "cohort_count": len(self.cohorts),
            "start_guaranteed": self.start_guaranteed,
            "cohorts": [c.summary(d) for c, d in self.cohorts[:SHOWN_COHORTS]],
        }

    def item_json(self) -> bytes:
        """item() as JSON, from the offering's and cohorts' encoded parts."""
        head, tail = self.entry.encoded_head
        shown = b",".join(c.summary_json(d) for c, d in self.cohorts[:SHOWN_COHORTS])
        guaranteed = b"true" if self.start_guaranteed else b"false"
        return b'%s%d,"start_guaranteed":%s,"cohorts":[%s]%s' % (
            head,
            len(self.cohorts),
            guaranteed,
            shown,
            tail,
        )

    @property
    def start_guaranteed(self) -> bool:
        return any(c.guaranteed for c, _ in self.cohorts)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    next_key: list[Any] | None

    @property
    def items(self) -> list[dict[str, Any]]:
        return [hit.item() for hit in self.hits]


class Bitmaps:
    """Sets of offerings as Python ints (bit n = offering number n): AND/OR/popcount run in C
    over a few kilobytes, which keeps facet counts over 50,000 offerings in microseconds."""

    def __init__(self) -> None:
        self.bits: dict[Any, int] = defaultdict(int)

    def add(self, key: Any, n: int) -> None:
        self.bits[key] |= 1 << n

    def discard(self, key: Any, n: int) -> None:
        if key in self.bits:
            self.bits[key] &= ~(1 << n)

    def get(self, key: Any) -> int:
        return self.bits.get(key, 0)

    def union(self, keys: Iterable[Any]) -> int:
        result = 0
        for key in keys:
            result |= self.bits.get(key, 0)
        return result


class WordBitmaps(Bitmaps):
    """Word -> offerings, looked up by prefix ("verzorg" finds "verzorgende"). Prefix unions are
    cached until the words change, so a popular query word costs one dict lookup."""

    def __init__(self) -> None:
        super().__init__()
        self._sorted: list[str] = []
        self._prefixes: dict[str, int] = {}

    def add(self, key: Any, n: int) -> None:
        if key not in self.bits:
            self._sorted = []
        super().add(key, n)
        self._prefixes.clear()

    def discard(self, key: Any, n: int) -> None:
        super().discard(key, n)
        self._prefixes.clear()

    def prefixed(self, prefix: str) -> int:
        if prefix not in self._prefixes:
            if not self._sorted:
                self._sorted = sorted(self.bits)
            start = bisect.bisect_left(self._sorted, prefix)
            matched = 0
            for word in self._sorted[start:]:
                if not word.startswith(prefix):
                    break
                matched |= self.bits[word]
            self._prefixes[prefix] = matched
        return self._prefixes[prefix]


def bit_numbers(bitmap: int) -> list[int]:
    """Positions of the set bits, found by str.find in C (stripping bits one by one is quadratic)."""
    digits = bin(bitmap)[:1:-1]  # least significant bit first
    positions, at = [], digits.find("1")
    while at != -1:
        positions.append(at)
        at = digits.find("1", at + 1)
    return positions


def bits_to_mask(bitmap: int, size: int) -> np.ndarray:
    """A bitmap as a boolean array of `size` (a multiple of 8) entries."""
    packed = np.frombuffer(bitmap.to_bytes(size // 8, "little"), np.uint8)
    return np.unpackbits(packed, bitorder="little").view(bool)


def mask_to_bits(mask: np.ndarray) -> int:
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


class FacetMatrix:
    """Facet values' offerings as rows of 64-bit words, with per field (name, values in order,
    first row, end row), and the counts it gave for the last filter combinations."""

    KEPT = 256  # filter combinations whose counts are kept (a few megabytes at 50,000 offerings)

    def __init__(self, matrix: np.ndarray, rows: list[tuple[str, list[str], int, int]]) -> None:
        self.matrix, self.rows = matrix, rows
        self._counted: dict[tuple[int, tuple[tuple[str, int], ...]], dict[str, dict[str, int]]] = {}

    def counts(self, base: int, field_sets: dict[str, int], result: int) -> dict[str, dict[str, int]]:
        """Per facet field, value -> offerings in `result` (`base` AND every field set), each
        filtered field counted without its own filter (the multi-select rule). One AND +
        popcount pass over the matrix, and again for the rows of each filtered field."""
        key = (base, tuple(sorted(field_sets.items())))
        counted = self._counted.get(key)
        if counted is None:
            if len(self._counted) >= self.KEPT:
                del self._counted[next(iter(self._counted))]  # the oldest
            counted = self._counted[key] = self._count(base, field_sets, result)
        return dict(counted)  # the caller's own outer dict; the inner ones are shared, read only

    def _count(self, base: int, field_sets: dict[str, int], result: int) -> dict[str, dict[str, int]]:
        counts = self._popcounts(self.matrix, result)
        for name, _, start, stop in self.rows:
            if name in field_sets:
                scope = base
                for other, bits in field_sets.items():
                    if other != name:
                        scope &= bits
                counts[start:stop] = self._popcounts(self.matrix[start:stop], scope)
        return {
            name: {v: n for v, n in zip(values, counts[start:stop].tolist(), strict=True) if n}
            for name, values, start, stop in self.rows
        }

    @staticmethod
    def _popcounts(matrix: np.ndarray, bitmap: int) -> np.ndarray:
        words = np.frombuffer(bitmap.to_bytes(matrix.shape[1] * 8, "little"), np.uint64)
        return np.bitwise_count(matrix & words).sum(axis=1, dtype=np.int64)


class SearchIndex:
    def __init__(self) -> None:
        self.entries: dict[str, OfferingEntry] = {}
        self._number: dict[str, int] = {}  # offering id -> bit number (never reused)
        self._ids: list[str] = []
        self._capacity = 1024  # numpy arrays are sized for this many offering numbers
        self._price = np.zeros(self._capacity, np.int64)
        self._id_order: tuple[np.ndarray, list[str]] | None = None  # rank per number, sorted ids
        self._postings = Bitmaps()  # (field, value) -> offerings
        self._facet_values: dict[str, set[str]] = defaultdict(set)
        self._facet_rows: FacetMatrix | None = None
        self._tokens = WordBitmaps()  # word -> offerings
        self._title_tokens = WordBitmaps()  # word in the title or code -> offerings (relevance)
        self._regions = Bitmaps()  # region -> offerings with an open cohort there (region facet)
        self._cohorts = CohortColumns(self._capacity)
        self._all = 0
        self._orphan_cohorts: dict[str, dict[str, Any]] = {}
        self.watermark: datetime | None = None
        self._task: PeriodicTask | None = None

    # Maintenance -------------------------------------------------------------------

    def _visible_keys(self, doc: dict[str, Any]) -> Iterable[tuple[str, str]]:
        for name, key in {**FACETS, **FILTER_ONLY}.items():
            value = doc.get(key)
            for v in value if isinstance(value, list) else [value]:
                if v is not None:
                    yield name, str(v)
        for flag in FLAGS:
            yield flag, str(bool(doc.get(flag))).lower()
        for org in doc.get("visible_to", []):
            yield "visible_to", org

    def _bit(self, oid: str) -> int:
        if oid not in self._number:
            if len(self._ids) == self._capacity:
                self._capacity *= 2
                self._price = np.concatenate([self._price, np.zeros_like(self._price)])
                self._cohorts.grow_offerings(self._capacity)
            self._number[oid] = len(self._ids)
            self._ids.append(oid)
            self._id_order = None
        return self._number[oid]

    def upsert_offering(self, doc: dict[str, Any]) -> None:
        oid = doc["_id"]
        previous = self.entries.get(oid)
        if previous:
            self._unpost(previous)
        if doc.get("status") != OfferingStatus.published:
            if dropped := self.entries.pop(oid, None):
                self._cohorts.drop_offering(self._number[oid], list(dropped.cohorts))
            return
        clean = {
            k: v
            for k, v in doc.items()
            if k not in ("outbox", "outbox_pending", "search_tokens", "changed_at")
        }
        price = doc["price"]
        entry = OfferingEntry(
            doc=clean,
            tokens=tuple(doc.get("search_tokens") or tokens(doc["title"])),
            title_tokens=frozenset(tokens(doc["title"] + " " + (doc.get("code") or ""))),
            price_cents=price["tuition_cents"] + price.get("exam_cents", 0) + price.get("materials_cents", 0),
            cohorts=previous.cohorts if previous else {},
        )
        n = self._bit(oid)
        self._price[n] = entry.price_cents
        for orphan_id, orphan in list(self._orphan_cohorts.items()):
            if orphan["offering_id"] == oid:
                cohort = self._cohort_entry(orphan)
                entry.cohorts[orphan_id] = cohort
                self._cohorts.write(orphan_id, n, cohort)
                del self._orphan_cohorts[orphan_id]
        self.entries[oid] = entry
        self._post(entry)

    def _cohort_entry(self, doc: dict[str, Any]) -> CohortEntry:
        return CohortEntry(
            cohort_id=doc["_id"],
            start_date=doc["start_date"],
            end_date=doc["end_date"],
            enrol_until=doc.get("enrol_until", doc["start_date"]),
            status=doc["status"],
            seats_left=doc["seats_left"],
            capacity=doc["capacity"],
            municipality=doc["municipality"],
            region=doc["region"],
            lat=doc["lat"],
            lon=doc["lon"],
            seat_price_cents=doc["seat_price_cents"],
            rolling=bool(doc.get("rolling")),
        )

    def upsert_cohort(self, doc: dict[str, Any]) -> None:
        entry = self.entries.get(doc["offering_id"])
        if entry is None:  # the offering arrives later in the same sync, or is withdrawn
            self._orphan_cohorts[doc["_id"]] = doc
            return
        self._unpost_places(entry)
        cohort = self._cohort_entry(doc)
        entry.cohorts[doc["_id"]] = cohort
        entry.cohort_changed()
        self._cohorts.write(doc["_id"], self._number[doc["offering_id"]], cohort)
        self._post_places(entry)

    def _post(self, entry: OfferingEntry) -> None:
        n = self._bit(entry.doc["_id"])
        self._facet_rows = None
        self._all |= 1 << n
        for key in self._visible_keys(entry.doc):
            self._postings.add(key, n)
            if key[0] in FACETS:
                self._facet_values[key[0]].add(key[1])
        for token in entry.tokens:
            self._tokens.add(token, n)
        for token in entry.title_tokens:
            self._title_tokens.add(token, n)
        self._post_places(entry)

    def _unpost(self, entry: OfferingEntry) -> None:
        n = self._number[entry.doc["_id"]]
        self._facet_rows = None
        self._all &= ~(1 << n)
        for key in self._visible_keys(entry.doc):
            self._postings.discard(key, n)
        for token in entry.tokens:
            self._tokens.discard(token, n)
        for token in entry.title_tokens:
            self._title_tokens.discard(token, n)
        self._unpost_places(entry)

    def _post_places(self, entry: OfferingEntry) -> None:
        n = self._number[entry.doc["_id"]]
        for c in entry.cohorts.values():
            if c.status in OPEN:
                self._regions.add(c.region, n)

    def _unpost_places(self, entry: OfferingEntry) -> None:
        n = self._number[entry.doc["_id"]]
        for c in entry.cohorts.values():
            self._regions.discard(c.region, n)

    async def refresh(self, store: Any) -> int:
        """Apply what changed since the last pass (everything on the first)."""
        since = self.watermark - SYNC_OVERLAP if self.watermark else None
        offerings = await store.changed_since("offerings", since)
        cohorts = await store.changed_since("cohorts", since)
        for doc in offerings:
            self.upsert_offering(doc)
        for doc in cohorts:
            self.upsert_cohort(doc)
        stamps = [d["changed_at"] for d in (*offerings, *cohorts) if d.get("changed_at")]
        newest = max(stamps, default=None)
        if newest is not None and (self.watermark is None or newest > self.watermark):
            self.watermark = newest
        return len(offerings) + len(cohorts)

    async def start_sync(self, store: Any, interval_s: float = 1.0) -> None:
        await self.refresh(store)
        # The index lives as long as the process. A full collection would walk all its objects
        # (850,000 at 50,000 offerings: a 340 ms pause in the middle of requests, measured), so
        # everything allocated so far leaves the collector's sight; refcounting still frees it.
        # Collect first, so that only what is alive is frozen.
        gc.collect()
        gc.freeze()

        # the first pass ran above: wait one interval before the next (store away for a moment:
        # keep serving, try again)
        self._task = PeriodicTask(
            lambda: self.refresh(store),
            interval_s,
            log=log,
            failure="search index refresh failed",
            sleep_first=True,
        )
        self._task.start()

    async def stop_sync(self) -> None:
        if self._task:
            await self._task.stop()

    # Querying --------------------------------------------------------------------

    def _visible(self, q: SearchQuery) -> int:
        if q.viewer_role == "admin":
            return self._all
        visible = self._postings.get(("visibility", Visibility.public.value))
        if q.viewer_org:
            visible |= self._postings.get(("visible_to", q.viewer_org)) | self._postings.get(
                ("provider_id", q.viewer_org)
            )
        return visible & self._all

    def search(self, q: SearchQuery, after: list[Any] | None, limit: int) -> SearchResult:
        query_tokens = tokens(q.text)
        base = self._visible(q)
        for token in query_tokens:
            base &= self._tokens.prefixed(token)
        for flag, wanted in q.flags.items():
            base &= self._postings.get((flag, str(wanted).lower()))
        if q.max_price_cents is not None:
            base &= mask_to_bits(self._price[: len(self._ids)] <= q.max_price_cents)
        cohorts = None
        if q.has_cohort_conditions or q.sort != "price":
            cohorts = self._cohorts.match(self._cohort_predicate(q), len(self._ids), q.day.toordinal())
        if cohorts is not None and q.has_cohort_conditions:
            base &= mask_to_bits(self._cohorts.any_per_offering(cohorts))
        field_sets = {
            name: self._postings.union((name, v) for v in values) for name, values in q.equals.items()
        }
        result = self._and(base, field_sets.values())
        facets = self._facets(base, field_sets)
        numbers = np.flatnonzero(bits_to_mask(result, self._capacity))
        page, next_key = self._ordering(q, numbers, cohorts, query_tokens).page(after, limit)
        hits = [self._hit(int(numbers[p]), q, cohorts) for p in page]
        return SearchResult(hits, len(numbers), facets, next_key)

    @staticmethod
    def _and(base: int, others: Iterable[int]) -> int:
        for other in others:
            base &= other
        return base

    def _cohort_predicate(self, q: SearchQuery) -> Predicate:
        """The vectorised form of SearchQuery.matches (kept in step by the reference test), on
        the cells open for enrolment today (CohortColumns.open_on)."""
        columns = self._cohorts
        if q.region:
            in_region = columns.is_in(columns.regions, q.region, "region")
        if q.within_distance:
            near = {point for point in columns.points if not q.too_far(q.distance_to(*point))}
            is_near = columns.is_in(columns.points, near, "point")

        def predicate(c: Columns, match: np.ndarray) -> np.ndarray:
            if q.region:
                match &= in_region(c)
            if q.start_from:
                match &= c.last_start >= q.start_from.toordinal()
            if q.start_until:
                match &= c.start <= q.start_until.toordinal()
            if q.min_seats_left is not None:
                match &= c.seats_left >= q.min_seats_left
            if q.start_guaranteed:
                match &= c.status == CONFIRMED
            if q.within_distance:
                match &= is_near(c)
            return match

        return predicate

    def _facets(self, base: int, field_sets: dict[str, int]) -> dict[str, dict[str, int]]:
        """Counts per facet value (the region facet from the cohorts' places, the others from the
        facet matrix). The offering-level counts are a function of the bitmaps alone, so they are
        kept with the matrix for the filter combinations asked last (a popular search counts once
        until an offering changes, which rebuilds the matrix; a changed bitmap is another key)."""
        result = self._and(base, field_sets.values())
        facets = self._facet_matrix().counts(base, field_sets, result)
        facets["region"] = {
            r: n for r in sorted(self._regions.bits) if (n := (result & self._regions.bits[r]).bit_count())
        }
        return facets

    def _facet_matrix(self) -> FacetMatrix:
        """Rebuilt on the first query after an offering changed."""
        if self._facet_rows is None:
            rows: list[tuple[str, list[str], int, int]] = []
            bitmaps: list[int] = []
            for name in FACETS:
                values = sorted(self._facet_values[name])
                rows.append((name, values, len(bitmaps), len(bitmaps) + len(values)))
                bitmaps += [self._postings.get((name, value)) for value in values]
            size = 8 * -(-len(self._ids) // 64)  # bytes for whole 64-bit words
            matrix = np.frombuffer(b"".join(b.to_bytes(size, "little") for b in bitmaps), np.uint64)
            self._facet_rows = FacetMatrix(matrix.reshape(len(bitmaps), size // 8), rows)
        return self._facet_rows

    # Sorting ---------------------------------------------------------------------

    def _ordering(
        self, q: SearchQuery, numbers: np.ndarray, cohorts: CohortMatch | None, query_tokens: list[str]
    ) -> Ordering:
        by_id = self._id_field(numbers)
        if q.sort == "price":
            return Ordering([self._number_field(self._price[numbers]), by_id])
        assert cohorts is not None
        first_start = self._first_start_field(numbers, cohorts)
        if q.sort == "start_date":
            return Ordering([first_start, by_id])
        if q.sort == "distance":
            return Ordering([self._nearest_field(q, numbers, cohorts), first_start, by_id])
        in_title = np.zeros(len(numbers), np.int64)  # query words starting a word of the title
        for token in query_tokens:
            in_title += bits_to_mask(self._title_tokens.prefixed(token), self._capacity)[numbers]
        return Ordering([self._number_field(-in_title), first_start, by_id])

    @staticmethod
    def _number_field(values: np.ndarray) -> SortField:
        return SortField(values, lambda p: int(values[p]), number_from_cursor)

    def _id_field(self, numbers: np.ndarray) -> SortField:
        if self._id_order is None:
            order = sorted(range(len(self._ids)), key=self._ids.__getitem__)
            ranks = np.zeros(self._capacity, np.int64)
            ranks[order] = np.arange(len(order))
            self._id_order = ranks, [self._ids[n] for n in order]
        ranks, sorted_ids = self._id_order
        return SortField(
            ranks[numbers],
            lambda p: self._ids[numbers[p]],
            lambda value: id_from_cursor(sorted_ids, value),
        )

    def _first_start_field(self, numbers: np.ndarray, cohorts: CohortMatch) -> SortField:
        first = self._cohorts.min_per_offering(cohorts, lambda c: c.start, numbers)
        first[first >= NO_VALUE] = date.fromisoformat(NO_START).toordinal()
        return SortField(first, lambda p: date.fromordinal(int(first[p])).isoformat(), day_from_cursor)

    def _nearest_field(self, q: SearchQuery, numbers: np.ndarray, cohorts: CohortMatch) -> SortField:
        """Nearest matching cohort, rounded to metres (1e9 km without one, or without `near`).
        Cohorts sit on a few dozen places, so the field holds the rank of the place's rounded
        distance among those distances: the same order, in small integers."""
        points = self._cohorts.points
        rounded = {
            point: round(distance, 3) for point in points if (distance := q.distance_to(*point)) is not None
        }
        distances = sorted({*rounded.values(), NO_DISTANCE})
        rank = {distance: n for n, distance in enumerate(distances)}
        place_rank = np.full(max(1, len(points)), rank[NO_DISTANCE], np.int32)
        for point, code in points.items():
            place_rank[code] = rank[rounded.get(point, NO_DISTANCE)]
        nearest = self._cohorts.min_per_offering(cohorts, lambda c: np.take(place_rank, c.point), numbers)
        nearest = np.minimum(nearest, rank[NO_DISTANCE])
        return SortField(
            nearest,
            lambda p: distances[int(nearest[p])],
            lambda value: rank_from_cursor(distances, number_from_cursor(value)),
        )

    # Items -----------------------------------------------------------------------

    def _hit(self, n: int, q: SearchQuery, cohorts: CohortMatch | None) -> Hit:
        """Offering number n with its matching cohorts: read from the query's cohort mask when it
        made one, else tested one by one by the same rule (SearchQuery.matches)."""
        entry = self.entries[self._ids[n]]
        if cohorts is None:
            tested = ((c, *q.matches(c)) for c in entry.by_start())
            return Hit(entry, [(c, distance) for c, ok, distance in tested if ok])
        matched = self._cohorts.matcher(cohorts, n)
        return Hit(
            entry,
            [(c, q.distance_to(c.lat, c.lon)) for c in entry.by_start() if matched(c.cohort_id)],
        )

    def others_with_code(
        self, code: str | None, exclude_provider: str, region: set[str]
    ) -> list[dict[str, Any]]:
        """ "Ook aangeboden in deze regio door": same crebo/certificate at other providers."""
        if not code:
            return []
        bits = self._postings.get(("code", code)) & self._postings.get(
            ("visibility", Visibility.public.value)
        )
        bits &= self._all
        if region:
            bits &= self._regions.union(region)
        found = sorted(self._ids[n] for n in bit_numbers(bits))
        docs = [self.entries[i].doc for i in found if self.entries[i].doc["provider_id"] != exclude_provider]
        return [
            {"offering_id": d["_id"], "title": d["title"], "provider_name": d.get("provider_name")}
            for d in docs
        ]
