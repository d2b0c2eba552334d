"""The embedded demo (all four services, memory adapters; slow because of the demo's size): the
catalogue's seeded cohorts reach recruitment through events, which seeds campaigns with applications
through the funnel and proposes fill campaigns for under-filled cohorts."""

from __future__ import annotations

import asyncio

import httpx

from llo.embedded import EmbeddedApp
from llo_shared.auth import TOKEN_COOKIE
from tests.support import eventually


async def _quiet(app: EmbeddedApp) -> None:
    """The relays publish after start-up returns; wait until the bus stays drained."""
    for _ in range(3):
        await asyncio.sleep(0.5)
        await app.bus.drain(timeout=120)


async def test_demo_shows_an_automatically_proposed_campaign_for_an_underfilled_cohort(settings_overrides):
    app = EmbeddedApp(environment="demo", dev_key_file=settings_overrides["dev_key_file"])
    async with app.running():
        recruitment = app.apps["recruitment"].state.recruitment

        async def proposed() -> bool:
            campaigns, _ = await recruitment.store.list_campaigns(
                {"origin": "automatic"}, after=None, limit=5
            )
            return bool(campaigns)

        await eventually(proposed, timeout=120, what="an automatically proposed fill campaign")
        await _quiet(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            await client.post(
                "/recruitment/demo/sign-in", data={"user": "aanbieder", "next": "/recruitment/"}
            )
            home = await client.get("/recruitment/")
            api = {"Authorization": f"Bearer {client.cookies[TOKEN_COOKIE]}"}  # the API takes no cookie
            assert "Automatisch voorgestelde vulcampagnes" in home.text
            automatic = (
                await client.get("/recruitment/api/v1/campaigns?origin=automatic", headers=api)
            ).json()["items"]
            assert automatic and all(
                c["status"] == "draft" and c["provider_id"] == "BRIN-25LH" for c in automatic
            )
            page = await client.get(f"/recruitment/campagnes/{automatic[0]['campaign_id']}")
            assert page.status_code == 200 and "Automatisch voorgesteld" in page.text
            cohort = recruitment_cohort = await recruitment.cohort(automatic[0]["cohort_id"])
            assert recruitment_cohort is not None
            assert automatic[0]["plan"]["goal_seats"] <= cohort.break_even

            manual = (
                await client.get("/recruitment/api/v1/campaigns?origin=manual&status=running", headers=api)
            ).json()
            assert manual["total"] > 0
            figures = (
                await client.get(
                    f"/recruitment/api/v1/campaigns/{manual['items'][0]['campaign_id']}/figures", headers=api
                )
            ).json()
            assert figures["applications"] >= 5 and figures["reached"]["intake_done"] >= 1
            stages = {
                a["stage"]
                for a in (await client.get("/recruitment/api/v1/applications?limit=100", headers=api)).json()[
                    "items"
                ]
            }
            assert {"interested", "intake_done", "admitted", "enrolled", "withdrawn"} <= stages
