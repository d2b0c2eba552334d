"""Dutch portal pages: search with facets, offering detail with JSON-LD, employer and provider views."""

import json
import re

from .conftest import EMPLOYER


async def test_search_page_lists_offerings_with_facets_and_distance(catalogue, client):
    offering = await catalogue.offering()
    await catalogue.cohort(offering["offering_id"])
    page = await client.get(
        "/catalogue/", params={"q": "helpende", "near": "Lelystad", "max_distance_km": "50"}
    )
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    assert "1</strong> opleiding gevonden" in page.text
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
    assert page.status_code == 200 and "1</strong> opleiding gevonden" in page.text
