"""Offering search: an in-memory index per replica, kept in step with the store.

Why in memory: a filtered, faceted query over 50,000 offerings must answer in milliseconds,
and facet counts by aggregation are slow on FerretDB. The store stays the source of truth;
each replica loads the index at start and then polls documents whose `changed_at` moved
(with an overlap window against clock skew; applying a document twice is harmless). Writes
made by this replica are applied at once, so a provider sees its own change immediately.

Filters are sets of offering ids intersected in C; facet counts follow the usual
multi-select rule (a field's counts ignore that field's own filter). Cohort-level
conditions (start window, seats left, guaranteed start, distance) must hold for one and
the same cohort, so they are checked per cohort after the set filters narrowed the field.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import functools
import heapq
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from catalogue.domain import geo
from catalogue.domain.text import tokens
from catalogue.domain.vocab import CohortStatus, OfferingStatus, Visibility

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

    @property
    def guaranteed(self) -> bool:
        return self.status in (CohortStatus.confirmed, CohortStatus.running)

    def summary(self, distance_km: float | None) -> dict[str, Any]:
        return {
            "cohort_id": self.cohort_id,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "status": self.status,
            "seats_left": self.seats_left,
            "capacity": self.capacity,
            "municipality": self.municipality,
            "region": self.region,
            "start_guaranteed": self.guaranteed,
            "rolling": self.rolling,
            "seat_price_cents": self.seat_price_cents,
            "distance_km": None if distance_km is None else round(distance_km, 1),
        }


@dataclass(slots=True)
class OfferingEntry:
    doc: dict[str, Any]
    tokens: tuple[str, ...]
    title_tokens: frozenset[str]
    price_cents: int
    cohorts: dict[str, CohortEntry] = field(default_factory=dict)
    first_start: tuple[str, str] | None = None  # (today, earliest open start) cached for sorting


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

    @functools.cached_property
    def iso_dates(self) -> tuple[str, str | None, str | None]:
        today = (self.today or date.today()).isoformat()
        return (
            today,
            self.start_from and self.start_from.isoformat(),
            self.start_until and self.start_until.isoformat(),
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
    def has_cohort_conditions(self) -> bool:
        return any(
            (
                self.region,
                self.start_from,
                self.start_until,
                self.min_seats_left,
                self.start_guaranteed,
                self.near and self.max_distance_km,
            )
        )


@dataclass
class SearchResult:
    items: list[dict[str, Any]]
    total: int
    facets: dict[str, dict[str, int]]
    next_key: list[Any] | None


SEAT_STEPS = (1, 2, 3, 5, 10, 20)


def cohort_hint_keys(c: CohortEntry) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = [("seats", k) for k in SEAT_STEPS if c.seats_left >= k]
    if c.guaranteed:
        keys.append(("guaranteed",))
    month = c.start_date[:7]
    last = (c.end_date if c.rolling else c.start_date)[:7]
    while month <= last:  # a rolling period counts for every month it is open
        keys.append(("month", month))
        year, mon = int(month[:4]), int(month[5:7])
        month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
    return keys


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


def bit_numbers(bitmap: int) -> list[int]:
    """Positions of the set bits, found by str.find in C (stripping bits one by one is quadratic)."""
    digits = bin(bitmap)[:1:-1]  # least significant bit first
    positions, at = [], digits.find("1")
    while at != -1:
        positions.append(at)
        at = digits.find("1", at + 1)
    return positions


class SearchIndex:
    def __init__(self) -> None:
        self.entries: dict[str, OfferingEntry] = {}
        self._number: dict[str, int] = {}  # offering id -> bit number (never reused)
        self._ids: list[str] = []
        self._postings = Bitmaps()  # (field, value) -> offerings
        self._facet_values: dict[str, set[str]] = defaultdict(set)
        self._tokens = Bitmaps()  # token -> offerings
        self._title_tokens = Bitmaps()  # token in the title or code -> offerings (relevance)
        self._sorted_tokens: list[str] = []
        self._tokens_dirty = False
        self._regions = Bitmaps()  # region -> offerings with an open cohort there
        self._municipalities = Bitmaps()
        # Superset hints for cohort conditions: narrow the offerings before each cohort is checked.
        self._cohort_hints = Bitmaps()
        self._all = 0
        self._orphan_cohorts: dict[str, dict[str, Any]] = {}
        self.watermark: datetime | None = None
        self._task: asyncio.Task[None] | None = None

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
            self._number[oid] = len(self._ids)
            self._ids.append(oid)
        return self._number[oid]

    def upsert_offering(self, doc: dict[str, Any]) -> None:
        oid = doc["_id"]
        previous = self.entries.get(oid)
        if previous:
            self._unpost(previous)
        if doc.get("status") != OfferingStatus.published:
            self.entries.pop(oid, None)
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
        for orphan_id, orphan in list(self._orphan_cohorts.items()):
            if orphan["offering_id"] == oid:
                entry.cohorts[orphan_id] = self._cohort_entry(orphan)
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
        entry.cohorts[doc["_id"]] = self._cohort_entry(doc)
        entry.first_start = None
        self._post_places(entry)

    def _post(self, entry: OfferingEntry) -> None:
        n = self._bit(entry.doc["_id"])
        self._all |= 1 << n
        for key in self._visible_keys(entry.doc):
            self._postings.add(key, n)
            if key[0] in FACETS:
                self._facet_values[key[0]].add(key[1])
        for token in entry.tokens:
            if token not in self._tokens.bits:
                self._tokens_dirty = True
            self._tokens.add(token, n)
        for token in entry.title_tokens:
            self._title_tokens.add(token, n)
        self._post_places(entry)

    def _unpost(self, entry: OfferingEntry) -> None:
        n = self._number[entry.doc["_id"]]
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
                self._municipalities.add(c.municipality, n)
                for key in cohort_hint_keys(c):
                    self._cohort_hints.add(key, n)

    def _unpost_places(self, entry: OfferingEntry) -> None:
        n = self._number[entry.doc["_id"]]
        for c in entry.cohorts.values():
            self._regions.discard(c.region, n)
            self._municipalities.discard(c.municipality, n)
            for key in cohort_hint_keys(c):
                self._cohort_hints.discard(key, n)

    def _hinted(self, q: SearchQuery) -> int:
        """Offerings that may have a cohort meeting q's cohort conditions (never fewer than do)."""
        hinted = -1  # all bits
        if q.start_guaranteed:
            hinted &= self._cohort_hints.get(("guaranteed",))
        if q.min_seats_left:
            step = max(k for k in SEAT_STEPS if k <= q.min_seats_left)
            hinted &= self._cohort_hints.get(("seats", step))
        if q.start_from or q.start_until:
            low = q.start_from.isoformat()[:7] if q.start_from else ""
            high = q.start_until.isoformat()[:7] if q.start_until else "9999-99"
            hinted &= self._cohort_hints.union(
                key for key in self._cohort_hints.bits if key[0] == "month" and low <= key[1] <= high
            )
        return hinted

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

        async def loop() -> None:
            while True:
                await asyncio.sleep(interval_s)
                try:
                    await self.refresh(store)
                except Exception:  # store away for a moment: keep serving, try again
                    log.exception("search index refresh failed")

        self._task = asyncio.create_task(loop())

    async def stop_sync(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # Querying --------------------------------------------------------------------

    def _token_matches(self, token: str) -> int:
        if self._tokens_dirty:
            self._sorted_tokens = sorted(t for t, bits in self._tokens.bits.items() if bits)
            self._tokens_dirty = False
        start = bisect.bisect_left(self._sorted_tokens, token)
        matched = 0
        for stored in self._sorted_tokens[start:]:
            if not stored.startswith(token):
                break
            matched |= self._tokens.bits[stored]
        return matched

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
            base &= self._token_matches(token)
        for flag, wanted in q.flags.items():
            base &= self._postings.get((flag, str(wanted).lower()))
        if q.region:
            base &= self._regions.union(q.region)
        if q.near and q.max_distance_km is not None:
            nearby = [
                m.municipality
                for m in geo.PLACES
                if geo.haversine_km(q.near.lat, q.near.lon, m.lat, m.lon) <= q.max_distance_km
            ]
            base &= self._municipalities.union(nearby)
        field_sets = {
            name: self._postings.union((name, v) for v in values) for name, values in q.equals.items()
        }
        all_fields = self._and(base, field_sets.values())
        if q.max_price_cents is not None:
            base &= self._price_at_most(all_fields, q.max_price_cents)
        matched_cohorts: dict[str, list[tuple[CohortEntry, float | None]]] = {}
        if q.has_cohort_conditions:
            keep = 0
            base &= self._hinted(q)
            for n in bit_numbers(self._and(base, field_sets.values())):
                oid = self._ids[n]
                hits = self._matching_cohorts(self.entries[oid], q)
                if hits:
                    matched_cohorts[oid] = hits
                    keep |= 1 << n
            base &= keep
        result = self._and(base, field_sets.values())
        facets = self._facets(base, field_sets)
        numbers = bit_numbers(result)
        ids = [self._ids[n] for n in numbers]
        title_hits = self._title_hits(query_tokens, result) if q.sort == "relevance" else []
        keyed = ((self._sort_key(oid, q, title_hits, matched_cohorts), oid) for oid in ids)
        if after is not None:
            cursor = tuple(after)
            keyed = (pair for pair in keyed if pair[0] > cursor)
        page = heapq.nsmallest(limit + 1, keyed)
        items = [self._item(oid, q, matched_cohorts) for _, oid in page[:limit]]
        next_key = list(page[limit - 1][0]) if len(page) > limit else None
        return SearchResult(items, len(ids), facets, next_key)

    def _title_hits(self, query_tokens: list[str], result: int) -> list[set[str]]:
        """Per query token, the result offerings whose title has a word starting with it."""
        hits = []
        for token in query_tokens:
            bits = (
                self._title_tokens.union(t for t in self._title_tokens.bits if t.startswith(token)) & result
            )
            hits.append({self._ids[n] for n in bit_numbers(bits)})
        return hits

    @staticmethod
    def _and(base: int, others: Iterable[int]) -> int:
        for other in others:
            base &= other
        return base

    def _price_at_most(self, candidates: int, max_cents: int) -> int:
        keep = 0
        for n in bit_numbers(candidates):
            if self.entries[self._ids[n]].price_cents <= max_cents:
                keep |= 1 << n
        return keep

    def _matching_cohorts(
        self, entry: OfferingEntry, q: SearchQuery
    ) -> list[tuple[CohortEntry, float | None]]:
        today, start_from, start_until = q.iso_dates
        hits = []
        for c in entry.cohorts.values():
            if c.status not in OPEN or c.enrol_until < today:
                continue
            if q.region and c.region not in q.region:
                continue
            if start_from and (c.end_date if c.rolling else c.start_date) < start_from:
                continue
            if start_until and c.start_date > start_until:
                continue
            if q.min_seats_left is not None and c.seats_left < q.min_seats_left:
                continue
            if q.start_guaranteed and not c.guaranteed:
                continue
            distance = q.distance_to(c.lat, c.lon)
            if distance is not None and q.max_distance_km is not None and distance > q.max_distance_km:
                continue
            hits.append((c, distance))
        return hits

    def _facets(self, base: int, field_sets: dict[str, int]) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name in FACETS:
            scope = self._and(base, (bits for other, bits in field_sets.items() if other != name))
            counts = {
                value: n
                for value in self._facet_values[name]
                if (n := (scope & self._postings.get((name, value))).bit_count())
            }
            facets[name] = dict(sorted(counts.items()))
        region_scope = self._and(base, field_sets.values())
        facets["region"] = {
            r: n
            for r in sorted(self._regions.bits)
            if (n := (region_scope & self._regions.bits[r]).bit_count())
        }
        return facets

    def _upcoming(
        self, entry: OfferingEntry, q: SearchQuery, matched: dict[str, list]
    ) -> list[tuple[CohortEntry, float | None]]:
        oid = entry.doc["_id"]
        if oid in matched:
            return matched[oid]
        today = (q.today or date.today()).isoformat()
        return [
            (c, q.distance_to(c.lat, c.lon))
            for c in entry.cohorts.values()
            if c.status in OPEN and c.enrol_until >= today
        ]

    def _sort_key(
        self, oid: str, q: SearchQuery, title_hits: list[set[str]], matched: dict[str, list]
    ) -> tuple:
        entry = self.entries[oid]
        if q.sort == "price":
            return (entry.price_cents, oid)
        if q.sort == "distance":
            cohorts = self._upcoming(entry, q, matched)
            nearest = min((d for _, d in cohorts if d is not None), default=1e9)
            first = min((c.start_date for c, _ in cohorts), default="9999-12-31")
            return (round(nearest, 3), first, oid)
        first_start = self._first_start(entry, q, matched.get(oid))
        if q.sort == "start_date":
            return (first_start, oid)
        in_title = sum(1 for hits in title_hits if oid in hits)
        return (-in_title, first_start, oid)

    @staticmethod
    def _first_start(entry: OfferingEntry, q: SearchQuery, hits: list | None) -> str:
        """Earliest start among the matching cohorts, or among all open ones (cached per day)."""
        if hits is not None:
            return min(c.start_date for c, _ in hits)
        today = (q.today or date.today()).isoformat()
        if entry.first_start is None or entry.first_start[0] != today:
            first = min(
                (c.start_date for c in entry.cohorts.values() if c.status in OPEN and c.enrol_until >= today),
                default="9999-12-31",
            )
            entry.first_start = (today, first)
        return entry.first_start[1]

    def _item(self, oid: str, q: SearchQuery, matched: dict[str, list]) -> dict[str, Any]:
        entry = self.entries[oid]
        cohorts = sorted(
            self._upcoming(entry, q, matched), key=lambda cd: (cd[0].start_date, cd[0].cohort_id)
        )
        doc = entry.doc
        return {
            "offering_id": oid,
            "title": doc["title"],
            "provider_id": doc["provider_id"],
            "provider_name": doc.get("provider_name"),
            "credential_type": doc["credential_type"],
            "code": doc.get("code"),
            "leerweg": doc["leerweg"],
            "level": doc["level"],
            "domain": doc["domain"],
            "funding": doc["funding"],
            "visibility": doc["visibility"],
            "start_policy": doc["start_policy"],
            "price_cents": entry.price_cents,
            "cohort_count": len(cohorts),
            "start_guaranteed": any(c.guaranteed for c, _ in cohorts),
            "cohorts": [c.summary(d) for c, d in cohorts[:5]],
        }

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
