"""Dutch portal pages: search with facets, offering detail with JSON-LD, employer and provider views."""

import json
import re
from datetime import date

from tests.fixtures.apps import bearer

from .conftest import EMPLOYER


async def test_search_page_lists_offerings_with_facets_and_distance(catalogue, client):
    offering = await catalogue.offering()
    await catalogue.cohort(offering["offering_id"])
    page = await client.get(
        "/catalogue/", params={"q": "helpende", "near": "Lelystad", "max_distance_km": "50"}
    )
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    assert "<strong>1 opleiding</strong> gevonden" in page.text
    assert 'href="/catalogue/aanbod/' + offering["offering_id"] in page.text
    assert "<legend>Niveau</legend>" in page.text and "km)" in page.text
    assert '<label for="q">' in page.text  # every control has a label


async def test_search_page_reports_bad_filters_in_dutch_with_422(client):
    page = await client.get("/catalogue/", params={"level": "9"})
    assert page.status_code == 422 and "Controleer uw zoekopdracht" in page.text


async def test_offering_page_shows_cohorts_badge_others_and_json_ld(
    catalogue, client, as_flevoland, as_twente
):
    offering = await catalogue.offering()
    cohort = await catalogue.cohort(offering["offering_id"])
    twente = await catalogue.offering(headers=as_twente)
    await catalogue.cohort(twente["offering_id"], headers=as_twente, municipality="Almere", postcode="1315")
    await client.post(
        f"/catalogue/api/v1/cohorts/{cohort['cohort_id']}/decision",
        json={"decision": "go"},
        headers=as_flevoland,
    )
    page = await client.get(f"/catalogue/aanbod/{offering['offering_id']}")
    assert page.status_code == 200
    assert "Start gegarandeerd" in page.text and "14 van 14" in page.text
    assert "Ook aangeboden in deze regio door" in page.text and "ROC van Twente" in page.text
    ld = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S).group(1)
    )
    assert ld["@type"] == "Course" and ld["courseCode"] == "25498"
    assert ld["hasCourseInstance"][0]["@type"] == "CourseInstance"
    assert ld["hasCourseInstance"][0]["remainingAttendeeCapacity"] == 14


async def test_onderhands_offer_shows_on_the_employer_page_only_for_that_employer(
    catalogue, client, as_employer
):
    offering = await catalogue.offering(title="Maatwerk VIG", visibility="onderhands", visible_to=[EMPLOYER])
    assert (await client.get(f"/catalogue/aanbod/{offering['offering_id']}")).status_code == 404
    page = await client.get("/catalogue/werkgever", headers=as_employer)
    assert page.status_code == 200 and "Maatwerk VIG" in page.text
    assert (await client.get("/catalogue/werkgever")).status_code == 403


async def test_provider_page_takes_a_go_no_go_decision_and_adds_a_cohort(
    catalogue, client, as_flevoland, as_twente
):
    offering = await catalogue.offering()
    cohort = await catalogue.cohort(
        offering["offering_id"], decision_date="2026-01-01", start_date="2026-02-01", end_date="2026-12-01"
    )
    client.app.state.catalogue_store.today = lambda: __import__("datetime").date(2025, 12, 20)
    page = await client.get("/catalogue/aanbieder", headers=as_flevoland)
    assert "onder break-even" in page.text and cohort["cohort_id"] in page.text
    denied = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort["cohort_id"], "decision": "cancel"},
        headers=as_twente,
    )
    assert "Niet gelukt" in denied.headers["location"] or "Niet+gelukt" in denied.headers["location"]
    decided = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort["cohort_id"], "decision": "go"},
        headers=as_flevoland,
    )
    assert decided.status_code == 303
    assert (await client.get(f"/catalogue/api/v1/cohorts/{cohort['cohort_id']}")).json()[
        "status"
    ] == "confirmed"
    added = await client.post(
        f"/catalogue/aanbieder/aanbod/{offering['offering_id']}/startmoment",
        headers=as_flevoland,
        data={
            "start_date": "2026-09-01",
            "end_date": "2027-06-01",
            "decision_date": "2026-08-01",
            "municipality": "Lelystad",
            "capacity": "16",
            "break_even": "12",
            "seat_price_euro": "4500",
        },
    )
    assert "gepland" in added.headers["location"]
    cohorts = (
        await client.get("/catalogue/api/v1/cohorts", params={"offering_id": offering["offering_id"]})
    ).json()
    assert any(c["municipality"] == "Lelystad" for c in cohorts["items"])


async def test_empty_form_fields_mean_no_filter(catalogue, client):
    await catalogue.offering()
    page = await client.get(
        "/catalogue/?q=&near=&max_distance_km=&start_from=&start_until=&min_seats_left=&sort=relevance"
    )
    assert page.status_code == 200 and "<strong>1 opleiding</strong> gevonden" in page.text


async def test_offering_page_marks_start_moments_hides_past_ones_and_links_to_the_application_form(
    catalogue, client
):
    offering = await catalogue.offering()
    oid = offering["offering_id"]
    started = await catalogue.cohort(oid, start_date="2030-02-01", end_date="2031-01-31")
    past = await catalogue.cohort(
        oid,
        start_date="2029-09-03",
        end_date="2030-03-01",
        decision_date="2029-08-01",
        municipality="Urk",
        postcode="8321",
    )
    full = await catalogue.cohort(
        oid, start_date="2030-09-02", end_date="2031-06-27", decision_date="2030-08-01"
    )
    open_ = await catalogue.cohort(
        oid, start_date="2030-10-07", end_date="2031-06-27", decision_date="2030-09-01"
    )
    store = client.app.state.catalogue_store
    await store.db["cohorts"].update_one({"_id": full["cohort_id"]}, {"$set": {"seats_left": 0}})
    store.today = lambda: date(2030, 6, 1)

    page = await client.get(f"/catalogue/aanbod/{oid}")
    rows = {row.split("<td>", 2)[1][:40]: row for row in page.text.split("<tr>")[2:]}
    assert "Urk" not in page.text and past["cohort_id"] not in page.text  # past: hidden
    started_row = next(r for r in rows.values() if "1 februari 2030" in r)
    assert "gestart" in started_row and "aanmelden kan niet meer" in started_row
    full_row = next(r for r in rows.values() if "2 september 2030" in r)
    assert "vol, wel wachtlijst" in full_row
    assert f'href="/recruitment/aanmelden?cohort={full["cohort_id"]}"' in full_row
    assert "Aanmelden voor de wachtlijst" in full_row
    open_row = next(r for r in rows.values() if "7 oktober 2030" in r)
    assert (
        "nog 14 plaatsen vrij" in open_row
        and f"/recruitment/aanmelden?cohort={open_['cohort_id']}" in open_row
    )
    assert started["cohort_id"] not in page.text  # no raw ids on the page


async def test_offering_page_shows_the_providers_address_and_contact(client, as_flevoland, catalogue):
    await client.post(
        "/catalogue/api/v1/providers",
        json={
            "provider_id": "BRIN-25LR",
            "name": "Landstede MBO",
            "kind": "roc",
            "institution_code": "25LR",
            "regions": ["flevoland"],
            "contact": {"email": "info@landstede.example", "phone": "088 850 0000"},
            "address": {"street": "Stationsplein 5", "postcode": "8232 AB", "city": "Lelystad"},
        },
        headers=(landstede := bearer(client.app.state.settings, "provider", "BRIN-25LR", "flevoland")),
    )
    offering = await catalogue.offering(headers=landstede)
    page = await client.get(f"/catalogue/aanbod/{offering['offering_id']}")
    assert "Stationsplein 5, 8232 AB Lelystad" in page.text
    assert 'href="mailto:info@landstede.example"' in page.text and "088 850 0000" in page.text


async def test_back_to_the_search_keeps_the_filters(catalogue, client):
    offering = await catalogue.offering()
    await catalogue.cohort(offering["offering_id"])
    search = await client.get("/catalogue/", params={"q": "helpende", "near": "Almere", "level": "2"})
    link = re.search(r'href="(/catalogue/aanbod/[^"]+)"', search.text).group(1).replace("&amp;", "&")
    page = await client.get(link)
    back = re.search(r'href="([^"]*)">&larr; Terug naar het aanbod', page.text).group(1).replace("&amp;", "&")
    assert back == "/catalogue/?q=helpende&near=Almere&level=2"
    forged = await client.get(link.split("?")[0], params={"terug": "//evil.example/x"})
    assert 'href="/catalogue/?' in forged.text or 'href="/catalogue/">&larr;' in forged.text


async def test_bad_search_input_answers_in_dutch_at_the_field_and_keeps_what_was_typed(client):
    page = await client.get(
        "/catalogue/",
        params={"q": "verzorgende", "near": "Nergenshuizen", "min_seats_left": "veel", "level": "2"},
    )
    assert page.status_code == 422
    assert "Deze postcode of gemeente kennen we niet" in page.text
    assert "heel getal" in page.text
    assert (
        'value="verzorgende"' in page.text
        and 'value="Nergenshuizen"' in page.text
        and 'value="veel"' in page.text
    )
    assert re.search(r'name="level" value="2" checked', page.text)
    assert 'aria-invalid="true" aria-describedby="fout-near"' in page.text
    for technical in ("Value error", "Input should", "unknown postcode", "near:", "["):
        assert technical not in page.text.split("<main", 1)[1].split("</main>")[0]
