"""Consortia of providers: the API (list, get, create, add and remove a member), the FLEX rule,
authorisation, the ConsortiumFormed / ConsortiumMembersChanged events and the Dutch pages."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from catalogue import events as ev
from catalogue.domain.model import ConsortiumCreate, check_consortium, members_after_change
from catalogue.seed import ROC_FLEVOLAND, seed_demo_data
from catalogue.store import CatalogueStore
from llo_shared.mongo import MemoryDatabase
from tests.support import eventually

from .conftest import API, FLEVOLAND, TWENTE, provider_body
from .test_api import fields_of
from .test_events import collect

STOC = "KVK-30172951"
EDUCARED = "KVK-08104857"


async def register_private_providers(client, as_admin) -> None:
    for pid, name in ((STOC, "STOC"), (EDUCARED, "Educared")):
        body = provider_body(pid, name=name, kind="nbi", institution_code=None, kvk=pid[4:])
        assert (await client.post(f"{API}/providers", json=body, headers=as_admin)).status_code == 201


def flex(members: list[str], **overrides) -> dict:
    return {
        "consortium_id": "FLEX-ZORG",
        "name": "Zorgpact",
        "members": members,
        "flex_partnership": True,
    } | overrides


async def test_provider_forms_a_flex_consortium_and_anyone_reads_it(
    catalogue, client, as_flevoland, as_admin
):
    await register_private_providers(client, as_admin)
    created = await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]), headers=as_flevoland)
    assert created.status_code == 201, created.text
    read = (await client.get(f"{API}/consortia/FLEX-ZORG")).json()
    assert read["members"] == [FLEVOLAND, STOC] and read["flex_partnership"] is True
    kinds = {m["provider_id"]: (m["name"], m["kind"], m["funded"]) for m in read["member_details"]}
    assert kinds == {FLEVOLAND: ("ROC van Flevoland", "roc", True), STOC: ("STOC", "nbi", False)}
    listed = (await client.get(f"{API}/consortia", params={"flex_partnership": "true"})).json()
    assert listed["total"] == 1 and listed["next"] is None
    assert (await client.get(f"{API}/consortia/ONBEKEND")).status_code == 404


async def test_flex_rule_and_bad_input_name_the_field_and_store_nothing(
    catalogue, client, as_flevoland, as_admin
):
    await register_private_providers(client, as_admin)
    two_funded = await client.post(f"{API}/consortia", json=flex([FLEVOLAND, TWENTE]), headers=as_admin)
    assert two_funded.status_code == 422 and fields_of(two_funded) == {"members"}
    two_private = await client.post(f"{API}/consortia", json=flex([STOC, EDUCARED]), headers=as_admin)
    assert two_private.status_code == 422 and fields_of(two_private) == {"members"}
    unknown = await client.post(f"{API}/consortia", json=flex([FLEVOLAND, "KVK-11111111"]), headers=as_admin)
    assert unknown.status_code == 422 and fields_of(unknown) == {"members"}
    alone = await client.post(f"{API}/consortia", json=flex([FLEVOLAND]), headers=as_admin)
    assert alone.status_code == 422 and "members" in fields_of(alone)
    twice = await client.post(f"{API}/consortia", json=flex([FLEVOLAND, FLEVOLAND]), headers=as_admin)
    assert twice.status_code == 422 and "members" in fields_of(twice)
    bad_id = await client.post(
        f"{API}/consortia", json=flex([FLEVOLAND, STOC], consortium_id="x"), headers=as_admin
    )
    assert bad_id.status_code == 422 and "consortium_id" in fields_of(bad_id)
    assert (await client.get(f"{API}/consortia")).json()["total"] == 0
    assert (await client.get(f"{API}/consortia", params={"member": "nee"})).status_code == 422


async def test_non_flex_consortium_may_be_all_funded(catalogue, client, as_twente):
    body = flex([FLEVOLAND, TWENTE], consortium_id="ROC-SAMEN", flex_partnership=False)
    assert (await client.post(f"{API}/consortia", json=body, headers=as_twente)).status_code == 201


async def test_only_members_form_and_change_a_consortium(
    catalogue, client, as_flevoland, as_twente, as_employer, as_admin
):
    await register_private_providers(client, as_admin)
    outsider = await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]), headers=as_twente)
    assert outsider.status_code == 403
    assert (await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]))).status_code == 401
    employer = await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]), headers=as_employer)
    assert employer.status_code == 403
    assert (
        await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]), headers=as_flevoland)
    ).status_code == 201
    join = await client.post(
        f"{API}/consortia/FLEX-ZORG/members", json={"provider_id": TWENTE}, headers=as_twente
    )
    assert join.status_code == 403
    leave = await client.delete(f"{API}/consortia/FLEX-ZORG/members/{STOC}", headers=as_twente)
    assert leave.status_code == 403
    assert (await client.get(f"{API}/consortia/FLEX-ZORG")).json()["members"] == [FLEVOLAND, STOC]


async def test_members_are_added_and_removed_within_the_rules(catalogue, client, as_flevoland, as_admin):
    await register_private_providers(client, as_admin)
    await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]), headers=as_flevoland)
    members = f"{API}/consortia/FLEX-ZORG/members"
    added = await client.post(members, json={"provider_id": EDUCARED}, headers=as_flevoland)
    assert added.status_code == 200 and added.json()["members"] == [FLEVOLAND, STOC, EDUCARED]
    again = await client.post(members, json={"provider_id": EDUCARED}, headers=as_flevoland)
    assert again.status_code == 409 and fields_of(again) == {"provider_id"}
    unknown = await client.post(members, json={"provider_id": "KVK-11111111"}, headers=as_flevoland)
    assert unknown.status_code == 422 and fields_of(unknown) == {"members"}
    malformed = await client.post(members, json={"provider_id": "roc"}, headers=as_flevoland)
    assert malformed.status_code == 422 and "provider_id" in fields_of(malformed)
    removed = await client.delete(f"{members}/{STOC}", headers=as_flevoland)
    assert removed.status_code == 200 and removed.json()["members"] == [FLEVOLAND, EDUCARED]
    # Removing the only funded member would break the FLEX rule: refused, nothing changes.
    last_funded = await client.delete(f"{members}/{FLEVOLAND}", headers=as_admin)
    assert last_funded.status_code == 422 and fields_of(last_funded) == {"members"}
    not_member = await client.delete(f"{members}/{TWENTE}", headers=as_flevoland)
    assert not_member.status_code == 422 and fields_of(not_member) == {"provider_id"}
    read = (await client.get(f"{API}/consortia/FLEX-ZORG")).json()
    assert read["members"] == [FLEVOLAND, EDUCARED] and read["version"] == 3


async def test_consortium_events_are_published_with_funded_members(catalogue, client, as_flevoland, as_admin):
    bus = client.app.state.runtime.bus
    seen = collect(bus, ev.CONSORTIUM_TOPIC)
    await bus.start()
    await register_private_providers(client, as_admin)
    await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]), headers=as_flevoland)
    await client.post(
        f"{API}/consortia/FLEX-ZORG/members", json={"provider_id": EDUCARED}, headers=as_flevoland
    )
    await eventually(lambda: len(seen) == 2, what="two consortium events")
    formed = ev.ConsortiumFormed.from_envelope(seen[0])
    changed = ev.ConsortiumMembersChanged.from_envelope(seen[1])
    assert formed.funded_members == [FLEVOLAND] and formed.flex_partnership
    assert changed.added == [EDUCARED] and changed.members == [FLEVOLAND, STOC, EDUCARED]
    assert seen[0].aggregate_id == "FLEX-ZORG"


async def test_consortium_pages_list_members_and_their_kinds(catalogue, client, as_flevoland, as_admin):
    await register_private_providers(client, as_admin)
    await client.post(f"{API}/consortia", json=flex([FLEVOLAND, STOC]), headers=as_flevoland)
    listing = await client.get("/catalogue/consortia")
    assert listing.status_code == 200 and 'href="/catalogue/consortia/FLEX-ZORG"' in listing.text
    assert "FLEX-samenwerking" in listing.text
    detail = await client.get("/catalogue/consortia/FLEX-ZORG")
    assert detail.status_code == 200 and "<h1>Zorgpact</h1>" in detail.text
    assert "ROC van Flevoland" in detail.text and "Niet-bekostigde instelling" in detail.text
    assert "niet-bekostigd" in detail.text and ">ROC<" in detail.text
    assert (await client.get("/catalogue/consortia/NEE")).status_code == 404
    provider_page = await client.get("/catalogue/aanbieder", headers=as_flevoland)
    assert 'href="/catalogue/consortia/FLEX-ZORG"' in provider_page.text
    offering = await catalogue.offering()
    offering_page = await client.get(f"/catalogue/aanbod/{offering['offering_id']}")
    assert 'href="/catalogue/consortia/FLEX-ZORG"' in offering_page.text
    assert 'href="/catalogue/consortia"' in (await client.get("/catalogue/")).text


async def test_demo_seed_has_a_flex_partnership_in_flevoland():
    store = CatalogueStore(MemoryDatabase("consortia"), today=lambda: date(2026, 11, 22))
    counts = await seed_demo_data(store, seed=7)
    assert counts["consortia"] >= 3
    flex = {"members": ROC_FLEVOLAND, "flex_partnership": True}
    flevoland = (await store.consortia(flex, None, 10))["items"]
    assert flevoland
    members = await store.member_details(flevoland[0])
    assert {m["funded"] for m in members} == {True, False}
    assert all("flevoland" in m["regions"] for m in members)


@given(
    funded=st.lists(st.booleans(), min_size=2, max_size=8),
    flex_partnership=st.booleans(),
    removed=st.integers(min_value=0, max_value=7),
)
def test_flex_rule_holds_for_any_membership_and_any_removal(funded, flex_partnership, removed):
    """Creating and removing follow one rule: a FLEX partnership keeps a funded and a non-funded member."""
    members = [f"KVK-{n:08d}" for n in range(len(funded))]
    funded_by_member = dict(zip(members, funded, strict=True))
    after = members_after_change(members, remove=members[removed % len(members)])
    for candidate in (members, after):
        kinds = {funded_by_member[m] for m in candidate}
        expected_ok = len(candidate) >= 2 and (not flex_partnership or kinds == {True, False})
        try:
            consortium = ConsortiumCreate(
                consortium_id="FLEX-P", name="P", members=candidate, flex_partnership=flex_partnership
            )
        except ValidationError:
            assert not expected_ok and len(candidate) < 2
            continue
        assert (check_consortium(consortium, funded_by_member) == []) == expected_ok
