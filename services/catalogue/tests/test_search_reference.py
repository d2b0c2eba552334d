"""The search index against a brute-force reference: plain Python over the documents.

Random catalogues (offerings with zero to seven cohorts, so some overflow the index's slot
block) and random queries; the index must give the same totals, facet counts, items with their
cohorts, sort order and pages (walked through the cursors) as the reference below, which is
written from the documented semantics (catalogue/search.py) without sharing its code. Updates
arrive as documents the way the store's sync delivers them, and must be reflected at once.
"""

from __future__ import annotations

import functools
import math
import random
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.domain import geo
from catalogue.domain.text import tokens
from catalogue.search import SearchIndex, SearchQuery
from llo_shared.problems import Problem

TODAY = date(2030, 3, 1)
WORDS = ["helpende", "zorg", "verzorgende", "installatie", "warmtepomp", "heftruck", "logistiek"]
PLACES = [geo.PLACES[i] for i in (0, 1, 5, 8, 12, 16)]  # Almere, Lelystad, Urk, Enschede, Den Haag, Rotterdam
PROVIDERS = ["BRIN-A", "BRIN-B", "KVK-C"]
EMPLOYER = "KVK-39084217"
OPEN = ("planned", "confirmed")
FIELDS = {  # search filter name -> document key (list-valued keys hold several values)
    "level": "level",
    "domain": "domain",
    "target_group": "target_groups",
    "lesson_time": "lesson_times",
    "provider_id": "provider_id",
    "funding": "funding",
}
FACET_FIELDS = {  # every facet the index reports, with the document key it counts
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


# Documents ------------------------------------------------------------------------------


@st.composite
def offering_docs(draw: st.DrawFn, n: int) -> dict[str, Any]:
    title = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)))
    provider = draw(st.sampled_from(PROVIDERS))
    onderhands = draw(st.booleans()) and draw(st.booleans())
    doc = {
        "_id": f"off-{draw(st.integers(0, 99)):02d}-{n}",  # ids not in insertion order
        "title": title,
        "description": draw(st.sampled_from(["", "met werkplekleren", "in de avond"])),
        "provider_id": provider,
        "provider_name": provider,
        "provider_kind": draw(st.sampled_from(["roc", "opleidingsbedrijf"])),
        "credential_type": draw(st.sampled_from(["diploma", "mbo_certificaat"])),
        "code": draw(st.sampled_from(["25498", "23268", None])),
        "leerweg": draw(st.sampled_from(["bbl", "derde_leerweg"])),
        "level": draw(st.integers(2, 4)),
        "domain": draw(st.sampled_from(["zorg_welzijn_sport", "techniek_gebouwde_omgeving"])),
        "target_groups": draw(st.lists(st.sampled_from(["werkenden", "werkzoekenden", "zzp"]), unique=True)),
        "learning_modes": ["klassikaal"],
        "location_kinds": ["school"],
        "lesson_times": draw(st.lists(st.sampled_from(["dag", "avond"]), min_size=1, unique=True)),
        "start_policy": draw(st.sampled_from(["fixed", "continuous"])),
        "registration": ["individual"],
        "funding": draw(st.sampled_from(["bekostigd", "privaat"])),
        "own_pace": draw(st.booleans()),
        "price": {
            "tuition_cents": draw(st.sampled_from([100000, 250000, 400000])),
            "exam_cents": draw(st.sampled_from([0, 15000])),
            "materials_cents": 0,
        },
        "visibility": "onderhands" if onderhands else "public",
        "visible_to": [EMPLOYER] if onderhands else [],
        "status": "published" if draw(st.integers(0, 9)) else "withdrawn",
    }
    doc["search_tokens"] = tokens(f"{title} {doc['description']} {provider}")
    return doc


@st.composite
def cohort_docs(draw: st.DrawFn, offering_id: str, k: int) -> dict[str, Any]:
    start = TODAY + timedelta(days=draw(st.integers(-60, 300)))
    end = start + timedelta(weeks=draw(st.integers(1, 40)))
    rolling = draw(st.integers(0, 4)) == 0
    place = draw(st.sampled_from(PLACES))
    return {
        "_id": f"coh-{offering_id}-{k}",
        "offering_id": offering_id,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "enrol_until": (end if rolling else start).isoformat(),
        "status": draw(st.sampled_from(["planned", "planned", "confirmed", "cancelled", "running"])),
        "seats_left": draw(st.integers(0, 16)),
        "capacity": 16,
        "municipality": place.municipality,
        "region": place.region,
        "lat": place.lat,
        "lon": place.lon,
        "seat_price_cents": 1000,
        "rolling": rolling,
    }


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[list[dict], list[dict]]:
    offerings = [draw(offering_docs(n)) for n in range(draw(st.integers(1, 10)))]
    cohorts = [draw(cohort_docs(o["_id"], k)) for o in offerings for k in range(draw(st.integers(0, 7)))]
    return offerings, cohorts


@st.composite
def queries(draw: st.DrawFn) -> SearchQuery:
    near = draw(st.none() | st.sampled_from(PLACES))
    sorts = ["relevance", "start_date", "price"] + (["distance"] if near else [])
    return SearchQuery(
        text=" ".join(draw(st.lists(st.sampled_from([*WORDS, "zo", "verzorg", "inst", "xyz"]), max_size=2))),
        equals={
            name: set(draw(st.lists(st.sampled_from(values), min_size=1, max_size=2)))
            for name, values in {
                "level": ["2", "3", "4"],
                "domain": ["zorg_welzijn_sport", "techniek_gebouwde_omgeving"],
                "target_group": ["werkenden", "zzp"],
                "lesson_time": ["avond"],
                "provider_id": PROVIDERS,
                "funding": ["privaat"],
            }.items()
            if draw(st.integers(0, 4)) == 0
        },
        flags={"own_pace": draw(st.booleans())} if draw(st.integers(0, 4)) == 0 else {},
        max_price_cents=draw(st.none() | st.sampled_from([150000, 300000])),
        region=set(draw(st.lists(st.sampled_from(sorted({p.region for p in PLACES})), max_size=2))),
        start_from=draw(st.none() | st.integers(-30, 200).map(lambda d: TODAY + timedelta(days=d))),
        start_until=draw(st.none() | st.integers(0, 300).map(lambda d: TODAY + timedelta(days=d))),
        min_seats_left=draw(st.none() | st.integers(1, 12)),
        start_guaranteed=draw(st.none() | st.booleans()),
        near=near,
        max_distance_km=draw(st.none() | st.sampled_from([5.0, 40.0, 150.0])) if near else None,
        sort=draw(st.sampled_from(sorts)),
        viewer_org=draw(st.sampled_from([None, EMPLOYER, "BRIN-B"])),
        viewer_role=draw(st.sampled_from([None, None, "admin"])),
        today=TODAY,
    )


# The reference ----------------------------------------------------------------------------


def values_of(doc: dict[str, Any], key: str) -> set[str]:
    value = doc.get(key)
    return {str(v) for v in (value if isinstance(value, list) else [value]) if v is not None}


def price_of(doc: dict[str, Any]) -> int:
    return sum(doc["price"].get(k, 0) for k in ("tuition_cents", "exam_cents", "materials_cents"))


def distance(q: SearchQuery, c: dict[str, Any]) -> float | None:
    if q.near is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (q.near.lat, q.near.lon, c["lat"], c["lon"]))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def cohort_conditions(q: SearchQuery) -> bool:
    return bool(
        q.region
        or q.start_from
        or q.start_until
        or q.min_seats_left is not None
        or q.start_guaranteed
        or (q.near and q.max_distance_km is not None)
    )


def cohort_matches(q: SearchQuery, c: dict[str, Any]) -> bool:
    d = distance(q, c)
    last_start = c["end_date"] if c["rolling"] else c["start_date"]
    return (
        c["status"] in OPEN
        and c["enrol_until"] >= TODAY.isoformat()
        and (not q.region or c["region"] in q.region)
        and (q.start_from is None or last_start >= q.start_from.isoformat())
        and (q.start_until is None or c["start_date"] <= q.start_until.isoformat())
        and (q.min_seats_left is None or c["seats_left"] >= q.min_seats_left)
        and (not q.start_guaranteed or c["status"] == "confirmed")
        and (q.max_distance_km is None or d is None or d <= q.max_distance_km)
    )


def reference(
    offerings: dict[str, dict], cohorts: dict[str, dict], q: SearchQuery
) -> tuple[list[tuple], dict[str, dict[str, int]], dict[str, list[str]]]:
    """(sorted (key, id) of the result, facets, per result offering the ids of the cohorts it
    shows: those meeting the cohort conditions, by start date and id)."""
    published = [o for o in offerings.values() if o["status"] == "published"]
    cohorts_of: dict[str, list[dict]] = {o["_id"]: [] for o in published}
    for c in cohorts.values():
        cohorts_of.get(c["offering_id"], []).append(c)
    matching = {oid: [c for c in cs if cohort_matches(q, c)] for oid, cs in cohorts_of.items()}

    def in_base(o: dict[str, Any]) -> bool:
        visible = (
            q.viewer_role == "admin"
            or o["visibility"] == "public"
            or q.viewer_org in o["visible_to"]
            or o["provider_id"] == q.viewer_org
        )
        words = o["search_tokens"]
        return (
            visible
            and all(any(w.startswith(t) for w in words) for t in tokens(q.text))
            and all(bool(o.get(f)) == wanted for f, wanted in q.flags.items())
            and (q.max_price_cents is None or price_of(o) <= q.max_price_cents)
            and (not cohort_conditions(q) or bool(matching[o["_id"]]))
        )

    def meets(o: dict[str, Any], fields: dict[str, set[str]]) -> bool:
        return all(values_of(o, FIELDS[name]) & accepted for name, accepted in fields.items())

    base = [o for o in published if in_base(o)]
    result = [o for o in base if meets(o, q.equals)]
    facets: dict[str, dict[str, int]] = {}
    for name, key in FACET_FIELDS.items():
        scope = [o for o in base if meets(o, {f: v for f, v in q.equals.items() if f != name})]
        counts: dict[str, int] = {}
        for o in scope:
            for value in values_of(o, key):
                counts[value] = counts.get(value, 0) + 1
        facets[name] = dict(sorted(counts.items()))
    regions: dict[str, int] = {}
    for o in result:
        for region in {c["region"] for c in cohorts_of[o["_id"]] if c["status"] in OPEN}:
            regions[region] = regions.get(region, 0) + 1
    facets["region"] = dict(sorted(regions.items()))
    keyed = sorted((sort_key(q, o, matching[o["_id"]]), o["_id"]) for o in result)
    shown = {
        o["_id"]: [c["_id"] for c in sorted(matching[o["_id"]], key=lambda c: (c["start_date"], c["_id"]))]
        for o in result
    }
    return keyed, facets, shown


def sort_key(q: SearchQuery, o: dict[str, Any], shown: list[dict[str, Any]]) -> tuple:
    first = min((c["start_date"] for c in shown), default="9999-12-31")
    if q.sort == "price":
        return (price_of(o), o["_id"])
    if q.sort == "start_date":
        return (first, o["_id"])
    if q.sort == "distance":
        nearest = min((d for c in shown if (d := distance(q, c)) is not None), default=1e9)
        return (round(nearest, 3), first, o["_id"])
    title = tokens(o["title"] + " " + (o["code"] or ""))
    in_title = sum(1 for t in tokens(q.text) if any(w.startswith(t) for w in title))
    return (-in_title, first, o["_id"])


# Comparing ---------------------------------------------------------------------------------


def build(offerings: list[dict], cohorts: list[dict]) -> SearchIndex:
    index = SearchIndex()
    for doc in offerings:
        index.upsert_offering(doc)
    for doc in cohorts:
        index.upsert_cohort(doc)
    return index


def assert_same(
    index: SearchIndex, offerings: dict[str, dict], cohorts: dict[str, dict], q: SearchQuery, limit: int
):
    keyed, facets, matching = reference(offerings, cohorts, q)
    seen: list[str] = []
    after = None
    while True:
        result = index.search(q, after, limit)
        assert result.total == len(keyed)
        assert result.facets == facets
        for item in result.items:
            shown = matching[item["offering_id"]]
            assert item["cohort_count"] == len(shown)
            assert [c["cohort_id"] for c in item["cohorts"]] == shown[:5]
            assert item["start_guaranteed"] == any(cohorts[cid]["status"] == "confirmed" for cid in shown)
            assert item["price_cents"] == price_of(offerings[item["offering_id"]])
        seen += [item["offering_id"] for item in result.items]
        if result.next_key is None:
            break
        assert tuple(result.next_key) == keyed[len(seen) - 1][0]
        after = result.next_key
    assert seen == [oid for _, oid in keyed]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues(), queries(), st.integers(1, 4))
def test_search_equals_the_brute_force_reference(catalogue, q, limit):
    offerings, cohorts = catalogue
    index = build(offerings, cohorts)
    assert_same(index, {o["_id"]: o for o in offerings}, {c["_id"]: c for c in cohorts}, q, limit)


@st.composite
def updates(draw: st.DrawFn, offerings: list[dict], cohorts: list[dict]) -> list[tuple[str, dict]]:
    """Documents as the store's sync delivers them: seat and status changes, new cohorts,
    edited and withdrawn offerings."""
    changes: list[tuple[str, dict]] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["seats", "status", "new_cohort", "edit", "withdraw"]))
        if kind in ("seats", "status") and cohorts:
            c = dict(draw(st.sampled_from(cohorts)))
            if kind == "seats":
                c["seats_left"] = draw(st.integers(0, 16))
            else:
                c["status"] = draw(st.sampled_from(["planned", "confirmed", "cancelled"]))
            changes.append(("cohort", c))
        elif kind == "new_cohort":
            o = draw(st.sampled_from(offerings))
            changes.append(("cohort", draw(cohort_docs(o["_id"], 10 + len(changes)))))
        elif kind == "edit":
            o = dict(draw(st.sampled_from(offerings)))
            o["level"] = draw(st.integers(2, 4))
            o["price"] = {**o["price"], "tuition_cents": draw(st.sampled_from([100000, 250000]))}
            changes.append(("offering", o))
        elif kind == "withdraw":
            changes.append(("offering", dict(draw(st.sampled_from(offerings)), status="withdrawn")))
    return changes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), catalogues(), queries())
def test_updates_are_searched_at_once(data, catalogue, q):
    offerings, cohorts = catalogue
    index = build(offerings, cohorts)
    index.search(q, None, 3)  # what the index keeps between searches must follow the updates too
    docs = {o["_id"]: o for o in offerings}
    cohort_docs_by_id = {c["_id"]: c for c in cohorts}
    for kind, doc in data.draw(updates(offerings, cohorts)):
        was_published = docs[doc["_id"]]["status"] == "published" if kind == "offering" else True
        if kind == "offering":
            index.upsert_offering(doc)
            docs[doc["_id"]] = doc
            if was_published and doc["status"] != "published":
                # A withdrawn offering leaves the index with its cohorts; they come back with
                # their next change only (as before: withdrawal is final in the API).
                for cid in [cid for cid, c in cohort_docs_by_id.items() if c["offering_id"] == doc["_id"]]:
                    del cohort_docs_by_id[cid]
        elif docs[doc["offering_id"]]["status"] == "published":
            index.upsert_cohort(doc)
            cohort_docs_by_id[doc["_id"]] = doc
    assert_same(index, docs, cohort_docs_by_id, q, 3)


def plain_catalogue(seed: int, offerings: int) -> tuple[list[dict], list[dict]]:
    """A bigger catalogue than hypothesis draws: past the index's first array sizes (1,024
    offerings, 64 overflow cells) and with more than 64 distinct places (so the place test
    cannot use one bit per place)."""
    rng = random.Random(seed)
    offering_list: list[dict[str, Any]] = []
    places = [(52.0 + k * 0.01, 5.0 + (k % 7) * 0.05) for k in range(80)]
    for n in range(offerings):
        provider = rng.choice(PROVIDERS)
        title = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
        doc = {
            "_id": f"off-{rng.randint(0, 99999):05d}-{n}",
            "title": title,
            "provider_id": provider,
            "provider_kind": "roc",
            "credential_type": rng.choice(["diploma", "mbo_certificaat"]),
            "code": rng.choice(["25498", None]),
            "leerweg": "bbl",
            "level": rng.randint(2, 4),
            "domain": rng.choice(["zorg_welzijn_sport", "techniek_gebouwde_omgeving"]),
            "target_groups": rng.sample(["werkenden", "werkzoekenden", "zzp"], rng.randint(0, 2)),
            "lesson_times": rng.sample(["dag", "avond"], rng.randint(1, 2)),
            "start_policy": "fixed",
            "funding": rng.choice(["bekostigd", "privaat"]),
            "own_pace": rng.random() < 0.3,
            "price": {"tuition_cents": rng.choice([100000, 250000, 400000]), "exam_cents": 0},
            "visibility": "public",
            "visible_to": [],
            "status": "published",
            "search_tokens": tokens(title),
        }
        offering_list.append(doc)
    cohort_list = []
    for n, o in enumerate(offering_list):
        for k in range(120 if n == 7 else rng.randint(0, 5)):  # one offering with many start moments
            start = TODAY + timedelta(days=rng.randint(-60, 300))
            lat, lon = rng.choice(places)
            region = rng.choice(PLACES).region
            cohort_list.append(
                {
                    "_id": f"coh-{o['_id']}-{k}",
                    "offering_id": o["_id"],
                    "start_date": start.isoformat(),
                    "end_date": (start + timedelta(weeks=10)).isoformat(),
                    "enrol_until": start.isoformat(),
                    "status": rng.choice(["planned", "confirmed", "cancelled"]),
                    "seats_left": rng.randint(0, 16),
                    "capacity": 16,
                    "municipality": "Ergens",
                    "region": region,
                    "lat": lat,
                    "lon": lon,
                    "seat_price_cents": 1000,
                    "rolling": False,
                }
            )
    return offering_list, cohort_list


@functools.cache
def big_catalogue() -> tuple[SearchIndex, dict[str, dict], dict[str, dict]]:
    offerings, cohorts = plain_catalogue(11, 1300)
    return build(offerings, cohorts), {o["_id"]: o for o in offerings}, {c["_id"]: c for c in cohorts}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries(), st.integers(5, 50))
def test_a_bigger_catalogue_with_many_places_equals_the_reference(q, limit):
    index, offerings, cohorts = big_catalogue()
    assert_same(index, offerings, cohorts, q, limit)


def test_a_tampered_cursor_is_a_problem_not_a_crash():
    index = build(
        [
            {
                "_id": f"off-{n}",
                "title": "helpende zorg",
                "provider_id": "BRIN-A",
                "credential_type": "diploma",
                "leerweg": "bbl",
                "level": 2,
                "domain": "zorg_welzijn_sport",
                "start_policy": "fixed",
                "funding": "bekostigd",
                "price": {"tuition_cents": 1000 * n},
                "visibility": "public",
                "status": "published",
            }
            for n in range(3)
        ],
        [],
    )
    for sort, cursor in [
        ("price", ["duur", "off-1"]),
        ("price", [1000, 7]),
        ("start_date", ["morgen", "off-1"]),
        ("relevance", [0, "9999-12-31"]),
        ("price", [1000]),
    ]:
        with pytest.raises(Problem) as raised:
            index.search(SearchQuery(sort=sort, today=TODAY), cursor, 1)
        assert raised.value.status == 400
