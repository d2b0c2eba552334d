"""Every endpoint of the JSON API: happy path, bad input (4xx naming the field, nothing stored), tenancy."""

import pytest

from catalogue.usecases import reserve_seat

from .conftest import API, EMPLOYER, FLEVOLAND, TWENTE, cohort_body, offering_body, provider_body


def fields_of(response):
    assert response.headers["content-type"] == "application/problem+json", response.text
    return {e["field"] for e in response.json().get("errors", [])} or {response.json().get("field")}


async def test_provider_registers_itself_and_is_listed(client, as_flevoland):
    created = await client.post(f"{API}/providers", json=provider_body(), headers=as_flevoland)
    assert created.status_code == 201 and created.json()["funded"] is True
    listed = (await client.get(f"{API}/providers", params={"region": "flevoland"})).json()
    assert [p["provider_id"] for p in listed["items"]] == [FLEVOLAND] and listed["next"] is None
    assert (await client.get(f"{API}/providers/{FLEVOLAND}")).json()["name"] == "ROC van Flevoland"
    assert (await client.get(f"{API}/providers/BRIN-00XX")).status_code == 404


async def test_provider_cannot_register_another_organisation_and_anonymous_cannot_write(client, as_twente):
    assert (await client.post(f"{API}/providers", json=provider_body(), headers=as_twente)).status_code == 403
    assert (await client.post(f"{API}/providers", json=provider_body())).status_code == 401
    assert (await client.get(f"{API}/providers")).json()["total"] == 0


async def test_bad_provider_input_names_the_field_and_stores_nothing(client, as_flevoland):
    response = await client.post(f"{API}/providers", json=provider_body(kind="school"), headers=as_flevoland)
    assert response.status_code == 422 and "kind" in fields_of(response)
    response = await client.post(f"{API}/providers", json=provider_body(kvk="12"), headers=as_flevoland)
    assert response.status_code == 422 and "kvk" in fields_of(response)
    assert (await client.get(f"{API}/providers")).json()["total"] == 0
    assert (await client.get(f"{API}/providers", params={"kind": "school"})).status_code == 422


async def test_duplicate_provider_is_a_conflict(catalogue, client, as_flevoland):
    response = await client.post(f"{API}/providers", json=provider_body(), headers=as_flevoland)
    assert response.status_code == 409


async def test_flex_consortium_needs_a_funded_and_a_non_funded_member(catalogue, client, as_admin):
    nbi = provider_body("KVK-30172951", name="STOC", kind="nbi", institution_code=None, kvk="30172951")
    assert (await client.post(f"{API}/providers", json=nbi, headers=as_admin)).status_code == 201
    two_rocs = {
        "consortium_id": "FLEX-1",
        "name": "Twee ROCs",
        "members": [FLEVOLAND, TWENTE],
        "flex_partnership": True,
    }
    response = await client.post(f"{API}/consortia", json=two_rocs, headers=as_admin)
    assert response.status_code == 422 and "members" in fields_of(response)
    mixed = two_rocs | {"members": [FLEVOLAND, "KVK-30172951"]}
    assert (await client.post(f"{API}/consortia", json=mixed, headers=as_admin)).status_code == 201
    listed = (await client.get(f"{API}/consortia", params={"member": FLEVOLAND})).json()
    assert [c["consortium_id"] for c in listed["items"]] == ["FLEX-1"]


async def test_offering_lifecycle_publish_update_withdraw(catalogue, client, as_flevoland):
    offering = await catalogue.offering()
    oid = offering["offering_id"]
    assert offering["version"] == 1 and offering["provider_id"] == FLEVOLAND
    updated = await client.put(
        f"{API}/offerings/{oid}",
        json=offering_body(title="Helpende Z&W (avond)", version=1),
        headers=as_flevoland,
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = await client.put(f"{API}/offerings/{oid}", json=offering_body(version=1), headers=as_flevoland)
    assert stale.status_code == 409
    assert (await client.post(f"{API}/offerings/{oid}/withdraw", headers=as_flevoland)).json()[
        "status"
    ] == "withdrawn"
    assert (await client.get(f"{API}/offerings/{oid}")).status_code == 404
    mine = await client.get(
        f"{API}/offerings", params={"provider_id": FLEVOLAND, "status": "withdrawn"}, headers=as_flevoland
    )
    assert mine.json()["total"] == 1


async def test_provider_cannot_touch_another_providers_offering_or_cohort(
    catalogue, client, as_twente, as_employer
):
    offering = await catalogue.offering()
    oid = offering["offering_id"]
    cohort = await catalogue.cohort(oid)
    attempts = [
        client.put(f"{API}/offerings/{oid}", json=offering_body(version=1), headers=as_twente),
        client.post(f"{API}/offerings/{oid}/withdraw", headers=as_twente),
        client.post(f"{API}/cohorts", json=cohort_body(oid), headers=as_twente),
        client.put(
            f"{API}/cohorts/{cohort['cohort_id']}",
            json=cohort_body(oid, version=1) | {"offering_id": None},
            headers=as_twente,
        ),
        client.post(
            f"{API}/cohorts/{cohort['cohort_id']}/decision", json={"decision": "cancel"}, headers=as_twente
        ),
        client.post(f"{API}/offerings", json=offering_body(), headers=as_employer),
        client.post(f"{API}/offerings?provider_id={FLEVOLAND}", json=offering_body(), headers=as_twente),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code in (403, 422), response.text
    assert (await client.get(f"{API}/offerings/{oid}")).json()["version"] == 1
    assert (await client.get(f"{API}/cohorts/{cohort['cohort_id']}")).json()["status"] == "planned"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"level": 7}, "level"),
        ({"leerweg": "avondschool"}, "leerweg"),
        ({"skills": ["x.y"]}, "skills"),
        ({"price": {"tuition_cents": -1}}, "price.tuition_cents"),
        ({"title": ""}, "title"),
    ],
)
async def test_bad_offering_input_names_the_field_and_stores_nothing(
    catalogue, client, as_flevoland, overrides, field
):
    response = await client.post(f"{API}/offerings", json=offering_body(**overrides), headers=as_flevoland)
    assert response.status_code == 422
    assert any(f.endswith(field) for f in fields_of(response)), fields_of(response)
    assert (await client.get(f"{API}/offerings")).json()["total"] == 0


async def test_onderhands_offering_is_visible_to_its_employer_only(catalogue, client, as_employer, as_twente):
    offering = await catalogue.offering(visibility="onderhands", visible_to=[EMPLOYER])
    oid = offering["offering_id"]
    assert (await client.get(f"{API}/offerings/{oid}")).status_code == 404
    assert (await client.get(f"{API}/offerings/{oid}", headers=as_twente)).status_code == 404
    assert (await client.get(f"{API}/offerings/{oid}", headers=as_employer)).status_code == 200
    assert (await client.get(f"{API}/offerings")).json()["total"] == 0
    assert (await client.get(f"{API}/offerings", headers=as_employer)).json()["total"] == 1
    assert (await client.get(f"{API}/search")).json()["total"] == 0
    assert (await client.get(f"{API}/search", headers=as_employer)).json()["total"] == 1


async def test_cohort_schedule_update_and_list(catalogue, client, as_flevoland):
    oid = (await catalogue.offering())["offering_id"]
    cohort = await catalogue.cohort(oid)
    assert (cohort["region"], cohort["seats_left"], cohort["status"]) == ("flevoland", 14, "planned")
    cid = cohort["cohort_id"]
    update = cohort_body(oid, capacity=16, version=1)
    del update["offering_id"]
    updated = await client.put(f"{API}/cohorts/{cid}", json=update, headers=as_flevoland)
    assert updated.status_code == 200 and updated.json()["seats_left"] == 16
    listed = (await client.get(f"{API}/cohorts", params={"offering_id": oid})).json()
    assert [c["cohort_id"] for c in listed["items"]] == [cid]
    assert "enrolments" not in listed["items"][0]
    assert (await client.get(f"{API}/cohorts", params={"status": "open"})).status_code == 422


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "2029-01-01"}, "end_date"),
        ({"break_even": 40}, "break_even"),
        ({"postcode": "12"}, "postcode"),
        ({"postcode": "9999"}, "postcode"),
        ({"capacity": 0}, "capacity"),
    ],
)
async def test_bad_cohort_input_names_the_field(catalogue, client, as_flevoland, overrides, field):
    oid = (await catalogue.offering())["offering_id"]
    response = await client.post(f"{API}/cohorts", json=cohort_body(oid, **overrides), headers=as_flevoland)
    assert response.status_code == 422
    assert field in str(response.json()), response.text
    assert (await client.get(f"{API}/cohorts")).json()["total"] == 0


async def test_go_no_go_decision_list_and_decisions(catalogue, client, as_flevoland, as_twente):
    oid = (await catalogue.offering())["offering_id"]
    soon = await catalogue.cohort(
        oid, decision_date="2026-01-01", start_date="2026-02-01", end_date="2026-12-01"
    )
    other = await catalogue.cohort(oid)
    client.app.state.catalogue_store.today = lambda: __import__("datetime").date(2025, 12, 20)
    work = (await client.get(f"{API}/decisions", params={"within_days": 30}, headers=as_flevoland)).json()
    assert [c["cohort_id"] for c in work["items"]] == [soon["cohort_id"]]
    assert work["items"][0]["below_break_even"] and work["items"][0]["seats_missing"] == 10
    assert (
        await client.get(f"{API}/decisions", params={"provider_id": FLEVOLAND}, headers=as_twente)
    ).status_code == 403
    no_payer = await client.post(
        f"{API}/cohorts/{soon['cohort_id']}/decision",
        json={"decision": "go_with_surcharge"},
        headers=as_flevoland,
    )
    assert no_payer.status_code == 409
    bad = await client.post(
        f"{API}/cohorts/{soon['cohort_id']}/decision", json={"decision": "merge"}, headers=as_flevoland
    )
    assert bad.status_code == 422
    merged = await client.post(
        f"{API}/cohorts/{soon['cohort_id']}/decision",
        json={"decision": "merge", "merge_into": other["cohort_id"]},
        headers=as_flevoland,
    )
    assert merged.status_code == 200 and merged.json()["status"] == "cancelled"
    go = await client.post(
        f"{API}/cohorts/{other['cohort_id']}/decision", json={"decision": "go"}, headers=as_flevoland
    )
    assert go.json()["status"] == "confirmed" and go.json()["start_guaranteed"] is True
    again = await client.post(
        f"{API}/cohorts/{other['cohort_id']}/decision", json={"decision": "cancel"}, headers=as_flevoland
    )
    assert again.status_code == 409
    running = await client.post(
        f"{API}/cohorts/{other['cohort_id']}/status", json={"status": "running"}, headers=as_flevoland
    )
    assert running.json()["status"] == "running"
    done = await client.post(
        f"{API}/cohorts/{other['cohort_id']}/status", json={"status": "planned"}, headers=as_flevoland
    )
    assert done.status_code == 422


async def test_sweep_is_admin_only(catalogue, client, as_flevoland, as_admin):
    assert (await client.post(f"{API}/decisions/sweep", headers=as_flevoland)).status_code == 403
    assert (await client.post(f"{API}/decisions/sweep", headers=as_admin)).json() == {
        "confirmed": 0,
        "decision_due": 0,
    }


async def test_pagination_is_bounded_and_cursor_checked(catalogue, client):
    for n in range(5):
        await catalogue.offering(title=f"Opleiding {n}")
    first = (await client.get(f"{API}/offerings", params={"limit": 2})).json()
    second = (await client.get(f"{API}/offerings", params={"limit": 2, "cursor": first["next"]})).json()
    ids = [o["offering_id"] for o in first["items"] + second["items"]]
    assert first["total"] == 5 and len(set(ids)) == 4 and ids == sorted(ids)
    assert (await client.get(f"{API}/offerings", params={"limit": 500})).status_code == 422
    assert (await client.get(f"{API}/offerings", params={"cursor": "!!"})).status_code == 400


async def test_reference_endpoints(client):
    skills = (await client.get(f"{API}/skills")).json()
    assert skills["total"] >= 60 and skills["version"]
    assert any(p["municipality"] == "Almere" for p in (await client.get(f"{API}/places")).json()["items"])


async def test_the_provider_sees_who_holds_its_seats_and_nobody_else_does(
    catalogue, client, as_flevoland, as_employer
):
    cohort = await catalogue.cohort((await catalogue.offering())["offering_id"])
    cid = cohort["cohort_id"]
    store = client.app.state.catalogue_store
    request = {
        "cohort_id": cid,
        "application_id": "app-1",
        "participant_ref": "p-1",
        "funding_kind": "private",
    }
    assert (
        await reserve_seat(store, request | {"enrolment_id": "enr-1", "payers": []})
    ).outcome == "reserved"
    own = (await client.get(f"{API}/cohorts/{cid}", headers=as_flevoland)).json()
    public = (await client.get(f"{API}/cohorts/{cid}", headers=as_employer)).json()
    assert [(e["enrolment_id"], e["slot"]) for e in own["enrolments"]] == [("enr-1", 0)]
    assert own["seats_taken"] == public["seats_taken"] == 1 and "enrolments" not in public
