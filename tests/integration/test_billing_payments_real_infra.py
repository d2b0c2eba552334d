"""Billing's bank statement import and consortium costs on a real MongoDB-compatible server
(FerretDB here): the same statement confirmed through two imports at once books each entry once,
and a shared cost issues its partners' invoices once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from billing.app import create_app
from billing.settings import BillingSettings
from tests.fixtures import billing_events as ev
from tests.fixtures.apps import bearer, running

API = "/billing/api/v1/entities/BRIN-25LH"
CAMT = (
    Path(__file__).resolve().parents[2] / "services/billing/tests/statements/camt053_001_02.xml"
).read_text()


def mongo_settings(infra, unique, settings_overrides) -> BillingSettings:  # type: ignore[no-untyped-def]
    return BillingSettings(
        **settings_overrides
        | {"storage": "mongo", "mongo_url": infra.mongo_url, "mongo_database": f"t_{unique}"}
    )


async def feed(app, *items) -> None:  # type: ignore[no-untyped-def]
    await app.state.runtime.bus.publish([ev.message(item) for item in items])
    await app.state.runtime.bus.drain(timeout=30)


async def test_a_statement_confirmed_twice_at_once_books_each_entry_once(infra, unique, settings_overrides):
    settings = mongo_settings(infra, unique, settings_overrides)
    app = create_app(settings)
    headers = bearer(settings, "finance", "BRIN-25LH")
    async with running(app) as client:
        await ev.register_known_payers(app.state.runtime.db)
        await feed(app, ev.provider_registered(), ev.offering_published(), ev.cohort())
        await feed(app, ev.enrolled("ENR-1"), ev.enrolled("ENR-2"))
        body = {"format": "camt053", "content": CAMT}
        first = (await client.post(f"{API}/payment-imports", json=body, headers=headers)).json()
        second = (await client.post(f"{API}/payment-imports", json=body, headers=headers)).json()
        assert first["to_book"] == second["to_book"] == 2
        answers = await asyncio.gather(
            *(
                client.post(f"{API}/payment-imports/{i['import_id']}/book", headers=headers)
                for i in (first, second)
            )
        )
        assert sum(a.json()["booked"] for a in answers) == 2
        db = app.state.runtime.db
        paid = {d["number"]: d["paid_cents"] for d in await db["documents"].find({}).to_list(None)}
        assert paid == {"25LH-PRV-2026-000001": 250_000, "25LH-PRV-2026-000002": 100_000}
        again = (await client.post(f"{API}/payment-imports", json=body, headers=headers)).json()
        assert again["to_book"] == 0 and again["already_booked"] == 2


async def test_a_shared_cost_invoices_each_partner_once(infra, unique, settings_overrides):
    settings = mongo_settings(infra, unique, settings_overrides)
    app = create_app(settings)
    headers = bearer(settings, "finance", "BRIN-25LH")
    cost = {
        "consortium_id": "FLEX-ZORG",
        "kind": "licence_fee",
        "description": "Licentie leerplatform",
        "total_cents": 100_001,
        "shares": [
            {"partner_id": "BRIN-25LH", "share_bp": 6667},
            {"partner_id": "BRIN-30RR", "share_bp": 3333},
        ],
        "idempotency_key": "licence-real-infra",
    }
    async with running(app) as client:
        members = {"consortium_id": "FLEX-ZORG", "name": "Zorgpact", "members": ["BRIN-25LH", "BRIN-30RR"]}
        formed = (
            "catalogue.consortium.v1",
            ev.envelope("ConsortiumFormed", "catalogue", "FLEX-ZORG", members),
        )
        await feed(
            app, ev.provider_registered(), ev.provider_registered("BRIN-30RR", "ROC Friese Poort"), formed
        )
        address = {"street": "Bredeweg 3", "postcode": "9202 AA", "city": "Drachten"}
        await ev.register_payer(app.state.runtime.db, "BRIN-25LH", "BRIN-30RR", address)
        answers = await asyncio.gather(
            *(client.post(f"{API}/shared-costs", json=cost, headers=headers) for _ in range(2))
        )
        assert [a.status_code for a in answers] == [201, 201]
        invoices = await app.state.runtime.db["documents"].find({"purpose": "consortium_cost"}).to_list(None)
        assert [(d["payer"]["payer_id"], d["net_cents"]) for d in invoices] == [("BRIN-30RR", 33_330)]
