"""Issue 10's employer view on the Mongo-compatible server (FerretDB here): the query that finds an
employer's own invoices (by payer id or KvK) and the PDF it may open, and a demand posted through
the API that is pooled on its own (the schedule's region query and the pooling lease)."""

from __future__ import annotations

import pytest
from pymongo import MongoClient

from billing.app import create_app as billing_app
from billing.settings import BillingSettings
from matching.app import create_app as matching_app
from matching.settings import MatchingSettings
from matching.usecases.scheduling import ManualClock
from services.matching.tests.catalogue_events import cohort_scheduled, deliver, offering_published
from services.matching.tests.conftest import relay_idle
from services.matching.tests.test_api import API, demand_body
from tests.fixtures import billing_events as ev
from tests.fixtures.apps import bearer, running
from tests.support import eventually

pytestmark = pytest.mark.integration
DOCUMENTS = "/billing/api/v1/entities/BRIN-25LH/documents"
WOONZORG = {
    "payer_id": "KVK-51473920",
    "kind": "employer",
    "name": "Woonzorg Flevoland",
    "scheme": "0106",
    "endpoint": "51473920",
    "share_bp": 10000,
}


def on_the_real_store(settings_overrides, infra, database: str, **extra) -> dict:
    return (
        settings_overrides
        | {"storage": "mongo", "mongo_url": infra.mongo_url, "mongo_database": database}
        | extra
    )


async def test_an_employer_finds_its_own_invoices_on_the_real_store(
    infra, unique, settings_overrides, tmp_path
):
    database = f"t_{unique}_billing"
    settings = BillingSettings(
        **on_the_real_store(settings_overrides, infra, database, sealing_key_file=tmp_path / "k.pem")
    )
    app = billing_app(settings)
    try:
        async with running(app) as client:
            db = app.state.runtime.db
            await ev.complete_register(db, [("BRIN-25LH", ev.EMPLOYER), ("BRIN-25LH", WOONZORG)])
            renamed = ev.EMPLOYER | {"payer_id": "debiteur-0042"}  # finance's own id, the same KvK
            await ev.complete_register(db, [("BRIN-25LH", renamed)])
            items = [ev.provider_registered(), ev.offering_published(), ev.cohort()]
            items += [
                ev.enrolled("ENR-1"),
                ev.enrolled("ENR-2", payers=[WOONZORG]),
                ev.enrolled("ENR-3", payers=[renamed]),
            ]
            await app.state.runtime.bus.publish([ev.message(item) for item in items])
            await app.state.runtime.bus.drain(timeout=30)
            numbers = {
                d["payer"]["payer_id"]: d["number"] for d in await db["documents"].find({}).to_list(None)
            }
            employer = bearer(settings, "employer", "KVK-39084217")
            page = await client.get("/billing/mijn-facturen", headers=employer)
            assert page.status_code == 200
            assert numbers["KVK-39084217"] in page.text and numbers["debiteur-0042"] in page.text
            assert numbers["KVK-51473920"] not in page.text
            pdf = await client.get(f"{DOCUMENTS}/{numbers['KVK-39084217']}/pdf", headers=employer)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            refused = await client.get(f"{DOCUMENTS}/{numbers['KVK-51473920']}/pdf", headers=employer)
            assert refused.status_code == 404
    finally:
        with MongoClient(infra.mongo_url) as sync:
            sync.drop_database(database)


async def test_a_demand_posted_through_the_api_is_pooled_on_its_own_on_the_real_store(
    infra, unique, settings_overrides
):
    database = f"t_{unique}_matching"
    settings = MatchingSettings(**on_the_real_store(settings_overrides, infra, database))
    clock = ManualClock()
    app = matching_app(settings, clock=clock)
    employer = bearer(settings, "employer", "KVK-39084217", "flevoland")
    try:
        async with running(app) as client:
            await deliver(app.state.infra.bus, offering_published(), cohort_scheduled())
            posted = await client.post(f"{API}/demands", json=demand_body(), headers=employer)
            assert posted.status_code == 201, posted.text
            clock.advance(settings.pooling_debounce_s)

            async def proposed() -> bool:
                listed = await client.get(f"{API}/group-proposals", headers=employer)
                return bool(listed.json()["items"])

            await eventually(proposed, what="a proposal without a pooling call")
            await relay_idle(app)
    finally:
        with MongoClient(infra.mongo_url) as sync:
            sync.drop_database(database)
