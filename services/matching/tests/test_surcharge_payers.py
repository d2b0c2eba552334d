"""A demand's surcharge share is booked on every payer the demand names, not on its first one."""

from __future__ import annotations

from services.matching.tests.catalogue_events import published
from services.matching.tests.test_api import API, post_demand
from tests.support import eventually

EMPLOYER = {
    "payer_id": "KVK-39084217",
    "kind": "employer",
    "name": "Zorggroep Almere",
    "scheme": "0106",
    "endpoint": "39084217",
    "share_bp": 6000,
}
FUND = {
    "payer_id": "KVK-41150000",
    "kind": "oo_fonds",
    "name": "Fonds Zorg",
    "scheme": "0106",
    "endpoint": "41150000",
    "share_bp": 4000,
}


async def test_the_surcharge_acceptance_names_every_payer_of_the_demand(
    client, bus, catalogue, as_employer, as_rmt
):
    demand = await post_demand(client, as_employer, participants=8, payers=[EMPLOYER, FUND])
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    (proposal,) = (await client.get(f"{API}/group-proposals", headers=as_employer)).json()["items"]
    placed = await client.post(
        f"{API}/group-proposals/{proposal['proposal_id']}/accept",
        json={"demand_id": demand["demand_id"]},
        headers=as_employer,
    )
    assert placed.status_code == 201, placed.text
    accepted = await client.post(
        f"{API}/surcharge-acceptances",
        json={"proposal_id": proposal["proposal_id"], "demand_id": demand["demand_id"]},
        headers=as_employer,
    )
    assert accepted.status_code == 201, accepted.text
    await eventually(lambda: published(bus, "matching.surcharge.v1"), what="SurchargeAccepted")
    (event,) = published(bus, "matching.surcharge.v1")
    assert event.payload["demand_id"] == demand["demand_id"]
    assert [(p["payer_id"], p["share_bp"]) for p in event.payload["payers"]] == [
        ("KVK-39084217", 6000),
        ("KVK-41150000", 4000),
    ]
    assert event.payload["payer"]["payer_id"] == "KVK-39084217"  # v1 consumers keep their field
