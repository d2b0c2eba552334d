"""The matching service's store on a real MongoDB-compatible server (FerretDB in CI)."""

from __future__ import annotations

import pytest

from matching.app import create_app
from matching.settings import MatchingSettings
from services.matching.tests.catalogue_events import cohort_scheduled, deliver, offering_published
from services.matching.tests.conftest import relay_idle
from services.matching.tests.test_api import API, candidate_body, demand_body
from tests.fixtures.apps import bearer, running

pytestmark = pytest.mark.integration


async def test_demand_candidate_pooling_and_erasure_on_a_real_store(infra, unique, settings_overrides):
    settings = MatchingSettings(
        **settings_overrides
        | {"storage": "mongo", "mongo_url": infra.mongo_url, "mongo_database": f"t_{unique}"}
    )
    app = create_app(settings)
    employer = bearer(settings, "employer", "KVK-39084217", "flevoland")
    rmt = bearer(settings, "rmt", "RMT-FLEVOLAND", "flevoland")
    async with running(app) as client:
        await deliver(app.state.infra.bus, offering_published(), cohort_scheduled())
        demand = (
            await client.post(f"{API}/demands", json=demand_body(participants=8), headers=employer)
        ).json()
        ref = (await client.post(f"{API}/candidates", json=candidate_body(), headers=rmt)).json()[
            "candidate_ref"
        ]
        run = await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=rmt)
        assert run.status_code == 201 and run.json()["people_placed"] == 9
        (proposal,) = (await client.get(f"{API}/group-proposals", headers=employer)).json()["items"]
        assert proposal["surcharge_cents"] == 3 * 180000
        accepted = await client.post(
            f"{API}/group-proposals/{proposal['proposal_id']}/accept",
            json={"demand_id": demand["demand_id"]},
            headers=employer,
        )
        assert accepted.status_code == 201
        erased = (await client.delete(f"{API}/candidates/{ref}", headers=rmt)).json()
        assert erased["status"] == "erased" and "personal" not in erased
        await relay_idle(app)
    from pymongo import MongoClient

    with MongoClient(infra.mongo_url) as sync:
        sync.drop_database(f"t_{unique}")
