"""Provider pages: publish, edit and withdraw an offering and schedule and edit cohorts through HTML forms.

The forms validate with the API's models: a bad field comes back in Dutch next to that field, with
the form refilled and nothing stored; a provider acts on its own offerings only.
"""

from __future__ import annotations

import re
from typing import Any

from catalogue.domain import geo

from .conftest import API, FLEVOLAND

NEW = "/catalogue/aanbieder/aanbod/nieuw"


def offering_form(**overrides: Any) -> dict[str, Any]:
    form = {
        "title": "Helpende Zorg en Welzijn avond",
        "description": "Avondopleiding voor werkenden in de zorg.",
        "keywords": "helpende, zorg",
        "credential_type": "diploma",
        "code": "25498",
        "leerweg": "bbl",
        "level": "2",
        "domain": "zorg_welzijn_sport",
        "study_load_hours": "1600",
        "duration_weeks": "52",
        "target_groups": ["werkenden", "werkzoekenden"],
        "learning_modes": ["klassikaal", "werkplekleren"],
        "location_kinds": ["school"],
        "lesson_times": ["avond"],
        "start_policy": "fixed",
        "registration": ["individual", "group"],
        "requires_workplace": "on",
        "intake_required": "on",
        "stacks_into": "",
        "tuition_euro": "3.900,50",
        "exam_euro": "150",
        "materials_euro": "0",
        "vat_code": "E",
        "funding": "bekostigd",
        "skills": ["zorg.adl", "zorg.persoonlijke_verzorging"],
        "visibility": "public",
        "visible_to": "",
    }
    return form | overrides


def cohort_form(**overrides: Any) -> dict[str, Any]:
    form = {
        "start_date": "2030-09-01",
        "end_date": "2031-06-30",
        "decision_date": "2030-08-01",
        "municipality": "Lelystad",
        "postcode": "",
        "capacity": "16",
        "break_even": "10",
        "seat_price_euro": "4250",
    }
    return form | overrides


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-fout">(.*?)</p>', html, re.S)
    assert found, f"no error shown at {field}"
    return found.group(1)


async def offerings_of(client, headers) -> list[dict[str, Any]]:
    listed = await client.get(f"{API}/offerings", params={"provider_id": FLEVOLAND}, headers=headers)
    return listed.json()["items"]


async def publish_through_form(client, headers, **overrides: Any) -> str:
    response = await client.post(NEW, data=offering_form(**overrides), headers=headers)
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0].rsplit("/", 1)[1]


async def test_new_offering_form_has_a_label_for_every_field(catalogue, client, as_flevoland):
    page = await client.get(NEW, headers=as_flevoland)
    assert page.status_code == 200 and "<h1>Nieuwe opleiding</h1>" in page.text
    ids = set(re.findall(r'<(?:input|select|textarea) id="(f-[a-z_]+)"', page.text))
    assert {"f-title", "f-code", "f-tuition_euro", "f-vat_code", "f-visible_to"} <= ids
    for control in ids:
        assert f'<label for="{control}">' in page.text, control
    for group in ("Doelgroepen", "Leermix", "Locatie", "Lestijden", "Start", "Inschrijving"):
        assert f"<legend>{group}</legend>" in page.text


async def test_provider_publishes_an_offering_through_the_form(catalogue, client, as_flevoland):
    offering_id = await publish_through_form(client, as_flevoland)
    stored = (await client.get(f"{API}/offerings/{offering_id}", headers=as_flevoland)).json()
    assert stored["title"] == "Helpende Zorg en Welzijn avond" and stored["provider_id"] == FLEVOLAND
    assert stored["price"] == {
        "tuition_cents": 390050,
        "exam_cents": 15000,
        "materials_cents": 0,
        "vat_code": "E",
        "currency": "EUR",
    }
    assert stored["lesson_times"] == ["avond"] and stored["keywords"] == ["helpende", "zorg"]
    assert stored["requires_workplace"] is True and stored["own_pace"] is False
    assert stored["skills"] == ["zorg.adl", "zorg.persoonlijke_verzorging"]
    search = await client.get(f"{API}/search", params={"q": "avond helpende"})
    assert offering_id in [i["offering_id"] for i in search.json()["items"]]


async def test_a_bad_field_is_shown_in_dutch_next_to_it_and_nothing_is_stored(
    catalogue, client, as_flevoland
):
    response = await client.post(NEW, data=offering_form(code="2549"), headers=as_flevoland)
    assert response.status_code == 422
    assert "crebocode van 5 cijfers" in field_error(response.text, "code")
    assert 'id="f-code" name="code" type="text" value="2549"' in response.text  # refilled
    assert 'value="Helpende Zorg en Welzijn avond"' in response.text
    assert 'value="avond" checked' in response.text
    assert "Er is niets opgeslagen" in response.text
    assert await offerings_of(client, as_flevoland) == []


async def test_every_bad_field_is_named(catalogue, client, as_flevoland):
    bad = offering_form(
        title="",
        tuition_euro="veel",
        leerweg="derde_leerweg",
        target_groups=[],
        visibility="onderhands",
        level="9",
    )
    response = await client.post(NEW, data=bad, headers=as_flevoland)
    assert response.status_code == 422
    assert field_error(response.text, "title") == "Vul dit veld in."
    assert "bedrag in euro" in field_error(response.text, "tuition_euro")
    assert field_error(response.text, "target_groups") == "Kies er minstens 1."
    assert field_error(response.text, "level") == "Vul hoogstens 4 in."
    assert await offerings_of(client, as_flevoland) == []


async def test_cross_field_rules_come_from_the_model(catalogue, client, as_flevoland):
    private_bbl = offering_form(funding="privaat")
    response = await client.post(NEW, data=private_bbl, headers=as_flevoland)
    assert "BOL en BBL zijn bekostigd" in field_error(response.text, "funding")
    onderhands = offering_form(visibility="onderhands", visible_to="")
    response = await client.post(NEW, data=onderhands, headers=as_flevoland)
    assert "werkgever" in field_error(response.text, "visible_to")
    assert await offerings_of(client, as_flevoland) == []


async def test_onderhands_offering_names_its_employers(catalogue, client, as_flevoland, as_employer):
    offering_id = await publish_through_form(
        client, as_flevoland, visibility="onderhands", visible_to="KVK-39084217"
    )
    assert (await client.get(f"/catalogue/aanbod/{offering_id}")).status_code == 404
    assert (await client.get(f"/catalogue/aanbod/{offering_id}", headers=as_employer)).status_code == 200


async def test_onderhands_employers_are_typed_and_shown_as_their_kvk_numbers(
    catalogue, client, as_flevoland, as_employer
):
    offering_id = await publish_through_form(
        client, as_flevoland, visibility="onderhands", visible_to="39084217, KvK 61843025"
    )
    stored = (await client.get(f"{API}/offerings/{offering_id}", headers=as_flevoland)).json()
    assert stored["visible_to"] == ["KVK-39084217", "KVK-61843025"]
    page = await client.get(f"/catalogue/aanbieder/aanbod/{offering_id}", headers=as_flevoland)
    assert 'value="39084217, 61843025"' in page.text
    shown = re.sub(r"<[^>]+>", " ", page.text.split("<main", 1)[1])  # the text, not the links
    assert "KVK-" not in shown, shown[shown.find("KVK-") - 200 :][:300]
    assert offering_id not in shown


async def test_provider_edits_its_offering_and_a_stale_form_is_refused(catalogue, client, as_flevoland):
    offering_id = await publish_through_form(client, as_flevoland)
    page = await client.get(f"/catalogue/aanbieder/aanbod/{offering_id}", headers=as_flevoland)
    assert page.status_code == 200 and 'value="Helpende Zorg en Welzijn avond"' in page.text
    assert 'value="3900,50"' in page.text and 'name="version" value="1"' in page.text
    edited = offering_form(
        title="Helpende Zorg en Welzijn (avond)", version="1", lesson_times=["avond", "weekend"]
    )
    response = await client.post(
        f"/catalogue/aanbieder/aanbod/{offering_id}", data=edited, headers=as_flevoland
    )
    assert response.status_code == 303
    stored = (await client.get(f"{API}/offerings/{offering_id}")).json()
    assert stored["title"] == "Helpende Zorg en Welzijn (avond)" and stored["version"] == 2
    assert stored["lesson_times"] == ["avond", "weekend"]
    stale = await client.post(
        f"/catalogue/aanbieder/aanbod/{offering_id}", data=edited | {"title": "Oud"}, headers=as_flevoland
    )
    assert stale.status_code == 409 and "intussen gewijzigd" in stale.text
    assert (await client.get(f"{API}/offerings/{offering_id}")).json()["title"] != "Oud"


async def test_bad_edit_keeps_the_stored_offering(catalogue, client, as_flevoland):
    offering_id = await publish_through_form(client, as_flevoland)
    response = await client.post(
        f"/catalogue/aanbieder/aanbod/{offering_id}",
        data=offering_form(version="1", study_load_hours="0"),
        headers=as_flevoland,
    )
    assert response.status_code == 422
    assert field_error(response.text, "study_load_hours") == "Vul minstens 1 in."
    assert (await client.get(f"{API}/offerings/{offering_id}")).json()["version"] == 1


async def test_provider_withdraws_its_offering(catalogue, client, as_flevoland):
    offering_id = await publish_through_form(client, as_flevoland)
    response = await client.post(f"/catalogue/aanbieder/aanbod/{offering_id}/intrekken", headers=as_flevoland)
    assert response.status_code == 303 and "ingetrokken" in response.headers["location"]
    stored = (await client.get(f"{API}/offerings/{offering_id}", headers=as_flevoland)).json()
    assert stored["status"] == "withdrawn"
    assert (await client.get(f"/catalogue/aanbod/{offering_id}")).status_code == 404


async def test_only_the_owning_provider_uses_the_forms(
    catalogue, client, as_flevoland, as_twente, as_employer
):
    offering_id = await publish_through_form(client, as_flevoland)
    own = f"/catalogue/aanbieder/aanbod/{offering_id}"
    for method, path, data in (
        ("get", own, None),
        ("post", own, offering_form(version="1", title="Overgenomen")),
        ("post", f"{own}/intrekken", None),
        ("get", f"{own}/startmoment", None),
        ("post", f"{own}/startmoment", cohort_form()),
    ):
        response = await client.request(method, path, data=data, headers=as_twente)
        assert response.status_code == 403, (method, path)
        assert "andere opleider" in response.text
    assert (await client.get(NEW)).status_code == 403  # not signed in
    refused = await client.post(NEW, data=offering_form(), headers=as_employer)
    assert refused.status_code == 403 and "voor een opleider" in refused.text
    stored = (await client.get(f"{API}/offerings/{offering_id}")).json()
    assert (stored["title"], stored["status"], stored["version"]) == (
        "Helpende Zorg en Welzijn avond",
        "published",
        1,
    )
    assert (await client.get(f"{API}/cohorts", params={"offering_id": offering_id})).json()["total"] == 0
    assert (
        await client.get("/catalogue/aanbieder/aanbod/off-bestaat-niet", headers=as_flevoland)
    ).status_code == 404


async def test_provider_schedules_and_edits_a_cohort(catalogue, client, as_flevoland):
    offering_id = await publish_through_form(client, as_flevoland)
    form = await client.get(f"/catalogue/aanbieder/aanbod/{offering_id}/startmoment", headers=as_flevoland)
    assert form.status_code == 200 and '<label for="f-start_date">' in form.text
    response = await client.post(
        f"/catalogue/aanbieder/aanbod/{offering_id}/startmoment", data=cohort_form(), headers=as_flevoland
    )
    assert response.status_code == 303 and "gepland" in response.headers["location"]
    cohorts = (await client.get(f"{API}/cohorts", params={"offering_id": offering_id})).json()["items"]
    assert len(cohorts) == 1
    cohort = cohorts[0]
    assert (cohort["municipality"], cohort["postcode"], cohort["seat_price_cents"]) == (
        "Lelystad",
        geo.place_of_municipality("Lelystad").pc4,  # an empty postcode: the municipality's own
        425000,
    )
    edit_path = f"/catalogue/aanbieder/startmoment/{cohort['cohort_id']}"
    page = await client.get(edit_path, headers=as_flevoland)
    assert page.status_code == 200 and 'value="2030-09-01"' in page.text
    edited = await client.post(edit_path, data=cohort_form(capacity="20", version="1"), headers=as_flevoland)
    assert edited.status_code == 303
    assert (await client.get(f"{API}/cohorts/{cohort['cohort_id']}")).json()["capacity"] == 20
    public = await client.get(f"/catalogue/aanbod/{offering_id}")
    assert "Lelystad" in public.text and "20 van 20" in public.text


async def test_bad_cohort_fields_are_named_and_nothing_is_scheduled(catalogue, client, as_flevoland):
    offering_id = await publish_through_form(client, as_flevoland)
    path = f"/catalogue/aanbieder/aanbod/{offering_id}/startmoment"
    ends_early = await client.post(path, data=cohort_form(end_date="2030-08-01"), headers=as_flevoland)
    assert ends_early.status_code == 422
    assert "einddatum ligt vóór de startdatum" in field_error(ends_early.text, "end_date")
    assert 'value="2030-08-01"' in ends_early.text
    elsewhere = await client.post(path, data=cohort_form(postcode="1315"), headers=as_flevoland)
    assert elsewhere.status_code == 422 and "ligt in Almere" in field_error(elsewhere.text, "municipality")
    no_price = await client.post(path, data=cohort_form(seat_price_euro="gratis"), headers=as_flevoland)
    assert "bedrag in euro" in field_error(no_price.text, "seat_price_euro")
    assert (await client.get(f"{API}/cohorts", params={"offering_id": offering_id})).json()["total"] == 0


async def test_cohort_of_another_provider_cannot_be_edited(catalogue, client, as_flevoland, as_twente):
    offering = await catalogue.offering()
    cohort = await catalogue.cohort(offering["offering_id"])
    path = f"/catalogue/aanbieder/startmoment/{cohort['cohort_id']}"
    assert (await client.get(path, headers=as_twente)).status_code == 403
    refused = await client.post(path, data=cohort_form(capacity="2", version="1"), headers=as_twente)
    assert refused.status_code == 403
    assert (await client.get(f"{API}/cohorts/{cohort['cohort_id']}")).json()["capacity"] == 14


async def test_provider_page_links_to_the_forms(catalogue, client, as_flevoland):
    offering_id = await publish_through_form(client, as_flevoland)
    page = await client.get("/catalogue/aanbieder", headers=as_flevoland)
    assert 'href="/catalogue/aanbieder/aanbod/nieuw"' in page.text
    assert f'href="/catalogue/aanbieder/aanbod/{offering_id}/startmoment"' in page.text
