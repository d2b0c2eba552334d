"""Faults on the real stack (issue 12): enrolments flow through recruitment, the catalogue and
billing, each its own process as `make stack` starts them, while billing is SIGKILLed three times,
the catalogue (the seat decider) is restarted and the broker is stopped and started once.

Every enrolment goes through the JSON APIs with bearer tokens, as a provider's system would:
register a person who pays for their own seat, then intake, admission and the seat request. The
catalogue decides the seat (or the waitlist), recruitment publishes ParticipantEnrolled, billing
invoices the seat. Afterwards the stores and the broker are read directly and every promise is
counted: each enrolled person billed exactly once, each cohort's seats as recruitment enrolled
them and never above capacity, every outbox drained, every consumer group at the end of its
partitions. Used by tests/reliability/test_faults.py (small) and bench/reliability/run.py (full)."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from billing.store import OUTBOX_COLLECTIONS as BILLING_OUTBOX
from catalogue.store import OUTBOX_COLLECTIONS as CATALOGUE_OUTBOX
from llo_shared.outbox import OutboxRelay
from matching.store import OUTBOX_COLLECTIONS as MATCHING_OUTBOX
from recruitment.store import OUTBOX_COLLECTIONS as RECRUITMENT_OUTBOX
from tests.fixtures.catalogue_data import PRIVATE_OFFERING
from tests.fixtures.recruitment_data import INTAKE
from tests.reliability.stack import LocalStack

PROVIDER = "BRIN-31RL"
SEAT_PRICE = 640000
OUTBOXES = {
    "catalogue": CATALOGUE_OUTBOX,
    "matching": MATCHING_OUTBOX,
    "recruitment": RECRUITMENT_OUTBOX,
    "billing": BILLING_OUTBOX,
}
STEPS = (
    {"to": "intake_planned"},
    {"to": "intake_done", "intake": INTAKE},
    {"to": "admitted"},
    {"to": "enrolment_requested"},  # the funding the person named: private, paid by themselves
)
RETRYABLE = (httpx.TransportError,)


@dataclass
class Figures:
    enrolments: int
    cohorts: int
    capacity_per_cohort: int
    concurrency: int
    faults: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    request_retries: int = 0
    seconds_driving: float = 0.0
    seconds_to_settle: float = 0.0
    enrolled: int = 0
    waitlisted: int = 0
    other_stage: int = 0
    invoices: int = 0
    billed_once: int = 0
    duplicates: int = 0
    losses: int = 0
    invoices_for_waitlisted: int = 0
    overbooked_cohorts: int = 0
    seat_count_mismatches: int = 0
    unpublished: dict[str, int] = field(default_factory=dict)
    consumer_lag: int = 0
    consumer_groups: int = 0
    events_on_broker: int = 0

    def problems(self) -> list[str]:
        """Every broken promise, in words (empty: all kept)."""
        found = []
        if self.enrolled + self.waitlisted != self.enrolments or self.other_stage:
            found.append(f"{self.other_stage} applications stuck before a seat decision")
        if self.enrolled != min(self.enrolments, self.cohorts * self.capacity_per_cohort):
            found.append(f"{self.enrolled} enrolled, expected every seat filled")
        for name in ("duplicates", "losses", "invoices_for_waitlisted", "overbooked_cohorts"):
            if getattr(self, name):
                found.append(f"{name}: {getattr(self, name)}")
        if self.seat_count_mismatches:
            found.append(f"{self.seat_count_mismatches} cohorts whose seat count differs from the enrolments")
        if any(self.unpublished.values()):
            found.append(f"outboxes not drained: {self.unpublished}")
        if self.consumer_lag:
            found.append(f"consumer lag {self.consumer_lag}")
        return found

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Driver:
    """A provider's system: N people over M cohorts through recruitment's API, a few at a time."""

    def __init__(self, stack: LocalStack, figures: Figures, say: Callable[[str], None]) -> None:
        self.stack, self.figures, self.say = stack, figures, say
        self.done = 0
        # Enrolment n waits for each fault planned before it to be injected: the faults land
        # among the enrolments (not after a fast run), and the enrolments go on while parts are down.
        self.gates: list[tuple[int, asyncio.Event]] = []
        self._provider = {"Authorization": f"Bearer {stack.token('provider', PROVIDER)}"}

    async def call(self, http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request that a dropped connection or a 5xx answer does not end; 4xx are returned."""
        for attempt in range(60):
            self.figures.requests += 1
            try:
                response = await http.request(method, url, headers=self._provider, timeout=60, **kwargs)
                if response.status_code < 500:
                    return response
            except RETRYABLE:
                pass
            self.figures.request_retries += 1
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
        raise RuntimeError(f"{method} {url} kept failing")

    async def set_up(self) -> list[str]:
        """The provider, its private offering and M cohorts in the catalogue."""
        cat = f"{self.stack.url('catalogue')}/catalogue/api/v1"
        async with httpx.AsyncClient() as http:
            provider = {
                "provider_id": PROVIDER,
                "name": "ROC Rivierenland",
                "kind": "roc",
                "institution_code": PROVIDER.removeprefix("BRIN-"),
                "regions": ["flevoland"],
            }
            answer = await self.call(http, "POST", f"{cat}/providers", json=provider)
            assert answer.status_code in (201, 409), answer.text  # 409: a retried request made it
            offering = await self.call(http, "POST", f"{cat}/offerings", json=PRIVATE_OFFERING)
            assert offering.status_code == 201, offering.text
            start = date.today() + timedelta(days=120)
            cohorts = []
            for n in range(self.figures.cohorts):
                cohort = {
                    "cohort_id": f"coh-faults-{n:03d}",
                    "offering_id": offering.json()["offering_id"],
                    "start_date": start.isoformat(),
                    "end_date": (start + timedelta(days=300)).isoformat(),
                    "decision_date": (start - timedelta(days=30)).isoformat(),
                    "municipality": "Almere",
                    "postcode": "1315",
                    "capacity": self.figures.capacity_per_cohort,
                    "break_even": 1,
                    "seat_price_cents": SEAT_PRICE,
                }
                answer = await self.call(http, "POST", f"{cat}/cohorts", json=cohort)
                assert answer.status_code == 201, answer.text
                cohorts.append(cohort["cohort_id"])
        return cohorts

    async def enrol_all(self, cohorts: list[str]) -> None:
        todo: asyncio.Queue[int] = asyncio.Queue()
        for n in range(self.figures.enrolments):
            todo.put_nowait(n)
        async with httpx.AsyncClient(base_url=f"{self.stack.url('recruitment')}/recruitment/api/v1") as http:

            async def worker() -> None:
                while not todo.empty():
                    n = todo.get_nowait()
                    for threshold, injected in self.gates:
                        if n >= threshold:
                            await injected.wait()
                    await self.enrol(http, n, cohorts[n % len(cohorts)])
                    self.done += 1

            await asyncio.gather(*(worker() for _ in range(self.figures.concurrency)))

    async def enrol(self, http: httpx.AsyncClient, n: int, cohort_id: str) -> None:
        body = {
            "cohort_id": cohort_id,
            "applicant": {"name": f"Deelnemer {n}", "email": f"deelnemer{n}@voorbeeld.nl"},
            "consent": True,
            "payer": {
                "who": "self",
                "invoice": {
                    "name": f"Deelnemer {n}",
                    "street": f"Kerkstraat {n + 1}",
                    "postcode": "1315 ZQ",
                    "city": "Almere",
                },
            },
        }
        # Recruitment learns of new cohorts from the catalogue's events: until then it says 422.
        for _ in range(120):
            created = await self.call(http, "POST", "/applications", json=body)
            if created.status_code != 422 or "cohort_id" not in created.text:
                break
            await asyncio.sleep(1)
        assert created.status_code == 201, created.text
        application = created.json()["application_id"]
        for step in STEPS:
            moved = await self.call(http, "POST", f"/applications/{application}/transitions", json=step)
            if moved.status_code == 409 and moved.json().get("current_stage") == step["to"]:
                continue  # a retried request made it: the answer to the first attempt was lost
            assert moved.status_code == 200, f"{step['to']}: {moved.status_code} {moved.text}"


PLAN = (
    (0.15, "kill", "billing"),
    (0.30, "restart", "catalogue"),
    (0.45, "kill", "billing"),
    (0.60, "broker", "kafka"),
    (0.75, "kill", "billing"),
)


async def _faults(stack: LocalStack, driver: Driver, figures: Figures) -> None:
    """Billing SIGKILLed after 15, 45 and 75 % of the enrolments; the catalogue restarted after
    30 %; the broker stopped after 60 % and started 5 s later. After each, `stack.sh up` starts
    what is missing and waits until all answer, while the enrolments go on."""
    for (_, what, target), (threshold, injected) in zip(PLAN, driver.gates, strict=True):
        while driver.done < threshold:
            await asyncio.sleep(0.1)
        started = time.monotonic()
        if what == "kill":
            await asyncio.to_thread(stack.kill, target)
        elif what == "restart":
            await asyncio.to_thread(stack.stop, target)
        else:
            await asyncio.to_thread(stack.kafka_stop)
        injected.set()
        if what == "broker":
            await asyncio.sleep(5)
            await asyncio.to_thread(stack.kafka_start)
        down = time.monotonic() - started
        await asyncio.to_thread(stack.up)
        figures.faults.append(
            {
                "fault": f"{what} {target}",
                "at_enrolment": threshold,
                "seconds_down": round(down, 1),
                "seconds_to_ready": round(time.monotonic() - started, 1),
            }
        )
        driver.say(f"{what} {target}: back after {time.monotonic() - started:.1f}s")


async def run(
    stack: LocalStack,
    *,
    enrolments: int,
    cohorts: int,
    concurrency: int = 6,
    settle_timeout_s: float = 600,
    say: Callable[[str], None] = print,
) -> Figures:
    # About a fifth of the people find their cohort full and wait: the overbooking check bites.
    capacity = max(1, math.floor(enrolments / cohorts * 0.8))
    figures = Figures(enrolments, cohorts, capacity, concurrency)
    driver = Driver(stack, figures, say)
    driver.gates = [(int(share * enrolments), asyncio.Event()) for share, _, _ in PLAN]
    ids = await driver.set_up()
    say(f"{cohorts} cohorts of {capacity} seats; enrolling {enrolments} people")
    started = time.monotonic()
    await asyncio.gather(driver.enrol_all(ids), _faults(stack, driver, figures))
    figures.seconds_driving = round(time.monotonic() - started, 1)
    say(f"{enrolments} enrolments sent in {figures.seconds_driving}s; waiting for the stack to settle")
    settled = time.monotonic()
    await _settle(stack, figures, settle_timeout_s)
    figures.seconds_to_settle = round(time.monotonic() - settled, 1)
    return figures


async def _settle(stack: LocalStack, figures: Figures, timeout_s: float) -> None:
    """Count until everything is decided, billed, relayed and consumed, or the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        await count(stack, figures)
        if not figures.problems() or time.monotonic() > deadline:
            return
        await asyncio.sleep(3)


async def count(stack: LocalStack, figures: Figures) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo_url)
    try:
        await _count_stores(client, figures)
    finally:
        await client.close()
    figures.consumer_lag, figures.consumer_groups, figures.events_on_broker = await consumer_lag(stack.kafka)


async def _count_stores(client: Any, figures: Figures) -> None:
    applications = (
        await client["recruitment"]["applications"]
        .find({"provider_id": PROVIDER}, {"stage": 1, "cohort_id": 1, "enrolment": 1})
        .to_list(None)
    )
    stages = Counter(a["stage"] for a in applications)
    figures.enrolled, figures.waitlisted = stages["enrolled"], stages["waitlisted"]
    figures.other_stage = len(applications) - figures.enrolled - figures.waitlisted
    enrolled_per_cohort = Counter(a["cohort_id"] for a in applications if a["stage"] == "enrolled")

    invoices = (
        await client["billing"]["documents"]
        .find({"kind": "invoice", "enrolment_id": {"$exists": True}}, {"enrolment_id": 1})
        .to_list(None)
    )
    per_enrolment = Counter(d["enrolment_id"] for d in invoices)
    figures.invoices = len(invoices)
    enrolled = [
        (a.get("enrolment") or {}).get("enrolment_id") for a in applications if a["stage"] == "enrolled"
    ]
    waiting = {
        (a.get("enrolment") or {}).get("enrolment_id") for a in applications if a["stage"] == "waitlisted"
    }
    figures.billed_once = sum(per_enrolment[e] == 1 for e in enrolled)
    figures.losses = sum(per_enrolment[e] == 0 for e in enrolled)
    figures.duplicates = sum(c - 1 for c in per_enrolment.values() if c > 1)
    figures.invoices_for_waitlisted = sum(per_enrolment[e] for e in waiting if e)

    cohorts = (
        await client["catalogue"]["cohorts"]
        .find({"provider_id": PROVIDER}, {"seats_taken": 1, "capacity": 1})
        .to_list(None)
    )
    figures.overbooked_cohorts = sum(c["seats_taken"] > c["capacity"] for c in cohorts)
    figures.seat_count_mismatches = sum(c["seats_taken"] != enrolled_per_cohort[c["_id"]] for c in cohorts)

    for service, collections in OUTBOXES.items():
        relay = OutboxRelay(client[service], collections, bus=None, service=service)
        figures.unpublished[service] = await relay.unpublished()


async def consumer_lag(bootstrap: str) -> tuple[int, int, int]:
    """(total lag of every consumer group, groups, messages on the broker). A group's lag on a
    partition of a topic it reads is the partition's end less the group's committed offset; a
    partition it never committed counts from 0 (the bus reads a new group from the earliest)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        groups = [g[0] if isinstance(g, tuple) else g.group_id for g in await admin.list_consumer_groups()]
        topics = [t for t in await admin.list_topics() if not t.startswith("__")]
        described = await admin.describe_topics(topics)
        partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        lag = 0
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            committed = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
            read = {tp.topic for tp in committed}
            lag += sum(max(0, end - committed.get(tp, 0)) for tp, end in ends.items() if tp.topic in read)
        return lag, len(groups), sum(ends.values())
    finally:
        await consumer.stop()
        await admin.close()
