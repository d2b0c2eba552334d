"""A placed person who pays for their own seat travels by pseudonym with sealed invoice details
(issue 11 item 4, issue 12): the PlacementAccepted event holds no name or address, billing's key
opens the details, and erasure leaves nothing of the person as payer on the placement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llo_shared.sealed import sealing_key, unseal
from matching.settings import MatchingSettings
from matching.store import PLACEMENTS
from services.matching.tests.catalogue_events import published
from services.matching.tests.test_api import API, candidate_body, demand_body, post_demand
from tests.support import eventually

INVOICE = {
    "name": "Kandidaat Achternaam",
    "street": "Kerkstraat 3",
    "postcode": "8232 AB",
    "city": "Lelystad",
}
SELF = {"payer_id": "ik", "kind": "participant", "name": "Kandidaat Achternaam", "invoice_details": INVOICE}


@pytest.fixture
def settings(settings_overrides, tmp_path: Path) -> MatchingSettings:
    return MatchingSettings(**settings_overrides, sealing_key_file=tmp_path / "billing.pem")


async def _placed(client, as_rmt, **changes) -> tuple[str, dict]:
    created = await client.post(f"{API}/candidates", json=candidate_body(**changes), headers=as_rmt)
    assert created.status_code == 201, created.text
    ref = created.json()["candidate_ref"]
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    (proposal,) = (await client.get(f"{API}/group-proposals", headers=as_rmt)).json()["items"]
    accepted = await client.post(
        f"{API}/group-proposals/{proposal['proposal_id']}/accept",
        json={"candidate_ref": ref, "candidate_agreed": True},
        headers=as_rmt,
    )
    assert accepted.status_code == 201, accepted.text
    return ref, accepted.json()


async def test_a_paying_candidate_is_published_by_pseudonym_with_sealed_details(
    app, client, bus, catalogue, as_rmt, settings
):
    ref, _ = await _placed(client, as_rmt, payers=[SELF])
    await eventually(lambda: published(bus, "matching.placement.v1"), what="PlacementAccepted")
    (event,) = published(bus, "matching.placement.v1")
    (payer,) = event.payload["payers"]
    assert (payer["payer_id"], payer["name"], payer["kind"]) == (ref, ref, "participant")
    assert "invoice_details" not in payer
    assert unseal(
        payer["sealed_details"], sealing_key(settings.sealing_key_file, create=False)
    ) == INVOICE | {"country": "NL"}
    every_message = " ".join(
        m.value.decode() for log in list(bus.broker.logs.values()) for part in log for m in part
    )
    for personal in ("Achternaam", "Kerkstraat", "8232 AB", "a@example.org"):
        assert personal not in every_message


async def test_erasure_leaves_nothing_of_the_person_as_payer_on_the_placement(app, client, catalogue, as_rmt):
    ref, placement = await _placed(client, as_rmt, payers=[SELF])
    db = app.state.runtime.db
    # A placement written before names were pseudonymised still holds one.
    await db[PLACEMENTS].update_one(
        {"_id": placement["placement_id"]}, {"$set": {"payers.0.name": "Kandidaat Achternaam"}}
    )
    assert (await client.delete(f"{API}/candidates/{ref}", headers=as_rmt)).status_code == 200
    stored = await db[PLACEMENTS].find_one({"_id": placement["placement_id"]})
    assert stored["payers"] == [
        {
            "payer_id": ref,
            "kind": "participant",
            "name": ref,
            "scheme": None,
            "endpoint": None,
            "share_bp": 10000,
        }
    ]


async def test_invoice_details_belong_to_a_paying_person_only(client, as_rmt):
    employer = {"payer_id": "KVK-39084217", "kind": "employer", "invoice_details": INVOICE}
    response = await client.post(f"{API}/candidates", json=candidate_body(payers=[employer]), headers=as_rmt)
    assert response.status_code == 422 and "invoice_details" in response.text


async def test_a_declined_proposal_publishes_a_code_not_the_typed_reason(
    client, bus, catalogue, as_employer, as_rmt
):
    demand = await post_demand(client, as_employer)
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    (proposal,) = (await client.get(f"{API}/group-proposals", headers=as_employer)).json()["items"]
    body = {
        "demand_id": demand["demand_id"],
        "reason": "Jan de Boer (06-12345678) kan niet",
        "reason_code": "schedule",
    }
    rejected = await client.post(
        f"{API}/group-proposals/{proposal['proposal_id']}/reject", json=body, headers=as_employer
    )
    assert rejected.status_code == 201, rejected.text
    await eventually(lambda: published(bus, "matching.placement.v1"), what="PlacementRejected")
    (event,) = published(bus, "matching.placement.v1")
    assert event.payload["reason"] == "schedule" and "Jan" not in json.dumps(event.payload)


async def test_a_demand_is_paid_by_organisations_not_by_a_person(client, as_employer):
    body = demand_body(payers=[SELF | {"share_bp": 10000}])
    response = await client.post(f"{API}/demands", json=body, headers=as_employer)
    assert response.status_code == 422 and "a demand is paid by organisations" in response.text
