"""The enrolment saga end to end on the real broker and store, against the real catalogue service.

Six applicants for a cohort with three seats: exactly three end enrolled and the other three
waitlisted in the order they asked; a withdrawal releases a seat, which the catalogue announces,
and recruitment offers it to the first person on the waitlist, who ends enrolled.
"""

from __future__ import annotations

import pytest

from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from recruitment.app import create_app as recruitment_app
from recruitment.settings import RecruitmentSettings
from tests.fixtures.apps import bearer, running
from tests.fixtures.catalogue_data import read_cohorts_from_now, schedule_private_cohort
from tests.fixtures.recruitment_data import FUNDING, INTAKE
from tests.support import eventually

PROVIDER = "BRIN-25LH"
RMT = "RMT-FLEVOLAND"
CATALOGUE_API = "/catalogue/api/v1"
API = "/recruitment/api/v1"


@pytest.fixture
def isolation(infra, unique, dev_key_file):
    common = {
        "environment": "test",
        "storage": "mongo",
        "mongo_url": infra.mongo_url,
        "bus": "kafka",
        "kafka_bootstrap": infra.kafka,
        "dev_key_file": dev_key_file,
        "relay_poll_interval_s": 0.2,
        "consumer_group_suffix": f".t{unique}",
    }
    application_topic = f"recruitment.application.t{unique}"
    catalogue = CatalogueSettings(
        **common, mongo_database=f"t_{unique}_cat", application_topic=application_topic
    )
    recruitment = RecruitmentSettings(
        **common,
        mongo_database=f"t_{unique}_rec",
        application_topic=application_topic,
        campaign_topic=f"recruitment.campaign.t{unique}",
    )
    yield catalogue, recruitment
    from pymongo import MongoClient

    with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
        for name in (f"t_{unique}_cat", f"t_{unique}_rec"):
            client.drop_database(name)


async def _admitted(http, settings, cohort_id: str, n: int, store) -> str:
    body = {
        "cohort_id": cohort_id,
        "channel": "uwv",
        "consent": True,
        "applicant": {"name": f"Deelnemer {n}", "email": f"deelnemer{n}@voorbeeld.nl"},
    }
    created = await http.post(f"{API}/applications", json=body, headers=bearer(settings, "rmt", RMT))
    assert created.status_code == 201, created.text
    app_id = created.json()["application_id"]
    for step in ({"to": "intake_planned"}, {"to": "intake_done", "intake": INTAKE}, {"to": "admitted"}):
        moved = await http.post(
            f"{API}/applications/{app_id}/transitions",
            json=step,
            headers=bearer(settings, "provider", PROVIDER),
        )
        assert moved.status_code == 200, moved.text
    return app_id


async def test_more_applicants_than_seats_then_a_withdrawal_on_kafka_and_mongo(infra, isolation, unique):
    catalogue_settings, settings = isolation
    await read_cohorts_from_now(infra.kafka, "recruitment.cohorts" + settings.consumer_group_suffix)
    cohort_id = f"coh-saga-{unique}"
    provider = bearer(settings, "provider", PROVIDER)
    catalogue, recruitment = catalogue_app(catalogue_settings), recruitment_app(settings)
    async with running(catalogue) as cat_http, running(recruitment) as http:
        await schedule_private_cohort(
            cat_http,
            catalogue_settings,
            cohort_id,
            capacity=3,
            break_even=2,
            starts_in_days=90,
            decided_days_before=30,
        )
        store = recruitment.state.recruitment.store
        await eventually(
            lambda: store.cohort(cohort_id), timeout=60, what="the cohort in recruitment's read model"
        )

        async def stage(app_id: str) -> dict:
            return (await http.get(f"{API}/applications/{app_id}", headers=provider)).json()

        apps = [await _admitted(http, settings, cohort_id, n, store) for n in range(6)]
        for app_id in apps:  # one after the other: "in order" is the order people asked
            requested = await http.post(
                f"{API}/applications/{app_id}/transitions",
                json={"to": "enrolment_requested", "funding": FUNDING},
                headers=provider,
            )
            assert requested.status_code == 200, requested.text

            async def decided(app_id: str = app_id) -> bool:
                return (await stage(app_id))["stage"] in ("enrolled", "waitlisted")

            await eventually(decided, timeout=60, what=f"the seat decision for {app_id}")

        outcome = [await stage(a) for a in apps]
        assert [o["stage"] for o in outcome] == ["enrolled"] * 3 + ["waitlisted"] * 3
        assert [o["enrolment"]["position"] for o in outcome[3:]] == [1, 2, 3]
        seats = (await cat_http.get(f"{CATALOGUE_API}/cohorts/{cohort_id}", headers=provider)).json()
        assert seats["seats_taken"] == 3 and seats["seats_left"] == 0

        withdrawn = await http.post(
            f"{API}/applications/{apps[1]}/transitions",
            json={"to": "withdrawn", "reason": "found_work"},
            headers=provider,
        )
        assert withdrawn.status_code == 200, withdrawn.text

        async def moved_in() -> bool:
            return (await stage(apps[3]))["stage"] == "enrolled"

        await eventually(moved_in, timeout=60, what="the first waitlisted person to be enrolled")
        final = [await stage(a) for a in apps]
        assert [f["stage"] for f in final] == [
            "enrolled",
            "withdrawn",
            "enrolled",
            "enrolled",
            "waitlisted",
            "waitlisted",
        ]
        assert [f["enrolment"]["position"] for f in final[4:]] == [1, 2]  # everyone moved up one place
        waitlist = await http.get(
            f"{API}/enrolments", params={"cohort_id": cohort_id, "stage": "waitlisted"}, headers=provider
        )
        assert [w["application_id"] for w in waitlist.json()["items"]] == sorted(apps[4:])
        seats = (await cat_http.get(f"{CATALOGUE_API}/cohorts/{cohort_id}", headers=provider)).json()
        assert seats["seats_taken"] == 3
