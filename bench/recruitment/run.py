"""bench/recruitment: applications through the whole funnel on the real broker and store.

Runs the recruitment and the catalogue services in this process (each with its own database on the
Mongo-compatible server, talking over the real Kafka broker), then takes N applications through
register -> intake planned -> intake done -> admitted -> enrolment requested -> enrolled, with
W applications in flight at a time. Reports:
  * applications taken through the whole funnel to enrolled per second (wall clock);
  * the catalogue round trip of an enrolment request: from the recruitment write that holds
    EnrolmentRequested to the write that records enrolled after SeatReserved came back (p50/p99);
  * the time of one funnel step through the API (p50/p99).
Run: .venv/bin/python bench/recruitment/run.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import machine, percentile, real_infrastructure, write_report
from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from recruitment.app import create_app as recruitment_app
from recruitment.settings import RecruitmentSettings
from tests.fixtures.apps import bearer, running
from tests.fixtures.catalogue_data import read_cohorts_from_now, schedule_private_cohort
from tests.fixtures.recruitment_data import FUNDING, INTAKE

PROVIDER, RMT = "BRIN-25LH", "RMT-FLEVOLAND"


def settings_for(infra: Any, tag: str) -> tuple[CatalogueSettings, RecruitmentSettings]:
    common = {
        "environment": "test",
        "storage": "mongo",
        "mongo_url": infra.mongo_url,
        "bus": "kafka",
        "kafka_bootstrap": infra.kafka,
        "dev_key_file": Path(".local/bench-dev-key.pem"),
        "relay_poll_interval_s": 0.2,
        "consumer_group_suffix": f".{tag}",
        "log_level": "WARNING",
    }
    topic = f"recruitment.application.{tag}"
    return (
        CatalogueSettings(**common, mongo_database=f"{tag}_cat", application_topic=topic),
        RecruitmentSettings(
            **common,
            mongo_database=f"{tag}_rec",
            application_topic=topic,
            campaign_topic=f"recruitment.campaign.{tag}",
        ),
    )


async def wait_for(condition: Any, timeout: float, what: str) -> None:
    """Polls the store every 50 ms: often enough not to hide latency in the figures, rarely enough
    not to become the store's main load."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


class Walker:
    def __init__(self, http: Any, store: Any, settings: RecruitmentSettings, cohort_id: str) -> None:
        self.http, self.store, self.cohort_id = http, store, cohort_id
        self.provider = bearer(settings, "provider", PROVIDER)
        self.rmt = bearer(settings, "rmt", RMT)
        self.step_seconds: list[float] = []
        self.stuck: list[str] = []

    async def relayed(self, app_id: str) -> None:
        """FerretDB 1.24 applies updates without isolation: the relay's outbox $pull can undo a
        concurrent state change, so each write waits for its events to leave first."""

        async def cleared() -> bool:
            doc = await self.store.applications.find_one({"_id": app_id}, {"outbox_pending": 1})
            return doc is not None and not doc.get("outbox_pending")

        await wait_for(cleared, 60, f"outbox of {app_id}")

    async def step(self, method: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        started = time.perf_counter()
        response = await self.http.request(method, url, json=body, headers=headers)
        self.step_seconds.append(time.perf_counter() - started)
        if response.status_code >= 300:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
        return response.json()

    async def walk(self, n: int) -> str | None:
        """The application's id once decided, None if no decision came within a minute (stuck)."""
        created = await self.step(
            "POST",
            "/recruitment/api/v1/applications",
            {
                "cohort_id": self.cohort_id,
                "channel": "uwv",
                "consent": True,
                "applicant": {"name": f"Bench Deelnemer {n}", "email": f"bench{n}@voorbeeld.nl"},
            },
            self.rmt,
        )
        app_id = created["application_id"]
        await self.relayed(app_id)
        for body in (
            {"to": "intake_planned"},
            {"to": "intake_done", "intake": INTAKE},
            {"to": "admitted"},
            {"to": "enrolment_requested", "funding": FUNDING},
        ):
            await self.step(
                "POST", f"/recruitment/api/v1/applications/{app_id}/transitions", body, self.provider
            )
            await self.relayed(app_id)

        async def enrolled() -> bool:
            doc = await self.store.applications.find_one({"_id": app_id}, {"stage": 1})
            return doc is not None and doc["stage"] in ("enrolled", "waitlisted")

        try:
            await wait_for(enrolled, 60, f"decision for {app_id}")
        except TimeoutError:
            self.stuck.append(app_id)
            return None
        return app_id


def round_trip_seconds(doc: dict[str, Any]) -> float | None:
    requested = [t["at"] for t in doc["history"] if t["to_stage"] == "enrolment_requested"]
    decided = [t["at"] for t in doc["history"] if t["to_stage"] in ("enrolled", "waitlisted")]
    if not requested or not decided:
        return None
    return (datetime.fromisoformat(decided[-1]) - datetime.fromisoformat(requested[-1])).total_seconds()


async def bench(count: int, in_flight: int) -> dict[str, Any]:
    infra = real_infrastructure()
    tag = f"bench{uuid.uuid4().hex[:8]}"
    catalogue_settings, settings = settings_for(infra, tag)
    await read_cohorts_from_now(infra.kafka, "recruitment.cohorts" + settings.consumer_group_suffix)
    cohort_id = f"coh-{tag}"
    catalogue, recruitment = catalogue_app(catalogue_settings), recruitment_app(settings)
    try:
        async with running(catalogue) as cat_http, running(recruitment) as http:
            await schedule_private_cohort(
                cat_http,
                catalogue_settings,
                cohort_id,
                capacity=count,
                break_even=2,
                starts_in_days=90,
                decided_days_before=30,
            )
            store = recruitment.state.recruitment.store

            async def known() -> bool:
                return await store.cohort(cohort_id) is not None

            await wait_for(known, 60, "cohort in recruitment's read model")
            walker = Walker(http, store, settings, cohort_id)
            queue: asyncio.Queue[int] = asyncio.Queue()
            for n in range(count):
                queue.put_nowait(n)

            async def worker() -> None:
                while not queue.empty():
                    await walker.walk(queue.get_nowait())

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(in_flight)))
            seconds = time.perf_counter() - started
            docs = await store.applications.find({"cohort_id": cohort_id}).to_list(None)
            stages = {s: sum(1 for d in docs if d["stage"] == s) for s in ("enrolled", "waitlisted")}
            seconds_note = "includes waiting out stuck applications" if walker.stuck else ""
            trips = [t for t in (round_trip_seconds(d) for d in docs) if t is not None]
            seats = (
                await cat_http.get(
                    f"/catalogue/api/v1/cohorts/{cohort_id}",
                    headers=bearer(catalogue_settings, "provider", PROVIDER),
                )
            ).json()
            cohort_doc = await catalogue.state.catalogue_store.cohort(cohort_id) or {}
            held = set(cohort_doc.get("enrolment_ids", []))
            stuck = [d for d in docs if d["_id"] in walker.stuck]
            return {
                "applications": count,
                "in_flight": in_flight,
                "seconds": round(seconds, 2),
                "seconds_note": seconds_note,
                "applications_per_s": round(count / seconds, 2),
                "outcome": stages,
                "catalogue_seats_taken": seats.get("seats_taken"),
                "stuck": {
                    "count": len(stuck),
                    "stages": [d["stage"] for d in stuck],
                    "seat_held_by_catalogue": [
                        (d.get("enrolment") or {}).get("enrolment_id") in held for d in stuck
                    ],
                },
                "round_trip_ms": {
                    "count": len(trips),
                    "p50": round(percentile(trips, 50) * 1000, 1),
                    "p99": round(percentile(trips, 99) * 1000, 1),
                },
                "api_step_ms": {
                    "count": len(walker.step_seconds),
                    "p50": round(percentile(walker.step_seconds, 50) * 1000, 1),
                    "p99": round(percentile(walker.step_seconds, 99) * 1000, 1),
                },
                "infrastructure": infra.source,
            }
    finally:
        from pymongo import MongoClient

        with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
            for name in (f"{tag}_cat", f"{tag}_rec"):
                client.drop_database(name)


def report(result: dict[str, Any]) -> str:
    r, m = result["funnel"], result["machine"]
    return f"""# Recruitment funnel benchmark

Machine: {m["cpu"]}, {m["cores"]} cores, {m["memory_gib"]} GiB,
Python {m["python"]}; Kafka and the Mongo-compatible server run on the same machine
({r["infrastructure"]}). Recruitment and catalogue run in this process, each with its own database,
and talk only over Kafka. {"Quick run." if result["quick"] else "Full run."}

| figure | value |
|---|---|
| applications through the whole funnel (register, 3 intake steps, request, enrolled) | {r["applications"]} |
| in flight at a time | {r["in_flight"]} |
| wall clock | {r["seconds"]} s |
| **applications to enrolled per second** | **{r["applications_per_s"]}** |
| catalogue round trip of an enrolment request, p50 | {r["round_trip_ms"]["p50"]} ms |
| catalogue round trip of an enrolment request, p99 | {r["round_trip_ms"]["p99"]} ms |
| one funnel step through the JSON API, p50 / p99 | {r["api_step_ms"]["p50"]} / {r["api_step_ms"]["p99"]} ms |
| outcome | {r["outcome"]}; catalogue seats taken {r["catalogue_seats_taken"]} |
| no decision within 60 s (stuck) | {r["stuck"]["count"]} (stages {r["stuck"]["stages"]}) |
| ... of which the catalogue holds the seat | {r["stuck"]["seat_held_by_catalogue"]} |

The round trip runs from the recruitment write that holds `EnrolmentRequested` (outbox) through the
relay, Kafka, the catalogue's seat decision and its outbox, Kafka again, to the recruitment write
that records `enrolled`; both ends are stamped by recruitment's clock. It includes two relay hops
(woken at once after each write; 0.2 s poll as fallback) and the consumers' 200 ms poll.

Baseline: the issue names no numeric baseline. For scale, bench/events measures the bare bus at
thousands of events per second on this machine; one application here costs 6 HTTP writes, about
6 recruitment events and 2 catalogue events, and on FerretDB each write waits for its outbox to be
relayed first (FerretDB 1.24 with SQLite applies updates without isolation; see the lead's notes),
which serialises the steps of one application.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small run for development")
    args = parser.parse_args()
    count, in_flight = (24, 6) if args.quick else (200, 8)
    result = {
        "benchmark": "recruitment",
        "machine": machine(),
        "quick": args.quick,
        "funnel": asyncio.run(bench(count, in_flight)),
    }
    write_report(Path(__file__).parent, result, report(result))


if __name__ == "__main__":
    main()
