"""A merge moves people, seats and their money: catalogue, recruitment and billing on one in-process
bus. The people enrolled in the cancelled cohort are enrolled in the target afterwards (not
withdrawn), hold seats there, and their seat invoices are credited on the old cohort and issued on
the new one at its seat price."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from billing.app import create_app as billing_app
from billing.settings import BillingSettings
from billing.store import OUTBOX_COLLECTIONS as BILLING_OUTBOXES
from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from catalogue.store import OUTBOX_COLLECTIONS as CATALOGUE_OUTBOXES
from llo_shared.bus_memory import InProcessBus
from llo_shared.mongo import MemoryDatabase
from llo_shared.service import Infrastructure
from recruitment.app import create_app as recruitment_app
from recruitment.settings import RecruitmentSettings
from recruitment.store import OUTBOX_COLLECTIONS as RECRUITMENT_OUTBOXES
from services.recruitment.tests.helpers import INTAKE, PRIVATE, applicant_body
from tests.fixtures.apps import bearer
from tests.fixtures.catalogue_data import PRIVATE_OFFERING
from tests.fixtures.surcharge_flow import settle

CATALOGUE = "/catalogue/api/v1"
RECRUITMENT = "/recruitment/api/v1"
PROVIDER = "BRIN-25LH"
EMPLOYER_ADDRESS = {
    "name": "Zorggroep Almere",
    "kind": "employer",
    "scheme": "0106",
    "endpoint": "39084217",
    "street": "Hospitaaldreef 29",
    "postcode": "1315 RC",
    "city": "Almere",
}


@contextlib.asynccontextmanager
async def three_services(overrides: dict[str, Any]):  # type: ignore[no-untyped-def]
    bus = InProcessBus()
    common = overrides | {"storage": "memory", "bus": "memory"}
    apps = {
        "catalogue": catalogue_app(
            CatalogueSettings(**common), Infrastructure(MemoryDatabase("catalogue"), bus, False)
        ),
        "recruitment": recruitment_app(
            RecruitmentSettings(**common), Infrastructure(MemoryDatabase("recruitment"), bus, False)
        ),
        "billing": billing_app(
            BillingSettings(**common), Infrastructure(MemoryDatabase("billing"), bus, False)
        ),
    }
    outboxes = [
        (apps["catalogue"], CATALOGUE_OUTBOXES),
        (apps["recruitment"], RECRUITMENT_OUTBOXES),
        (apps["billing"], BILLING_OUTBOXES),
    ]
    await bus.start()
    try:
        async with contextlib.AsyncExitStack() as stack:
            clients = {}
            for name, app in apps.items():
                await stack.enter_async_context(app.router.lifespan_context(app))
                transport = httpx.ASGITransport(app=app)
                clients[name] = await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://test")
                )

            async def settled() -> None:
                await settle(bus, outboxes)

            yield apps, clients, bus, settled
    finally:
        await bus.stop()


def cohort(offering_id: str, cohort_id: str, seat_price_cents: int, start: str) -> dict[str, Any]:
    return {
        "cohort_id": cohort_id,
        "offering_id": offering_id,
        "start_date": start,
        "end_date": "2031-06-30",
        "decision_date": "2030-01-10",
        "municipality": "Almere",
        "postcode": "1315",
        "capacity": 12,
        "break_even": 8,
        "seat_price_cents": seat_price_cents,
    }


async def test_a_merge_moves_people_seats_and_their_money_to_the_target(settings_overrides):
    settings = CatalogueSettings(**settings_overrides)
    provider = bearer(settings, "provider", PROVIDER, "flevoland")
    rmt = bearer(settings, "rmt", "RMT-FLEVOLAND", "flevoland")
    async with three_services(settings_overrides) as (apps, http, bus, settled):
        body = {
            "provider_id": PROVIDER,
            "name": "ROC van Flevoland",
            "kind": "roc",
            "institution_code": "25LH",
            "regions": ["flevoland"],
        }
        assert (
            await http["catalogue"].post(f"{CATALOGUE}/providers", json=body, headers=provider)
        ).is_success
        offering = await http["catalogue"].post(
            f"{CATALOGUE}/offerings", json=PRIVATE_OFFERING, headers=provider
        )
        offering_id = offering.json()["offering_id"]
        for cohort_id, price, start in (
            ("coh-small", 640_000, "2030-02-01"),
            ("coh-big", 620_000, "2030-03-01"),
        ):
            created = await http["catalogue"].post(
                f"{CATALOGUE}/cohorts", json=cohort(offering_id, cohort_id, price, start), headers=provider
            )
            assert created.status_code == 201, created.text
        await settled()
        # finance keeps the paying employer's address, so its seat invoices are issued, not left waiting
        finance = bearer(settings, "finance", PROVIDER, "flevoland")
        kept = await http["billing"].put(
            f"/billing/api/v1/entities/{PROVIDER}/payers/KVK-39084217", json=EMPLOYER_ADDRESS, headers=finance
        )
        assert kept.status_code == 200, kept.text

        applications = []
        for n in range(3):
            created = await http["recruitment"].post(
                f"{RECRUITMENT}/applications", json=applicant_body("coh-small", n), headers=rmt
            )
            assert created.status_code == 201, created.text
            app_id = created.json()["application_id"]
            steps = (
                {"to": "intake_planned"},
                {"to": "intake_done", "intake": INTAKE},
                {"to": "admitted"},
                {"to": "enrolment_requested", "funding": PRIVATE},
            )
            for step in steps:
                moved = await http["recruitment"].post(
                    f"{RECRUITMENT}/applications/{app_id}/transitions", json=step, headers=provider
                )
                assert moved.status_code == 200, moved.text
            applications.append(app_id)
        await settled()
        billing_db = apps["billing"].state.runtime.db
        before = await billing_db["documents"].find({"kind": "invoice"}).to_list(None)
        assert sorted((d["cohort_id"], d["total_cents"]) for d in before) == [("coh-small", 640_000)] * 3

        merged = await http["catalogue"].post(
            f"{CATALOGUE}/cohorts/coh-small/decision",
            json={"decision": "merge", "merge_into": "coh-big"},
            headers=provider,
        )
        assert merged.status_code == 200, merged.text
        await settled()

        # people: still enrolled, now in the target cohort; nobody withdrawn
        for app_id in applications:
            seen = await http["recruitment"].get(f"{RECRUITMENT}/applications/{app_id}", headers=provider)
            application = seen.json()
            assert application["stage"] == "enrolled", application["stage"]
            assert application["cohort_id"] == "coh-big"
            assert application["enrolment"]["cohort_id"] == "coh-big"
        withdrawn = [
            m
            for partition in bus.broker.log("recruitment.application.v1")
            for m in partition
            if b'"EnrolmentWithdrawn"' in m.value
        ]
        assert withdrawn == []

        # seats: held in the target
        target = (await http["catalogue"].get(f"{CATALOGUE}/cohorts/coh-big", headers=provider)).json()
        assert target["seats_taken"] == 3 and len(target["enrolment_ids"]) == 3

        # money: credited on the old cohort, invoiced on the new one at its price
        documents = await billing_db["documents"].find({}).to_list(None)
        net: dict[tuple[str, str], int] = {}
        for document in documents:
            sign = -1 if document["kind"] == "credit_note" else 1
            key = (document["enrolment_id"], document["cohort_id"])
            net[key] = net.get(key, 0) + sign * document["net_cents"]
        enrolments = {e for e, _ in net}
        assert len(enrolments) == 3
        for enrolment_id in enrolments:
            assert net[(enrolment_id, "coh-small")] == 0
            assert net[(enrolment_id, "coh-big")] == 620_000
        assert await bus.dead_letters() == []
