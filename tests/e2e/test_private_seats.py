"""Seat funding through the real saga (issue 11 item 3): the real catalogue and recruitment on the
embedded bus. A private-only offering refuses a funded seat; the refusal reaches recruitment with
its code, and a private seat on it is reserved."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from llo.embedded import EmbeddedApp
from recruitment.domain.application import Source
from recruitment.domain.funding import Funding, FundingKind, Payer
from recruitment.settings import RecruitmentSettings
from tests.fixtures.apps import bearer
from tests.fixtures.catalogue_data import PRIVATE_OFFERING
from tests.support import eventually

PROVIDER = "BRIN-25LH"
CATALOGUE = "/catalogue/api/v1"
COHORT = {
    "cohort_id": "coh-vig-privaat",
    "start_date": "2031-02-01",
    "end_date": "2031-12-01",
    "decision_date": "2031-01-10",
    "municipality": "Almere",
    "postcode": "1315",
    "capacity": 10,
    "break_even": 6,
    "seat_price_cents": 640000,
}


@pytest.fixture
async def embedded(settings_overrides, tmp_path):
    app = EmbeddedApp(
        environment="test",
        dev_key_file=settings_overrides["dev_key_file"],
        sealing_key_file=tmp_path / "sealing.pem",
    )
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            yield app, client


def _provider(settings_overrides: dict[str, Any]) -> dict[str, str]:
    return bearer(RecruitmentSettings(**settings_overrides), "provider", PROVIDER)


async def _private_course(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    provider = {
        "provider_id": PROVIDER,
        "name": "ROC van Flevoland",
        "kind": "roc",
        "institution_code": "25LH",
    }
    assert (
        await client.post(
            f"{CATALOGUE}/providers", json=provider | {"regions": ["flevoland"]}, headers=headers
        )
    ).status_code == 201
    offering = await client.post(f"{CATALOGUE}/offerings", json=PRIVATE_OFFERING, headers=headers)
    assert offering.status_code == 201, offering.text
    cohort = await client.post(
        f"{CATALOGUE}/cohorts", json=COHORT | {"offering_id": offering.json()["offering_id"]}, headers=headers
    )
    assert cohort.status_code == 201, cohort.text


async def test_a_private_only_offering_refuses_a_funded_seat_through_the_saga(embedded, settings_overrides):
    app, client = embedded
    await _private_course(client, _provider(settings_overrides))
    recruitment = app.apps["recruitment"].state.recruitment

    async def known():
        return await recruitment.cohort(COHORT["cohort_id"])

    await eventually(known, what="the cohort in recruitment's read model")
    cohort = await recruitment.cohort(COHORT["cohort_id"])
    assert cohort.funding_kinds == ["private"]  # the catalogue told recruitment what it offers

    # A placement asks without the admission check (matching decided the funding): the catalogue refuses.
    funded = await recruitment.receive_application(
        source=Source.placement,
        cohort=cohort,
        by="system:matching",
        funding=Funding(funding_kind=FundingKind.funded_bol),
        request_enrolment=True,
    )
    ref = "pr-0123456789abcdef0123"
    own = Payer(payer_id=ref, kind="participant", name=ref, share_bp=10_000)
    private = await recruitment.receive_application(
        source=Source.placement,
        cohort=cohort,
        by="system:matching",
        participant_ref=ref,
        funding=Funding(funding_kind=FundingKind.private, payers=[own]),
        request_enrolment=True,
    )

    async def decided() -> bool:
        stages = [(await recruitment.load(a.application_id))[0].stage for a in (funded, private)]
        return stages == ["rejected", "enrolled"]

    await eventually(decided, what="the catalogue's seat decisions")
    refused, _ = await recruitment.load(funded.application_id)
    assert (refused.history[-1].reason, refused.history[-1].note) == (
        "financing",
        "seat rejected: funding_not_offered",
    )
    seats = (
        await client.get(f"{CATALOGUE}/cohorts/{COHORT['cohort_id']}", headers=_provider(settings_overrides))
    ).json()
    assert seats["seats_taken"] == 1 and seats["seats_by_funding"]["private"] == 1

    # One price: what the offering page shows for this start moment is what billing is told to invoice.
    page = (await client.get(f"/catalogue/aanbod/{seats['offering_id']}")).text
    assert "€ 6.400,00" in page and "eigen prijs" not in page
    enrolled = [
        json.loads(m.value)
        for log in app.bus.broker.log("recruitment.application.v1")
        for m in log
        if b"ParticipantEnrolled" in m.value
    ]
    assert [e["payload"]["seat_price_cents"] for e in enrolled] == [640000]
