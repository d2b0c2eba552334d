"""Demo mode: ROC van Flevoland's administration is ready for e-invoices, and cost models
appear for its offerings; invoices come from the events like in production."""

from billing import testkit as ev
from billing.app import create_app
from billing.settings import BillingSettings
from tests.fixtures.apps import bearer, running


async def test_demo_seeds_the_administration_and_cost_models(settings_overrides):
    settings = BillingSettings(**settings_overrides | {"environment": "demo"})
    app = create_app(settings)
    async with running(app) as client:
        runtime = app.state.runtime
        entity = await runtime.db["entities"].find_one({"_id": "BRIN-25LH"})
        assert entity["kvk"] and entity["iban"] and entity["billing_moment"] == "on_confirmation"
        item = ev.offering_published("off-brin-25lh-001")
        await runtime.bus.publish([ev.message(item)])
        await runtime.bus.drain(timeout=20)
        model = await runtime.db["cost_models"].find_one({"ref": "off-brin-25lh-001"})
        assert 0 < model["integral_cost_per_seat_cents"] < model["seat_price_cents"]
        await runtime.bus.publish(
            [ev.message(i) for i in (ev.cohort(), ev.enrolled("ENR-D"), ev.confirmed(enrolled_count=12))]
        )
        await runtime.bus.drain(timeout=20)
        headers = bearer(settings, "finance", "BRIN-25LH")
        invoices = (await client.get("/billing/api/v1/entities/BRIN-25LH/invoices", headers=headers)).json()
        assert invoices["total"] == 1
        number = invoices["items"][0]["number"]
        ubl = await client.get(f"/billing/api/v1/entities/BRIN-25LH/documents/{number}/ubl", headers=headers)
        assert ubl.status_code == 200
