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


class SearchIndex:
    def __init__(self) -> None:
        self.entries: dict[str, OfferingEntry] = {}
        self._postings: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._facet_values: dict[str, set[str]] = defaultdict(set)  # facet -> values seen (for counting)
        self._token_postings: dict[str, set[str]] = defaultdict(set)
        self._sorted_tokens: list[str] = []
        self._tokens_dirty = False
        self._region_postings: dict[str, set[str]] = defaultdict(set)
        self._municipality_postings: dict[str, set[str]] = defaultdict(set)
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
        self._post_places(entry)

    def _post(self, entry: OfferingEntry) -> None:
        oid = entry.doc["_id"]
        for key in self._visible_keys(entry.doc):
            self._postings[key].add(oid)
            if key[0] in FACETS:
                self._facet_values[key[0]].add(key[1])
        for token in entry.tokens:
            if token not in self._token_postings:
                self._tokens_dirty = True
            self._token_postings[token].add(oid)
        self._post_places(entry)

    def _unpost(self, entry: OfferingEntry) -> None:
        oid = entry.doc["_id"]
        for key in self._visible_keys(entry.doc):
            self._postings[key].discard(oid)
        for token in entry.tokens:
            self._token_postings[token].discard(oid)
        self._unpost_places(entry)

    def _post_places(self, entry: OfferingEntry) -> None:
        oid = entry.doc["_id"]
        for c in entry.cohorts.values():
            if c.status in OPEN:
                self._region_postings[c.region].add(oid)
                self._municipality_postings[c.municipality].add(oid)

    def _unpost_places(self, entry: OfferingEntry) -> None:
        oid = entry.doc["_id"]
        for c in entry.cohorts.values():
            self._region_postings[c.region].discard(oid)
            self._municipality_postings[c.municipality].discard(oid)

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

    def _token_matches(self, token: str) -> set[str]:
        if self._tokens_dirty:
            self._sorted_tokens = sorted(t for t, ids in self._token_postings.items() if ids)
            self._tokens_dirty = False
        start = bisect.bisect_left(self._sorted_tokens, token)
        matched: set[str] = set()
        for stored in self._sorted_tokens[start:]:
            if not stored.startswith(token):
                break
            matched |= self._token_postings[stored]
        return matched

    def _visible(self, q: SearchQuery) -> set[str]:
        if q.viewer_role == "admin":
            return set(self.entries)
        public = self._postings[("visibility", Visibility.public.value)]
        extra: set[str] = set()
        if q.viewer_org:
            extra = (
                self._postings[("visible_to", q.viewer_org)] | self._postings[("provider_id", q.viewer_org)]
            )
        return public | extra

    def search(self, q: SearchQuery, after: list[Any] | None, limit: int) -> SearchResult:
        query_tokens = tokens(q.text)
        base = self._visible(q)
        for token in query_tokens:
            base &= self._token_matches(token)
        if q.max_price_cents is not None:
            base = {oid for oid in base if self.entries[oid].price_cents <= q.max_price_cents}
        for flag, wanted in q.flags.items():
            base &= self._postings[(flag, str(wanted).lower())]
        if q.region:
            base &= set().union(*(self._region_postings[r] for r in q.region))
        if q.near and q.max_distance_km is not None:
            nearby = [
                m.municipality
                for m in geo.PLACES
                if geo.haversine_km(q.near.lat, q.near.lon, m.lat, m.lon) <= q.max_distance_km
            ]
            base &= set().union(*(self._municipality_postings[m] for m in nearby)) if nearby else set()
        field_sets = {
            name: set().union(*(self._postings[(name, v)] for v in values))
            for name, values in q.equals.items()
        }
        matched_cohorts: dict[str, list[tuple[CohortEntry, float | None]]] = {}
        if q.has_cohort_conditions:
            narrowed = base.intersection(*field_sets.values()) if field_sets else base
            for oid in narrowed:
                hits = self._matching_cohorts(self.entries[oid], q)
                if hits:
                    matched_cohorts[oid] = hits
            base &= matched_cohorts.keys()
        result = base.intersection(*field_sets.values()) if field_sets else base
        facets = self._facets(base, field_sets)
        keyed = ((self._sort_key(oid, q, query_tokens, matched_cohorts), oid) for oid in result)
        if after is not None:
            cursor = tuple(after)
            keyed = (pair for pair in keyed if pair[0] > cursor)
        page = heapq.nsmallest(limit + 1, keyed)
        items = [self._item(oid, q, matched_cohorts) for _, oid in page[:limit]]
        next_key = list(page[limit - 1][0]) if len(page) > limit else None
        return SearchResult(items, len(result), facets, next_key)

    def _matching_cohorts(
        self, entry: OfferingEntry, q: SearchQuery
    ) -> list[tuple[CohortEntry, float | None]]:
        today = (q.today or date.today()).isoformat()
        start_from = q.start_from.isoformat() if q.start_from else None
        start_until = q.start_until.isoformat() if q.start_until else None
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
            distance = geo.haversine_km(q.near.lat, q.near.lon, c.lat, c.lon) if q.near else None
            if distance is not None and q.max_distance_km is not None and distance > q.max_distance_km:
                continue
            hits.append((c, distance))
        return hits

    def _facets(self, base: set[str], field_sets: dict[str, set[str]]) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name in FACETS:
            others = [s for other, s in field_sets.items() if other != name]
            scope = base.intersection(*others) if others else base
            counts = {
                value: n
                for value in self._facet_values[name]
                if (n := len(scope & self._postings[(name, value)]))
            }
            facets[name] = dict(sorted(counts.items()))
        region_scope = base.intersection(*field_sets.values()) if field_sets else base
        facets["region"] = {
            r: n for r in sorted(self._region_postings) if (n := len(region_scope & self._region_postings[r]))
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
            (c, geo.haversine_km(q.near.lat, q.near.lon, c.lat, c.lon) if q.near else None)
            for c in entry.cohorts.values()
            if c.status in OPEN and c.enrol_until >= today
        ]

    def _sort_key(self, oid: str, q: SearchQuery, query_tokens: list[str], matched: dict[str, list]) -> tuple:
        entry = self.entries[oid]
        if q.sort == "price":
            return (entry.price_cents, oid)
        cohorts = (
            self._upcoming(entry, q, matched) if q.sort in ("start_date", "distance", "relevance") else []
        )
        first_start = min((c.start_date for c, _ in cohorts), default="9999-12-31")
        if q.sort == "start_date":
            return (first_start, oid)
        if q.sort == "distance":
            nearest = min((d for _, d in cohorts if d is not None), default=1e9)
            return (round(nearest, 3), first_start, oid)
        in_title = sum(1 for t in query_tokens if any(tt.startswith(t) for tt in entry.title_tokens))
        return (-in_title, first_start, oid)

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
        ids = self._postings[("code", code)] & self._postings[("visibility", Visibility.public.value)]
        if region:
            ids &= set().union(*(self._region_postings[r] for r in region))
        found = [
            self.entries[i].doc for i in sorted(ids) if self.entries[i].doc["provider_id"] != exclude_provider
        ]
        return [
            {"offering_id": d["_id"], "title": d["title"], "provider_name": d.get("provider_name")}
            for d in found
        ]
