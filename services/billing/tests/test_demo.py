"""Demo mode: ROC van Flevoland's administration is ready for e-invoices, and cost models
appear for its offerings; invoices come from the events like in production."""

from billing.app import create_app
from billing.settings import BillingSettings
from tests.fixtures import billing_events as ev
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


async def test_a_demo_partner_invoice_for_a_shared_cost_is_a_valid_peppol_e_invoice(
    settings_overrides, validator
):
    """The demo knows the addresses of its FLEX partners, so their invoices pass NL-R-004."""
    settings = BillingSettings(**settings_overrides | {"environment": "demo"})
    app = create_app(settings)
    async with running(app) as client:
        runtime = app.state.runtime
        members = ["BRIN-25LH", "KVK-90011001", "KVK-90011002"]
        consortium = {
            "consortium_id": "FLEX-ZORG-FLEVOLAND",
            "name": "Zorgpact Flevoland (FLEX)",
            "members": members,
            "funded_members": ["BRIN-25LH"],
            "flex_partnership": True,
        }
        events = [ev.provider_registered(m, m) for m in members] + [
            (
                "catalogue.consortium.v1",
                ev.envelope("ConsortiumFormed", "catalogue", "FLEX-ZORG-FLEVOLAND", consortium),
            )
        ]
        await runtime.bus.publish([ev.message(item) for item in events])
        await runtime.bus.drain(timeout=20)
        headers = bearer(settings, "finance", "BRIN-25LH")
        api = "/billing/api/v1/entities/BRIN-25LH"
        cost = {
            "consortium_id": "FLEX-ZORG-FLEVOLAND",
            "kind": "licence_fee",
            "description": "Licentie leerplatform",
            "total_cents": 300_000,
            "shares": [
                {"partner_id": m, "share_bp": bp} for m, bp in zip(members, (5000, 2500, 2500), strict=True)
            ],
            "idempotency_key": "demo-licence",
        }
        recorded = await client.post(f"{api}/shared-costs", json=cost, headers=headers)
        assert recorded.status_code in (200, 201), recorded.text
        number = next(
            s["invoice_number"] for s in recorded.json()["shares"] if s["partner_id"] == "KVK-90011001"
        )
        ubl = await client.get(f"{api}/documents/{number}/ubl", headers=headers)
        assert ubl.status_code == 200, ubl.text
        assert b"<cbc:CityName>Lelystad</cbc:CityName>" in ubl.content
        assert validator.xsd_errors(ubl.content) == []
        for rule_set, report in validator.schematron(ubl.content, "peppol").items():
            assert report.fatal == [], f"{rule_set}: {report.fatal}"
