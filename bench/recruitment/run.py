"""bench/recruitment: applications through the whole funnel on the real broker and store.

Takes N applications through register -> intake planned -> intake done -> admitted -> enrolment
requested -> enrolled, with W applications in flight at a time, on the real Kafka broker and the
Mongo-compatible server, in two set-ups:
  * each service its own process (the headline): catalogue and recruitment as `llo serve`
    processes started by deploy/local/stack.sh (LLO_STACK_SERVICES, on the running broker and
    store, with their own databases and Kafka namespace); this process only sends the requests
    over HTTP and watches the application topic;
  * in this process (for the store calls): both services in this process through httpx's
    ASGITransport, so PyMongo's command monitoring sees every store call they make.
In the same run it measures:
  * the store's own ceiling: raw single-document writes per second on the same server, over one
    connection as the services use it (one after the other, and W at a time);
  * per set-up, the baseline: the same funnel with each step waiting until the previous step's
    events are published before the next write (the discipline the write path needed before the
    relay stopped writing aggregates), and the new path: steps back to back, as people click.
For each funnel: applications to enrolled per second, the catalogue round trip of an enrolment
request (p50/p99), one funnel step through the JSON API (p50/p99, also per step), the CPU seconds
of each process and of the machine during the clock, and (in this process) the store calls (count
and server time per command) per application.
Run: .venv/bin/python bench/recruitment/run.py [--quick] [--only processes|in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx
from pymongo import MongoClient

from bench.common import machine, percentile, real_infrastructure, store_calls, write_report
from bench.recruitment.cpu import CpuClock, listening_pid
from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from llo_shared.bus import Subscription
from llo_shared.bus_kafka import KafkaBus
from llo_shared.envelope import EventEnvelope
from llo_shared.mongo import connect
from llo_shared.outbox import events_in_outbox
from llo_shared.settings import ServiceSettings
from recruitment.app import create_app as recruitment_app
from recruitment.settings import RecruitmentSettings
from tests.fixtures.apps import bearer, running
from tests.fixtures.broker import delete_topics
from tests.fixtures.catalogue_data import read_cohorts_from_now, schedule_private_cohort
from tests.fixtures.recruitment_data import FUNDING, INTAKE
from tests.reliability.stack import LocalStack

PROVIDER, RMT = "BRIN-25LH", "RMT-FLEVOLAND"
DECISIONS = ("ParticipantEnrolled", "ParticipantWaitlisted")
# The topic the stack's recruitment writes applications' events to (without its namespace).
APPLICATION_TOPIC = RecruitmentSettings.model_fields["application_topic"].default
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
        with MongoClient[dict[str, Any]](url, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(name)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# The funnel ----------------------------------------------------------------------------------

Relayed = Callable[[str], Awaitable[None]]


class Walker:
    """Takes applications through the funnel over `http` and learns of each seat decision from the
    application topic (`on_event`, a consumer of its own), not by polling the store."""

    def __init__(self, http: Any, tokens: ServiceSettings, cohort_id: str, relayed: Relayed | None) -> None:
        self.http, self.cohort_id = http, cohort_id
        self.provider = bearer(tokens, "provider", PROVIDER)
        self.rmt = bearer(tokens, "rmt", RMT)
        # The baseline's discipline: before each next write, wait until this one's events are out.
        self.relayed = relayed
        self.step_seconds: dict[str, list[float]] = defaultdict(list)
        self.decided: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.arrived: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.stuck: list[str] = []

    async def on_event(self, event: EventEnvelope) -> None:
        self.arrived[str(event.event_id)].set()
        if event.event_type in DECISIONS:
            self.decided[event.payload["application_id"]].set()

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
        body: dict[str, Any] = {
            "cohort_id": self.cohort_id,
            "channel": "uwv",
            "consent": True,
            "applicant": {"name": f"Bench Deelnemer {n}", "email": f"bench{n}@voorbeeld.nl"},
        }
        created = await self.step("register", "POST", "/recruitment/api/v1/applications", body, self.rmt)
        app_id = created["application_id"]
        transitions: tuple[dict[str, Any], ...] = (
            {"to": "intake_planned"},
            {"to": "intake_done", "intake": INTAKE},
            {"to": "admitted"},
            {"to": "enrolment_requested", "funding": FUNDING},
        )
        for body in transitions:
            if self.relayed is not None:
                await self.relayed(app_id)
            url = f"/recruitment/api/v1/applications/{app_id}/transitions"
            await self.step(body["to"], "POST", url, body, self.provider)
        try:
            async with asyncio.timeout(60):
                await self.decided[app_id].wait()
        except TimeoutError:
            self.stuck.append(app_id)

    async def walk_all(self, count: int, in_flight: int) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(count):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                await self.walk(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(in_flight)))

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


def infrastructure_pids(infra: Any) -> dict[str, int | None]:
    """The broker's and the store's processes, when they run on this machine as this user."""
    return {
        "ferretdb": listening_pid(urlsplit(infra.mongo_url).port or 27017),
        "kafka": listening_pid(int(infra.kafka.rsplit(":", 1)[1])),
    }


async def figures(
    walker: Walker,
    seconds: float,
    cpu: dict[str, Any],
    applications: Any,
    catalogue_http: Any,
    serialised: bool,
    count: int,
    in_flight: int,
) -> dict[str, Any]:
    """One funnel's figures; the applications as stored (their history holds the round trip's
    two ends, both stamped by recruitment) are read after the clock."""
    docs = await applications.find({"cohort_id": walker.cohort_id}).to_list(None)
    stages = {s: sum(1 for d in docs if d["stage"] == s) for s in ("enrolled", "waitlisted")}
    trips = [t for t in (round_trip_seconds(d) for d in docs) if t is not None]
    cohort = await catalogue_http.get(
        f"/catalogue/api/v1/cohorts/{walker.cohort_id}", headers=walker.provider
    )
    return {
        "mode": "serialised on the relay (baseline)" if serialised else "steps back to back (new)",
        "applications": count,
        "in_flight": in_flight,
        "seconds": round(seconds, 2),
        "applications_per_s": round(count / seconds, 2),
        "outcome": stages,
        "catalogue_seats_taken": cohort.json().get("seats_taken"),
        "stuck": len(walker.stuck),
        "round_trip_ms": p50_p99(trips),
        "api_step_ms": p50_p99(walker.all_steps()),
        "api_step_ms_by_step": {name: p50_p99(walker.step_seconds[name]) for name in STEPS},
        "cpu": cpu,
    }


async def schedule_cohort(catalogue_http: Any, tokens: ServiceSettings, cohort_id: str, seats: int) -> None:
    await schedule_private_cohort(
        catalogue_http,
        tokens,
        cohort_id,
        capacity=seats,
        break_even=2,
        starts_in_days=90,
        decided_days_before=30,
    )


# ... each service its own process


def stack_for(infra: Any, tag: str, state: Path) -> LocalStack:
    """Catalogue and recruitment as `make stack` starts them (deploy/local/stack.sh), on the running
    broker and store, with databases and a Kafka namespace of their own; no demo data."""
    return LocalStack(
        state,
        extra_env={
            "LLO_STACK_SERVICES": "catalogue recruitment",
            "LLO_STACK_KAFKA": infra.kafka,
            "LLO_STACK_MONGO_URL": infra.mongo_url,
            "LLO_STACK_ENVIRONMENT": "test",
            "LLO_KAFKA_NAMESPACE": f"{tag}.",
            "LLO_CATALOGUE_MONGO_DATABASE": f"{tag}_cat",
            "LLO_RECRUITMENT_MONGO_DATABASE": f"{tag}_rec",
            "LLO_SESSION_DATABASE": f"{tag}_sessions",
            "LLO_RELAY_POLL_INTERVAL_S": "0.2",  # as the in-process run (a sweep check, not the hot path)
            "LLO_LOG_LEVEL": "WARNING",
        },
    )


def funnel_in_processes(infra: Any, count: int, in_flight: int, *, serialised: bool) -> dict[str, Any]:
    tag = f"bench{uuid.uuid4().hex[:8]}"
    state = Path(tempfile.mkdtemp(prefix="llo-bench-recruitment-"))
    stack = stack_for(infra, tag, state)
    try:
        print(
            f"catalogue and recruitment processes ({tag}): {stack.up(timeout=300).strip()}", file=sys.stderr
        )
        return asyncio.run(drive_processes(infra, stack, tag, count, in_flight, serialised=serialised))
    except Exception:
        for service in ("catalogue", "recruitment"):
            print(f"--- {service} log ---\n{stack.log(service)[-3000:]}", file=sys.stderr)
        raise
    finally:
        print(stack.down(), file=sys.stderr)
        with MongoClient[dict[str, Any]](infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
            for name in (f"{tag}_cat", f"{tag}_rec", f"{tag}_sessions"):
                client.drop_database(name)
        asyncio.run(delete_topics(infra.kafka, f"{tag}."))
        shutil.rmtree(state, ignore_errors=True)


async def drive_processes(
    infra: Any, stack: LocalStack, tag: str, count: int, in_flight: int, *, serialised: bool
) -> dict[str, Any]:
    """This process only sends the requests (real HTTP), watches the application topic and reads
    the stored applications on its own store connection."""
    tokens = ServiceSettings(dev_key_file=stack.state / "dev-signing-key.pem")
    applications = connect(infra.mongo_url, f"{tag}_rec")["applications"]
    cohorts = connect(infra.mongo_url, f"{tag}_rec")["cohorts"]
    cohort_id = f"coh-{tag}"
    watcher = KafkaBus(infra.kafka, client_id="bench-watch", namespace=f"{tag}.")
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with (
        httpx.AsyncClient(base_url=stack.url("catalogue"), timeout=60) as catalogue_http,
        httpx.AsyncClient(base_url=stack.url("recruitment"), timeout=60, limits=limits) as http,
    ):
        await schedule_cohort(catalogue_http, tokens, cohort_id, count)

        async def known() -> bool:
            return await cohorts.find_one({"_id": cohort_id}, {"_id": 1}) is not None

        await wait_for(known, 60, "cohort in recruitment's read model")

        async def published(app_id: str) -> None:
            """The step's events (the application's outbox just after it) all came by on the topic."""
            doc = await applications.find_one({"_id": app_id}, {"outbox": 1})
            entries = events_in_outbox(doc or {})
            if any(e["topic"] != APPLICATION_TOPIC for e in entries):
                raise RuntimeError(f"{app_id}: an event on a topic the watcher does not read")
            async with asyncio.timeout(60):
                for entry in entries:
                    await walker.arrived[entry["event_id"]].wait()

        walker = Walker(http, tokens, cohort_id, published if serialised else None)
        watcher.subscribe(Subscription("bench-watch", (APPLICATION_TOPIC,), walker.on_event))
        await watcher.start()
        try:
            pids: dict[str, int | None] = {"bench": os.getpid()}
            pids |= {s: stack.pid(s) for s in ("recruitment", "catalogue")}
            clock = CpuClock(pids | infrastructure_pids(infra))
            started = time.perf_counter()
            await walker.walk_all(count, in_flight)
            seconds = time.perf_counter() - started
            cpu = clock.stop()
            return await figures(
                walker, seconds, cpu, applications, catalogue_http, serialised, count, in_flight
            )
        finally:
            await watcher.stop()


# ... both services in this process


async def funnel_in_process(infra: Any, count: int, in_flight: int, *, serialised: bool) -> dict[str, Any]:
    tag = f"bench{uuid.uuid4().hex[:8]}"
    catalogue_settings, settings = settings_for(infra, tag)
    await read_cohorts_from_now(infra.kafka, "recruitment.cohorts" + settings.consumer_group_suffix)
    await read_offerings_from_now(infra.kafka, "recruitment.offerings" + settings.consumer_group_suffix)
    cohort_id = f"coh-{tag}"
    catalogue, recruitment = catalogue_app(catalogue_settings), recruitment_app(settings)
    watcher = KafkaBus(infra.kafka, client_id="bench-watch")
    try:
        async with running(catalogue) as cat_http, running(recruitment) as http:
            await schedule_cohort(cat_http, catalogue_settings, cohort_id, count)
            store = recruitment.state.recruitment.store
            relay = recruitment.state.runtime.relay

            async def known() -> bool:
                return await store.cohort(cohort_id) is not None

            await wait_for(known, 60, "cohort in recruitment's read model")

            async def published(app_id: str) -> None:
                """The step's events (the application's outbox just after it) all left the relay."""
                doc = await store.applications.find_one({"_id": app_id}, {"outbox": 1})
                ids = [e["event_id"] for e in events_in_outbox(doc or {})]

                async def out() -> bool:
                    return all(relay.has_published(i) for i in ids)

                await wait_for(out, 60, f"outbox of {app_id}", every=0.005)

            walker = Walker(http, settings, cohort_id, published if serialised else None)
            watcher.subscribe(
                Subscription(f"bench-watch-{tag}", (settings.application_topic,), walker.on_event)
            )
            await watcher.start()
            calls_before = dict(CALLS.count)
            clock = CpuClock({"bench": os.getpid(), **infrastructure_pids(infra)})
            started = time.perf_counter()
            await walker.walk_all(count, in_flight)
            seconds = time.perf_counter() - started
            cpu = clock.stop()
            assert calls_before.keys() <= CALLS.count.keys()
            result = await figures(
                walker, seconds, cpu, store.applications, cat_http, serialised, count, in_flight
            )
            return result | {
                "store_per_application": {
                    "recruitment": CALLS.of(f"{tag}_rec", count),
                    "catalogue": CALLS.of(f"{tag}_cat", count),
                },
            }
    finally:
        await watcher.stop()
        with MongoClient[dict[str, Any]](infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
            for name in (f"{tag}_cat", f"{tag}_rec"):
                client.drop_database(name)


def bench(count: int, in_flight: int, raw_documents: int, only: str | None) -> dict[str, Any]:
    """Each part in an event loop of its own: a stack of processes is started and stopped around
    its funnel in plain code, so that it is stopped whatever happens inside."""
    infra = real_infrastructure()
    result: dict[str, Any] = {"infrastructure": infra.source}
    result["store_ceiling"] = asyncio.run(store_ceiling(infra.mongo_url, raw_documents, in_flight))
    if only in (None, "processes"):
        result["baseline"] = funnel_in_processes(infra, count, in_flight, serialised=True)
        result["new"] = funnel_in_processes(infra, count, in_flight, serialised=False)
    if only in (None, "in-process"):
        result["in_process"] = {
            "baseline": asyncio.run(funnel_in_process(infra, count, in_flight, serialised=True)),
            "new": asyncio.run(funnel_in_process(infra, count, in_flight, serialised=False)),
        }
    return result


# The report ----------------------------------------------------------------------------------


def funnels(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The funnels this run measured, headline first, each with its column title."""
    found = []
    if "new" in result:
        found += [("own processes: baseline", result["baseline"]), ("own processes: **new**", result["new"])]
    if "in_process" in result:
        inside = result["in_process"]
        found += [("in this process: baseline", inside["baseline"]), ("in this process: new", inside["new"])]
    return found


def closeness(result: dict[str, Any]) -> dict[str, Any]:
    """How close the new path gets to the store: a step against one raw write (the headline set-up),
    and the funnel's store calls (counted in this process) against the calls per second one
    connection allows."""
    raw = result["store_ceiling"]
    write_ms = raw["update_by_id_ms"]["p50"]
    new = result.get("new") or result["in_process"]["new"]
    close = {
        "step_p50_in_raw_writes": round(new["api_step_ms"]["p50"] / write_ms, 1),
        "step_p99_in_raw_writes": round(new["api_step_ms"]["p99"] / write_ms, 1),
    }
    if "in_process" not in result:
        return close
    per_app = result["in_process"]["new"]["store_per_application"]
    calls = per_app["recruitment"]["calls"] + per_app["catalogue"]["calls"]
    store_ms = per_app["recruitment"]["ms"] + per_app["catalogue"]["ms"]
    return close | {
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


def cpu_cell(figures: dict[str, Any] | None) -> str:
    return "not seen" if figures is None else f"{figures['cpu_s']} s ({figures['cores']} cores)"


CPU_ROWS = (
    ("bench", "this process (HTTP client and topic watcher; in this process: also both services)"),
    ("recruitment", "recruitment process"),
    ("catalogue", "catalogue process"),
    ("ferretdb", "FerretDB (shared server)"),
    ("kafka", "Kafka (shared broker)"),
)


def everything_else(cpu: dict[str, Any]) -> str:
    largest = "; ".join(f"`{p['process'][:48]}` {p['cpu_s']} s" for p in cpu["everything_else_top"])
    return f"{cpu['everything_else_cpu_s']} s" + (f" (largest: {largest})" if largest else "")


def cpu_rows(measured: list[tuple[str, dict[str, Any]]]) -> str:
    clocks = [f["cpu"] for _, f in measured]
    lines = [
        row(name, *(cpu_cell(c["by_process"][key]) if key in c["by_process"] else "-" for c in clocks))
        for key, name in CPU_ROWS
    ]
    lines += [
        row("everything else on the machine", *(everything_else(c) for c in clocks)),
        row(
            "machine busy (of its cores)",
            *(
                f"{c['machine_busy_cpu_s']} s ({c['machine_busy_cores']} of {c['machine_cores']})"
                for c in clocks
            ),
        ),
        row("stolen by the hypervisor", *(f"{c['machine_stolen_cpu_s']} s" for c in clocks)),
        row(
            "load average (1 min), start -> end",
            *(f"{c['load_average_1m']['start']} -> {c['load_average_1m']['end']}" for c in clocks),
        ),
    ]
    return "\n".join(lines)


def report(result: dict[str, Any]) -> str:
    r, m = result["recruitment"], result["machine"]
    raw, close = r["store_ceiling"], r["closeness"]
    measured = funnels(r)
    new = measured[1][1] if measured else {}
    in_flight = new["in_flight"]
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
        o = f["outcome"]
        seats = f"seats {f['catalogue_seats_taken']}; stuck {f['stuck']}"
        return f"{o['enrolled']} enrolled, {o['waitlisted']} waitlisted; {seats}"

    head = row("figure", *(title for title, _ in measured), "goal")
    rule = "|" + "---|" * (len(measured) + 2)
    funnel_rows = "\n".join(
        [
            row(
                "one funnel step through the JSON API, p50 / p99",
                *(pair(f["api_step_ms"]) for _, f in measured),
                "p99 < 50 ms",
            ),
            row(
                "enrolment round trip (recruitment -> catalogue seat decision -> recorded), p50 / p99",
                *(pair(f["round_trip_ms"]) for _, f in measured),
                "p99 < 150 ms",
            ),
            row(
                "applications through the whole funnel per second",
                *(f["applications_per_s"] for _, f in measured),
                ">= 20/s",
            ),
            row("wall clock", *(f"{f['seconds']} s" for _, f in measured), ""),
            row("outcome", *(outcome(f) for _, f in measured), ""),
        ]
    )
    step_head = row("step", *(title for title, _ in measured))
    step_rule = "|" + "---|" * (len(measured) + 1)
    step_rows = "\n".join(
        row(name, *(pair(f["api_step_ms_by_step"][name], "") for _, f in measured)) for name in STEPS
    )
    cpu_head = row("CPU during the clock: seconds (cores on average)", *(title for title, _ in measured))
    return f"""# Recruitment funnel benchmark

Machine: {m["cpu"]}, {m["cores"]} cores, {m["memory_gib"]} GiB, Python {m["python"]} ({m["when"]}).
Load average (1 min) {m["load_average_1m_at_start"]} at the start, {result["load_average_1m_at_end"]} at
the end. {result["load_note"]}
Kafka and the Mongo-compatible server run on the same machine ({r["infrastructure"]}).
{"Quick run." if result["quick"] else "Full run."} Every part below ran in this one run, in the order shown.

Two set-ups of the same funnel, each with a baseline and the new path:

- **Each service its own process** (the headline; `baseline` and `new` in result.json): catalogue
  and recruitment run as `llo serve` (uvicorn) processes that `deploy/local/stack.sh up` starts
  (`LLO_STACK_SERVICES="catalogue recruitment"`) on the running broker and store, each with its own
  database, one store connection and a Kafka namespace of their own, started afresh for each
  funnel and stopped after it (`LLO_RELAY_POLL_INTERVAL_S=0.2` as in this process; the relay is
  woken by writes, the poll only checks whether a sweep is due). This process only sends the
  requests (real HTTP over loopback, up to {in_flight} keep-alive connections), watches the
  application topic with a consumer of its own, and after the clock reads the stored applications
  on a store connection of its own.
- **In this process** (`in_process` in result.json): both services in the benchmark's process,
  called through httpx's ASGITransport, so PyMongo's command monitoring sees each of their store
  calls (the breakdown below). One Python thread then runs the HTTP client, both services, their
  Kafka clients and relays.

{in_short(r)}

## The store's ceiling (same server, one connection)

| raw single-document operation ({raw["documents"]} documents of 2.5 KB) | value (ms) |
|---|---|
{ceiling_rows}

## The funnel: {new["applications"]} applications, {in_flight} in flight

Baseline: each step waits until the previous step's events are published before the next write
(what the old write path needed: its relay wrote the aggregate, and FerretDB loses one of two
concurrent updates). It reads the application's outbox just after the step (by `_id`) and waits
for every event in it: with separate processes until the benchmark's consumer of the application
topic has received each event id (published by recruitment's relay and delivered by Kafka); in
this process until recruitment's relay says it published them. New: steps back to back, as people
click (the relay only reads aggregates and records progress in its own ledger).

{head}
{rule}
{funnel_rows}

Per step, p50 / p99 in ms:

{step_head}
{step_rule}
{step_rows}

## Where the CPU goes

CPU seconds (user + system, all threads, from `/proc/<pid>/stat`) of each process during each
funnel's clock, and the machine's (`/proc/stat`); "cores" is CPU seconds per second of the clock.
FerretDB and Kafka are the shared servers, found by the port they listen on; "everything else" is
the machine's busy time minus the processes named (the stack's idle gateway, the kernel, other
people's work on this machine).

{cpu_head}
{step_rule}
{cpu_rows(measured)}

{closeness_text(r, close, raw)}

Round trip: from the recruitment write that holds `EnrolmentRequested` through the relay, Kafka, the
catalogue's seat decision and its outbox, Kafka again, to the recruitment write that records
`enrolled`; both ends are stamped by recruitment's clock. The benchmark learns of each decision from
the application topic (a consumer of its own), not by polling the store.
"""


def cores(funnel: dict[str, Any], process: str) -> str:
    used = funnel["cpu"]["by_process"].get(process)
    return "?" if used is None else f"{used['cores']}"


def in_short(r: dict[str, Any]) -> str:
    """The run in a few sentences: the headline figures and where the CPU went."""
    if "new" not in r or "in_process" not in r:
        return ""
    own, inside = r["new"], r["in_process"]["new"]
    busy = own["cpu"]["machine_busy_cores"], inside["cpu"]["machine_busy_cores"]

    def figures(f: dict[str, Any]) -> str:
        return (
            f"{f['applications_per_s']} applications/s, step p99 {f['api_step_ms']['p99']} ms, "
            f"round trip p99 {f['round_trip_ms']['p99']} ms"
        )

    return f"""## In short

- New path, each service its own process: **{figures(own)}**; with both services in this process:
  {figures(inside)}.
- In this process, the benchmark's one process (one Python thread runs the HTTP client, both
  services, their Kafka clients and relays) used {cores(inside, "bench")} cores of CPU on average, FerretDB
  {cores(inside, "ferretdb")}, Kafka {cores(inside, "kafka")}; the machine was busy {busy[1]} of
  {inside["cpu"]["machine_cores"]} cores.
- Each service its own process: the benchmark process (HTTP client, topic watcher) used
  {cores(own, "bench")} cores, recruitment {cores(own, "recruitment")}, catalogue
  {cores(own, "catalogue")}, FerretDB {cores(own, "ferretdb")}, Kafka {cores(own, "kafka")}; the machine
  was busy {busy[0]} of {own["cpu"]["machine_cores"]} cores (table "Where the CPU goes")."""


def closeness_text(r: dict[str, Any], close: dict[str, Any], raw: dict[str, Any]) -> str:
    lines = [
        "## How close to the store",
        "",
        f"- One step of the headline new path costs {close['step_p50_in_raw_writes']} raw writes at p50",
        f"  and {close['step_p99_in_raw_writes']} at p99 (a raw `update_one` by `_id`:",
        f"  {raw['update_by_id_ms']['p50']} ms).",
    ]
    if "in_process" not in r:
        return "\n".join(lines)
    per_app = r["in_process"]["new"]["store_per_application"]

    def store_rows(service: str) -> str:
        top = list(per_app[service]["by_command"].items())[:8]
        return ", ".join(f"`{c}` {v['calls']} x = {v['ms']} ms" for c, v in top)

    lines += [
        f"- One application costs {close['store_calls_per_application']} store calls taking",
        f"  {close['store_ms_per_application']} ms on the wire and in the server (counted in this",
        f"  process's new path: recruitment {per_app['recruitment']['calls']} calls /",
        f"  {per_app['recruitment']['ms']} ms, catalogue {per_app['catalogue']['calls']} calls /",
        f"  {per_app['catalogue']['ms']} ms). If each",
        "  service's one connection were busy all the time, the busier one would allow",
        f"  {close['applications_per_s_if_store_bound_one_connection_each']} applications/s.",
        "- Where the store time goes, per application (`command collection {filter fields}`; on FerretDB",
        "  1.24 only a filter of `_id` alone uses an index, any other is a scan of the collection):",
        f"  recruitment: {store_rows('recruitment')}; catalogue: {store_rows('catalogue')}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small run for development")
    parser.add_argument(
        "--only",
        choices=("processes", "in-process"),
        help="one set-up only: each service its own process, or both in this process",
    )
    parser.add_argument(
        "--load-note",
        default="When the load average is above the number of cores, other work shared the machine: absolute "
        "figures are then pessimistic; the funnels ran in the same run, one after the other.",
        help="a sentence on the machine's load during the run",
    )
    args = parser.parse_args()
    # A stop by SIGTERM unwinds like Ctrl-C, so the finally blocks stop the service processes.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    count, in_flight, raw = (24, 8, 300) if args.quick else (200, 8, 1000)
    result: dict[str, Any] = {
        "benchmark": "recruitment",
        "machine": machine(),
        "quick": args.quick,
        "load_note": args.load_note,
    }
    result["recruitment"] = bench(count, in_flight, raw, args.only)
    result["recruitment"]["closeness"] = closeness(result["recruitment"])
    result["load_average_1m_at_end"] = round(os.getloadavg()[0], 1)
    write_report(Path(__file__).parent, result, report(result))


if __name__ == "__main__":
    main()
