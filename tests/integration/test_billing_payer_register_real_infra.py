"""The payer register on the Mongo-compatible server (FerretDB here): an invoice waits for its
payer's address unnumbered and is issued with the next number once finance completes it; sealed
participant details land in the register, but never over what finance corrected by hand."""

from __future__ import annotations

from datetime import date

from billing.api import payers as payers_api
from billing.app import create_app
from billing.settings import BillingSettings
from llo_shared.sealed import seal, sealing_key
from tests.fixtures import billing_events as ev
from tests.fixtures.apps import bearer, running

API = "/billing/api/v1/entities/BRIN-25LH"
BOUW = {
    "payer_id": "KVK-61234567",
    "kind": "employer",
    "name": "Bouwbedrijf Flevo",
    "scheme": "0106",
    "endpoint": "61234567",
    "share_bp": 10000,
}
ADDRESS = {"street": "Havenweg 12", "postcode": "1314 CA", "city": "Almere"}


async def feed(app, *items) -> None:  # type: ignore[no-untyped-def]
    await app.state.runtime.bus.publish([ev.message(item) for item in items])
    await app.state.runtime.bus.drain(timeout=30)


async def test_waiting_invoices_and_sealed_details_on_the_real_store(
    infra, unique, settings_overrides, tmp_path, monkeypatch
):
    monkeypatch.setattr(payers_api, "today", lambda: date(2026, 9, 3))
    settings = BillingSettings(
        **settings_overrides
        | {
            "storage": "mongo",
            "mongo_url": infra.mongo_url,
            "mongo_database": f"t_{unique}",
            "sealing_key_file": tmp_path / "sealing.pem",
        }
    )
    app = create_app(settings)
    headers = bearer(settings, "finance", "BRIN-25LH")
    key = sealing_key(settings.sealing_key_file, create=True)
    async with running(app) as client:
        db = app.state.runtime.db
        await ev.register_known_payers(db)
        await feed(app, ev.provider_registered(), ev.offering_published(), ev.cohort())
        await feed(app, ev.enrolled("ENR-1"), ev.enrolled("ENR-2", payers=[BOUW]), ev.enrolled("ENR-3"))
        numbers = sorted(d["number"] for d in await db["documents"].find({}).to_list(None))
        assert numbers == ["25LH-PRV-2026-000001", "25LH-PRV-2026-000002"]
        waiting = (await client.get(f"{API}/waiting-invoices", headers=headers)).json()["items"]
        assert [w["payer_id"] for w in waiting] == ["KVK-61234567"]
        details = {k: v for k, v in BOUW.items() if k in ("name", "kind", "scheme", "endpoint")} | ADDRESS
        put = await client.put(f"{API}/payers/KVK-61234567", json=details, headers=headers)
        assert put.json()["issued"] == ["25LH-PRV-2026-000003"], put.text

        participant = {"payer_id": "pr-0123456789abcdef0123", "kind": "participant", "name": "Deelnemer"}
        sealed = seal({"name": "Eva Jansen", "country": "NL"} | ADDRESS, key)
        await feed(app, ev.enrolled("ENR-4", payers=[participant | {"sealed_details": sealed}]))
        (invoice,) = await db["documents"].find({"enrolment_id": "ENR-4"}).to_list(None)
        assert invoice["payer"]["name"] == "Eva Jansen"
        corrected = {"name": "Eva Jansen-de Wit", "kind": "participant"} | ADDRESS
        assert (
            await client.put(f"{API}/payers/{participant['payer_id']}", json=corrected, headers=headers)
        ).status_code == 200
        await feed(app, ev.enrolled("ENR-5", payers=[participant | {"sealed_details": sealed}]))
        (later,) = await db["documents"].find({"enrolment_id": "ENR-5"}).to_list(None)
        assert later["payer"]["name"] == "Eva Jansen-de Wit", "finance's correction stands"
        await db.client.drop_database(settings.mongo_database)
