"""Search: Dutch full text, attribute filters, distance, start window, seats, facets, paging."""

import pytest

from catalogue.api.reads import SearchPage
from catalogue.api.search import LIST_PARAMS, SearchParams, run_search
from catalogue.search_order import encode_cursor

from .conftest import API, cohort_body, offering_body


@pytest.fixture
async def region(catalogue, as_twente):
    """Three offerings in Flevoland and one in Twente, with cohorts at known places and dates."""
    helpende = await catalogue.offering()
    vig = await catalogue.offering(
        title="Verzorgende-IG",
        code="23268",
        level=3,
        keywords=["vig", "oriëntatie"],
        skills=["zorg.medicatie"],
        lesson_times=["avond"],
    )
    elektro = await catalogue.offering(
        title="Monteur elektrotechnische installaties",
        code="25407",
        domain="techniek_gebouwde_omgeving",
        description="Installeren van elektra en zonnepanelen",
        keywords=["elektro"],
        skills=["techniek.elektra"],
        leerweg="derde_leerweg",
        funding="privaat",
        requires_workplace=False,
        price={"tuition_cents": 520000, "exam_cents": 0, "materials_cents": 0, "vat_code": "S"},
    )
    twente = await catalogue.offering(headers=as_twente)
    await catalogue.cohort(helpende["offering_id"], start_date="2030-03-01", decision_date="2030-02-01")
    await catalogue.cohort(
        vig["offering_id"],
        municipality="Lelystad",
        postcode="8232",
        start_date="2030-09-01",
        end_date="2031-06-01",
        decision_date="2030-08-01",
        capacity=12,
        break_even=8,
    )
    await catalogue.cohort(
        elektro["offering_id"],
        municipality="Noordoostpolder",
        postcode="8301",
        start_date="2030-05-01",
        decision_date="2030-04-01",
    )
    await catalogue.cohort(twente["offering_id"], headers=as_twente, municipality="Enschede", postcode="7511")
    return {"helpende": helpende, "vig": vig, "elektro": elektro, "twente": twente}


def ids(body):
    return [i["offering_id"] for i in body["items"]]


async def search(client, **params):
    response = await client.get(f"{API}/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_full_text_matches_folded_prefixes_in_title_description_and_keywords(client, region):
    assert ids(await search(client, q="verzorg")) == [region["vig"]["offering_id"]]
    assert ids(await search(client, q="orientatie")) == [region["vig"]["offering_id"]]  # ë folded
    assert ids(await search(client, q="zonnepanelen")) == [region["elektro"]["offering_id"]]
    assert (await search(client, q="helpende welzijn"))["total"] == 2
    assert (await search(client, q="bestaatniet"))["total"] == 0


async def test_attribute_filters_combine_and_repeat(client, region):
    assert ids(await search(client, domain="techniek_gebouwde_omgeving")) == [
        region["elektro"]["offering_id"]
    ]
    assert (await search(client, level=["2", "3"]))["total"] == 4
    assert ids(await search(client, level="3")) == [region["vig"]["offering_id"]]
    assert ids(await search(client, lesson_time="avond")) == [region["vig"]["offering_id"]]
    assert ids(await search(client, funding="privaat")) == [region["elektro"]["offering_id"]]
    assert ids(await search(client, skill="techniek.elektra")) == [region["elektro"]["offering_id"]]
    assert (await search(client, code="25498"))["total"] == 2
    assert (await search(client, max_price_cents=410000))["total"] == 3


async def test_distance_from_a_postcode_or_municipality(client, region):
    near_almere = await search(client, near="1315", max_distance_km=10)
    assert ids(near_almere) == [region["helpende"]["offering_id"]]
    flevoland = await search(client, near="Almere", max_distance_km=60, sort="distance")
    assert ids(flevoland) == [
        region["helpende"]["offering_id"],
        region["vig"]["offering_id"],
        region["elektro"]["offering_id"],
    ]
    distances = [i["cohorts"][0]["distance_km"] for i in flevoland["items"]]
    assert distances == sorted(distances)


async def test_start_window_seats_and_region(client, region):
    window = await search(client, start_from="2030-04-01", start_until="2030-06-30")
    assert ids(window) == [region["elektro"]["offering_id"]]
    assert (await search(client, region="twente"))["total"] == 1
    assert (await search(client, min_seats_left=13))["total"] == 3  # the VIG cohort has 12 seats


async def test_start_guaranteed_follows_the_go_decision(client, region, as_flevoland):
    assert (await search(client, start_guaranteed="true"))["total"] == 0
    cohorts = (
        await client.get(f"{API}/cohorts", params={"offering_id": region["vig"]["offering_id"]})
    ).json()
    cid = cohorts["items"][0]["cohort_id"]
    await client.post(f"{API}/cohorts/{cid}/decision", json={"decision": "go"}, headers=as_flevoland)
    found = await search(client, start_guaranteed="true")
    assert ids(found) == [region["vig"]["offering_id"]] and found["items"][0]["start_guaranteed"]


async def test_facets_count_per_value_and_ignore_their_own_filter(client, region):
    body = await search(client, domain="zorg_welzijn_sport")
    assert body["facets"]["domain"] == {"techniek_gebouwde_omgeving": 1, "zorg_welzijn_sport": 3}
    assert body["facets"]["level"] == {"2": 2, "3": 1}
    assert body["facets"]["region"] == {"flevoland": 2, "twente": 1}


async def test_sorts_are_deterministic_and_pages_do_not_overlap(client, region):
    by_price = await search(client, sort="price")
    prices = [i["price_cents"] for i in by_price["items"]]
    assert prices == sorted(prices)
    seen, cursor = [], None
    while True:
        body = await search(client, sort="start_date", limit=1, **({"cursor": cursor} if cursor else {}))
        seen += ids(body)
        cursor = body["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 4
    assert seen == ids(await search(client, sort="start_date", limit=10))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "9"}, "level.0"),
        ({"leerweg": "avond"}, "leerweg.0"),
        ({"region": "mars"}, "region"),
        ({"near": "0000"}, "near"),
        ({"max_distance_km": "5"}, "max_distance_km"),
        ({"sort": "cheap"}, "sort"),
        ({"skill": "zorg.vliegen"}, "skill"),
        ({"colour": "blue"}, "colour"),
        ({"limit": "0"}, "limit"),
        ({"start_from": "gisteren"}, "start_from"),
        ({"sort": "distance"}, "sort"),
    ],
)
async def test_unknown_filter_values_are_422_naming_the_field(client, region, params, field):
    response = await client.get(f"{API}/search", params=params)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}, response.json()


async def test_a_cursor_of_another_sort_is_refused(client, region):
    body = await search(client, sort="price", limit=1)
    response = await client.get(f"{API}/search", params={"sort": "start_date", "cursor": body["next"]})
    assert response.status_code == 400


def page_through_the_read_schema(app, params: dict) -> bytes:
    """The answer as the route wrote it before it answered from pre-encoded parts: the result's
    items as dicts, validated and written by the response model."""
    model = SearchParams.model_validate(
        {k: [v] if k in LIST_PARAMS and not isinstance(v, list) else v for k, v in params.items()}
    )
    result = run_search(app.state.search_index, app.state.catalogue_store, model, None, None)
    page = {
        "items": result.items,
        "total": result.total,
        "next": encode_cursor([model.sort, *result.next_key]) if result.next_key else None,
        "facets": result.facets,
    }
    return SearchPage.model_validate(page).model_dump_json(exclude_unset=True).encode()


SEARCHES = [
    {},
    {"q": "verzorg", "limit": "1"},
    {"near": "Almere", "max_distance_km": "80", "sort": "distance", "limit": "2"},
    {"sort": "price", "domain": "zorg_welzijn_sport"},
    {"region": "flevoland", "start_from": "2030-04-01", "level": ["2", "3"]},
]


@pytest.mark.parametrize("params", SEARCHES)
async def test_the_answer_is_what_the_read_schema_writes(client, region, params):
    response = await client.get(f"{API}/search", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == page_through_the_read_schema(client.app, params)


async def test_a_cohort_or_offering_change_shows_in_the_next_search(client, region, as_flevoland):
    """Items are answered from parts encoded once and facet counts are kept per filter
    combination: a change must still show in the very next search."""
    helpende = region["helpende"]
    params = {"near": "Almere", "q": "helpende"}
    before = await search(client, **params)  # encodes the parts, counts the facets
    assert before["facets"]["level"] == {"2": 2, "3": 1}
    cohort = next(i for i in before["items"] if i["offering_id"] == helpende["offering_id"])["cohorts"][0]
    assert (cohort["municipality"], cohort["capacity"]) == ("Almere", 14)

    body = cohort_body(helpende["offering_id"], start_date="2030-03-01", decision_date="2030-02-01")
    del body["offering_id"]
    changed = await client.put(
        f"{API}/cohorts/{cohort['cohort_id']}",
        json=body | {"municipality": "Lelystad", "postcode": "8232", "capacity": 20, "version": 1},
        headers=as_flevoland,
    )
    assert changed.status_code == 200, changed.text
    after = await search(client, **params)
    moved = next(i for i in after["items"] if i["offering_id"] == helpende["offering_id"])["cohorts"][0]
    assert (moved["municipality"], moved["capacity"], moved["seats_left"]) == ("Lelystad", 20, 20)
    assert moved["distance_km"] > cohort["distance_km"]

    edited = await client.put(
        f"{API}/offerings/{helpende['offering_id']}",
        json=offering_body(title="Helpende Thuiszorg", level=3) | {"version": helpende["version"]},
        headers=as_flevoland,
    )
    assert edited.status_code == 200, edited.text
    after = await search(client, **params)
    item = next(i for i in after["items"] if i["offering_id"] == helpende["offering_id"])
    assert (item["title"], item["level"]) == ("Helpende Thuiszorg", 3)
    assert after["facets"]["level"] == {"2": 1, "3": 2}
    assert (await client.get(f"{API}/search", params=params)).content == page_through_the_read_schema(
        client.app, params
    )
