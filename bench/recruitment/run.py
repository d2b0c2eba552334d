"""bench/recruitment: applications through the whole funnel on the real broker and store.

Runs the recruitment and the catalogue services in this process (each with its own database on the
Mongo-compatible server, talking over the real Kafka broker), then takes N applications through
register -> intake planned -> intake done -> admitted -> enrolment requested -> enrolled, with
W applications in flight at a time. In the same run it measures:
  * the store's own ceiling: raw single-document writes per second on the same server, over one
    connection as the services use it (one after the other, and W at a time);
  * the baseline: the same funnel with each step waiting until the relay has published its events
    before the next write (the discipline the write path needed before the relay stopped writing
    aggregates);
  * the new path: steps back to back, as people click.
For each funnel: applications to enrolled per second, the catalogue round trip of an enrolment
request (p50/p99), one funnel step through the JSON API (p50/p99, also per step), and the store
calls (count and server time per command, from PyMongo's command monitoring) per application.
Run: .venv/bin/python bench/recruitment/run.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pymongo import MongoClient

from bench.common import machine, percentile, real_infrastructure, store_calls, write_report
from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from llo_shared.bus import Subscription
from llo_shared.bus_kafka import KafkaBus
from llo_shared.envelope import EventEnvelope
from llo_shared.mongo import connect
from llo_shared.outbox import events_in_outbox
from recruitment.app import create_app as recruitment_app
from recruitment.settings import RecruitmentSettings
from tests.fixtures.apps import bearer, running
from tests.fixtures.catalogue_data import read_cohorts_from_now, schedule_private_cohort
from tests.fixtures.recruitment_data import FUNDING, INTAKE

PROVIDER, RMT = "BRIN-25LH", "RMT-FLEVOLAND"
DECISIONS = ("ParticipantEnrolled", "ParticipantWaitlisted")
STEPS = ("register", "intake_planned", "intake_done", "admitted", "enrolment_requested")


CALLS = store_calls()


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


async def wait_for(condition: Any, timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(every)


# The store's ceiling ------------------------------------------------------------------------


async def read_offerings_from_now(bootstrap: str, group: str) -> None:
    """The offering topic is shared by every run on the broker: without this, each run's
    recruitment would first apply every earlier run's offering events (counted per application)."""
    bus = KafkaBus(bootstrap, client_id="bench-setup")
    await bus.start()
    try:
        await bus.move_group_to_end(group, {RecruitmentSettings().offering_topic})
    finally:
        await bus.stop()


async def store_ceiling(url: str, documents: int, in_flight: int) -> dict[str, Any]:
    """Raw single-document writes on the same server, over a client made like the services' one."""
    name = f"bench_raw_{uuid.uuid4().hex[:8]}"
    db = connect(url, name)
    docs = db["docs"]
    pad = "x" * 2500  # about an application document
    try:
        await docs.insert_many([{"_id": f"d{i}", "n": 0, "pad": pad} for i in range(documents)])
        sequential: list[float] = []
        started = time.perf_counter()
        for i in range(documents):
            t = time.perf_counter()
            await docs.update_one({"_id": f"d{i}"}, {"$inc": {"n": 1}, "$set": {"at": t}})
            sequential.append(time.perf_counter() - t)
        sequential_rate = documents / (time.perf_counter() - started)

        async def writer(first: int) -> None:
            for i in range(first, documents, in_flight):
                await docs.update_one({"_id": f"d{i}"}, {"$inc": {"n": 1}})

        started = time.perf_counter()
        await asyncio.gather(*(writer(k) for k in range(in_flight)))
        parallel_rate = documents / (time.perf_counter() - started)

        reads: list[float] = []
        for i in range(documents):
            t = time.perf_counter()
            await docs.find_one({"_id": f"d{i}"})
            reads.append(time.perf_counter() - t)
        inserts: list[float] = []
        for i in range(documents):
            t = time.perf_counter()
            await docs.insert_one({"_id": f"new{i}", "n": 0, "pad": pad})
            inserts.append(time.perf_counter() - t)
        return {
            "documents": documents,
            "update_by_id_per_s": round(sequential_rate, 1),
            "update_by_id_ms": {"p50": ms(percentile(sequential, 50)), "p99": ms(percentile(sequential, 99))},
            f"update_by_id_per_s_{in_flight}_in_flight": round(parallel_rate, 1),
            "find_by_id_ms": {"p50": ms(percentile(reads, 50)), "p99": ms(percentile(reads, 99))},
            "insert_ms": {"p50": ms(percentile(inserts, 50)), "p99": ms(percentile(inserts, 99))},
        }
    finally:
        with MongoClient(url, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(name)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# The funnel ----------------------------------------------------------------------------------


class Walker:
    def __init__(self, http: Any, recruitment: Any, settings: RecruitmentSettings, cohort_id: str) -> None:
        self.http, self.cohort_id = http, cohort_id
        self.store = recruitment.state.recruitment.store
        self.relay = recruitment.state.runtime.relay
        self.provider = bearer(settings, "provider", PROVIDER)
        self.rmt = bearer(settings, "rmt", RMT)
        self.step_seconds: dict[str, list[float]] = defaultdict(list)
        self.decided: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.stuck: list[str] = []
        self.serialised = False

    async def on_event(self, event: EventEnvelope) -> None:
        if event.event_type in DECISIONS:
            self.decided[event.payload["application_id"]].set()

    async def relayed(self, app_id: str) -> None:
        """The baseline's discipline: the next write waits until this write's events are out."""
        doc = await self.store.applications.find_one({"_id": app_id}, {"outbox": 1})
        ids = [e["event_id"] for e in events_in_outbox(doc or {})]

        async def out() -> bool:
            return all(self.relay.has_published(i) for i in ids)

        await wait_for(out, 60, f"outbox of {app_id}", every=0.005)

    async def step(
        self, name: str, method: str, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> Any:
        started = time.perf_counter()
        response = await self.http.request(method, url, json=body, headers=headers)
        self.step_seconds[name].append(time.perf_counter() - started)
        if response.status_code >= 300:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
        return response.json()

    async def walk(self, n: int) -> None:
        body = {
            "cohort_id": self.cohort_id,
            "channel": "uwv",
            "consent": True,
            "applicant": {"name": f"Bench Deelnemer {n}", "email": f"bench{n}@voorbeeld.nl"},
        }
        created = await self.step("register", "POST", "/recruitment/api/v1/applications", body, self.rmt)
        app_id = created["application_id"]
        for body in (
            {"to": "intake_planned"},
            {"to": "intake_done", "intake": INTAKE},
            {"to": "admitted"},
            {"to": "enrolment_requested", "funding": FUNDING},
        ):
            if self.serialised:
                await self.relayed(app_id)
            url = f"/recruitment/api/v1/applications/{app_id}/transitions"
            await self.step(body["to"], "POST", url, body, self.provider)
        try:
            async with asyncio.timeout(60):
                await self.decided[app_id].wait()
        except TimeoutError:
            self.stuck.append(app_id)

    def all_steps(self) -> list[float]:
        return [s for seconds in self.step_seconds.values() for s in seconds]


def round_trip_seconds(doc: dict[str, Any]) -> float | None:
    requested = [t["at"] for t in doc["history"] if t["to_stage"] == "enrolment_requested"]
    decided = [t["at"] for t in doc["history"] if t["to_stage"] in ("enrolled", "waitlisted")]
    if not requested or not decided:
        return None
    return (datetime.fromisoformat(decided[-1]) - datetime.fromisoformat(requested[-1])).total_seconds()


def p50_p99(seconds: list[float]) -> dict[str, Any]:
    return {"count": len(seconds), "p50": ms(percentile(seconds, 50)), "p99": ms(percentile(seconds, 99))}


async def funnel(infra: Any, count: int, in_flight: int, *, serialised: bool) -> dict[str, Any]:
    tag = f"bench{uuid.uuid4().hex[:8]}"
    catalogue_settings, settings = settings_for(infra, tag)
    await read_cohorts_from_now(infra.kafka, "recruitment.cohorts" + settings.consumer_group_suffix)
    await read_offerings_from_now(infra.kafka, "recruitment.offerings" + settings.consumer_group_suffix)
    cohort_id = f"coh-{tag}"
    catalogue, recruitment = catalogue_app(catalogue_settings), recruitment_app(settings)
    watcher = KafkaBus(infra.kafka, client_id="bench-watch")
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
            walker = Walker(http, recruitment, settings, cohort_id)
            walker.serialised = serialised
            watcher.subscribe(
                Subscription(f"bench-watch-{tag}", (settings.application_topic,), walker.on_event)
            )
            await watcher.start()
            queue: asyncio.Queue[int] = asyncio.Queue()
            for n in range(count):
                queue.put_nowait(n)

            async def worker() -> None:
                while not queue.empty():
                    await walker.walk(queue.get_nowait())

            calls_before = (dict(CALLS.count), dict(CALLS.micros))
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(in_flight)))
            seconds = time.perf_counter() - started
            docs = await store.applications.find({"cohort_id": cohort_id}).to_list(None)
            stages = {s: sum(1 for d in docs if d["stage"] == s) for s in ("enrolled", "waitlisted")}
            trips = [t for t in (round_trip_seconds(d) for d in docs) if t is not None]
            seats = (
                await cat_http.get(
                    f"/catalogue/api/v1/cohorts/{cohort_id}",
                    headers=bearer(catalogue_settings, "provider", PROVIDER),
                )
            ).json()
            assert calls_before[0].keys() <= CALLS.count.keys()
            return {
                "mode": "serialised on the relay (baseline)" if serialised else "steps back to back (new)",
                "applications": count,
                "in_flight": in_flight,
                "seconds": round(seconds, 2),
                "applications_per_s": round(count / seconds, 2),
                "outcome": stages,
                "catalogue_seats_taken": seats.get("seats_taken"),
                "stuck": len(walker.stuck),
                "round_trip_ms": p50_p99(trips),
                "api_step_ms": p50_p99(walker.all_steps()),
                "api_step_ms_by_step": {name: p50_p99(walker.step_seconds[name]) for name in STEPS},
                "store_per_application": {
                    "recruitment": CALLS.of(f"{tag}_rec", count),
                    "catalogue": CALLS.of(f"{tag}_cat", count),
                },
            }
    finally:
        await watcher.stop()
        with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
            for name in (f"{tag}_cat", f"{tag}_rec"):
                client.drop_database(name)


async def bench(count: int, in_flight: int, raw_documents: int) -> dict[str, Any]:
    infra = real_infrastructure()
    ceiling = await store_ceiling(infra.mongo_url, raw_documents, in_flight)
    baseline = await funnel(infra, count, in_flight, serialised=True)
    new = await funnel(infra, count, in_flight, serialised=False)
    return {"infrastructure": infra.source, "store_ceiling": ceiling, "baseline": baseline, "new": new}


# The report ----------------------------------------------------------------------------------


def closeness(result: dict[str, Any]) -> dict[str, Any]:
    """How close the new path gets to the store: a step against one raw write, and the funnel's
    store calls against the calls per second one connection allows."""
    raw, new = result["store_ceiling"], result["new"]
    write_ms = raw["update_by_id_ms"]["p50"]
    per_app = new["store_per_application"]
    calls = per_app["recruitment"]["calls"] + per_app["catalogue"]["calls"]
    store_ms = per_app["recruitment"]["ms"] + per_app["catalogue"]["ms"]
    return {
        "step_p50_in_raw_writes": round(new["api_step_ms"]["p50"] / write_ms, 1),
        "step_p99_in_raw_writes": round(new["api_step_ms"]["p99"] / write_ms, 1),
        "store_calls_per_application": round(calls, 1),
        "store_ms_per_application": round(store_ms, 1),
        "store_busy_share": round(new["applications_per_s"] * store_ms / 1000 / 2, 2),
        "applications_per_s_if_store_bound_one_connection_each": round(
            1000 / max(per_app["recruitment"]["ms"], per_app["catalogue"]["ms"]), 1
        ),
    }


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def pair(figures: dict[str, Any], unit: str = " ms") -> str:
    return f"{figures['p50']} / {figures['p99']}{unit}"


def report(result: dict[str, Any]) -> str:
    r, m = result["recruitment"], result["machine"]
    raw, base, new = r["store_ceiling"], r["baseline"], r["new"]
    close, in_flight = r["closeness"], new["in_flight"]
    per_app = new["store_per_application"]
    ceiling_rows = "\n".join(
        [
            row(
                "`update_one` by `_id`, one after the other",
                f"**{raw['update_by_id_per_s']}/s** (p50 / p99 {pair(raw['update_by_id_ms'])})",
            ),
            row(
                f"`update_one` by `_id`, {in_flight} in flight on the one connection",
                f"{raw[f'update_by_id_per_s_{in_flight}_in_flight']}/s",
            ),
            row("`find_one` by `_id`, p50 / p99", pair(raw["find_by_id_ms"])),
            row("`insert_one`, p50 / p99", pair(raw["insert_ms"])),
        ]
    )

    def outcome(f: dict[str, Any]) -> str:
        return f"{f['outcome']}, seats {f['catalogue_seats_taken']}, stuck {f['stuck']}"

    funnel_rows = "\n".join(
        [
            row(
                "one funnel step through the JSON API, p50 / p99",
                pair(base["api_step_ms"]),
                f"**{pair(new['api_step_ms'])}**",
                "p99 < 50 ms",
            ),
            row(
                "enrolment round trip (recruitment -> catalogue seat decision -> recorded), p50 / p99",
                pair(base["round_trip_ms"]),
                f"**{pair(new['round_trip_ms'])}**",
                "p99 < 150 ms",
            ),
            row(
                "applications through the whole funnel per second",
                base["applications_per_s"],
                f"**{new['applications_per_s']}**",
                ">= 20/s",
            ),
            row("wall clock", f"{base['seconds']} s", f"{new['seconds']} s", ""),
            row("outcome", outcome(base), outcome(new), ""),
        ]
    )
    step_rows = "\n".join(
        row(name, pair(base["api_step_ms_by_step"][name], ""), pair(new["api_step_ms_by_step"][name], ""))
        for name in STEPS
    )

    def store_rows(service: str) -> str:
        top = list(per_app[service]["by_command"].items())[:8]
        return ", ".join(f"`{c}` {v['calls']} x = {v['ms']} ms" for c, v in top)

    return f"""# Recruitment funnel benchmark

Machine: {m["cpu"]}, {m["cores"]} cores, {m["memory_gib"]} GiB, Python {m["python"]} ({m["when"]}).
Load average (1 min) {m["load_average_1m_at_start"]} at the start, {result["load_average_1m_at_end"]} at
the end. {result["load_note"]}
Kafka and the Mongo-compatible server run on the same machine ({r["infrastructure"]}).
Recruitment and catalogue run in this process, each with its own database and its own client (one
connection, as the services connect to FerretDB), and talk only over Kafka.
{"Quick run." if result["quick"] else "Full run."} All three parts below ran in this one run.

## The store's ceiling (same server, one connection)

| raw single-document operation ({raw["documents"]} documents of 2.5 KB) | value (ms) |
|---|---|
{ceiling_rows}

## The funnel: baseline and new path, {new["applications"]} applications, {in_flight} in flight

Baseline: each step waits until the relay has published the previous step's events before the next
write (what the old write path needed: its relay wrote the aggregate, and FerretDB loses one of two
concurrent updates). New: the relay only reads aggregates and records progress in its own ledger,
so steps go back to back.

| figure | baseline (same run) | new | goal |
|---|---|---|---|
{funnel_rows}

Per step, p50 / p99 in ms:

| step | baseline | new |
|---|---|---|
{step_rows}

## How close to the store

- One step of the new path costs {close["step_p50_in_raw_writes"]} raw writes at p50 and
  {close["step_p99_in_raw_writes"]} at p99 (a raw `update_one` by `_id`: {raw["update_by_id_ms"]["p50"]} ms).
- One application costs {close["store_calls_per_application"]} store calls taking
  {close["store_ms_per_application"]} ms on the wire and in the server (recruitment
  {per_app["recruitment"]["calls"]} calls / {per_app["recruitment"]["ms"]} ms, catalogue
  {per_app["catalogue"]["calls"]} calls / {per_app["catalogue"]["ms"]} ms). If each service's one
  connection were busy all the time, the busier one would allow
  {close["applications_per_s_if_store_bound_one_connection_each"]} applications/s.
- Where the store time goes, per application (`command collection {{filter fields}}`; on FerretDB
  1.24 only a filter of `_id` alone uses an index, any other is a scan of the collection):
  recruitment: {store_rows("recruitment")}; catalogue: {store_rows("catalogue")}.

Round trip: from the recruitment write that holds `EnrolmentRequested` through the relay, Kafka, the
catalogue's seat decision and its outbox, Kafka again, to the recruitment write that records
`enrolled`; both ends are stamped by recruitment's clock. The benchmark learns of each decision from
the application topic (a consumer of its own), not by polling the store.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small run for development")
    parser.add_argument(
        "--load-note",
        default="When the load average is above the number of cores, other work shared the machine: absolute "
        "figures are then pessimistic; baseline and new path ran in the same run, one after the other.",
        help="a sentence on the machine's load during the run",
    )
    args = parser.parse_args()
    count, in_flight, raw = (24, 8, 300) if args.quick else (200, 8, 1000)
    result: dict[str, Any] = {
        "benchmark": "recruitment",
        "machine": machine(),
        "quick": args.quick,
        "load_note": args.load_note,
    }
    result["recruitment"] = asyncio.run(bench(count, in_flight, raw))
    result["recruitment"]["closeness"] = closeness(result["recruitment"])
    result["load_average_1m_at_end"] = round(os.getloadavg()[0], 1)
    write_report(Path(__file__).parent, result, report(result))


if __name__ == "__main__":
    main()
