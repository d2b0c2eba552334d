"""Load: the public search and the public application form under 50 concurrent users (issue 12).

The users are coroutines in this process; the system under test runs in others, on loopback:
  - the embedded demo (`llo demo`: all four services in one process, memory stores), and
  - the real stack (deploy/local/stack.sh: Kafka, FerretDB, each service its own process, the
    gateway in front), started in a state folder and on ports of its own, and stopped afterwards.
Each user, for the scenario's duration: search, open a page of results (GET /catalogue/?q=...);
or open the application form and send it (GET then POST /recruitment/aanmelden, 303 expected).

All users come from 127.0.0.1, and the form's rate limit is per client address (10 a minute,
burst 5: llo_shared.ratelimit). For this measurement it is set through its settings to
LLO_RATE_LIMIT_PER_MINUTE=1000000, LLO_RATE_LIMIT_BURST=1000000: the limit's own cost stays in the
path, it just never says no. Writes bench/load/result.json and REPORT.md.

    .venv/bin/python bench/load/run.py [--quick] [--users 50] [--seconds 20] [--only demo|stack]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ROOT, machine, percentile, write_report
from tests.reliability.stack import LocalStack, free_ports

HERE = Path(__file__).resolve().parent
RATE_LIMIT_ENV = {"LLO_RATE_LIMIT_PER_MINUTE": "1000000", "LLO_RATE_LIMIT_BURST": "1000000"}
TERMS = ("verzorgende", "logistiek", "techniek", "zorg", "mbo 3", "lasser", "kok", "", "welzijn", "ict")


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def note(self, started: float, status: str, ok: bool) -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.statuses[status] += 1
        self.errors += 0 if ok else 1

    def summary(self, seconds: float) -> dict[str, Any]:
        n = len(self.latencies_ms)
        return {
            "requests": n,
            "requests_per_s": round(n / seconds, 1),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "max_ms": round(max(self.latencies_ms, default=0), 1),
            "errors": self.errors,
            "statuses": dict(self.statuses),
        }


async def timed(tally: Tally, http: httpx.AsyncClient, method: str, url: str, expect: int, **kw: Any) -> None:
    started = time.perf_counter()
    try:
        response = await http.request(method, url, **kw)
        tally.note(started, str(response.status_code), response.status_code == expect)
    except httpx.HTTPError as error:
        tally.note(started, type(error).__name__, False)


async def search_user(http: httpx.AsyncClient, n: int, until: float, tally: Tally, _: list[str]) -> None:
    i = n
    while time.monotonic() < until:
        term = TERMS[i % len(TERMS)]
        await timed(tally, http, "GET", "/catalogue/", 200, params={"q": term} if term else None)
        i += 1


async def form_user(http: httpx.AsyncClient, n: int, until: float, tally: Tally, cohorts: list[str]) -> None:
    i = 0
    while time.monotonic() < until:
        cohort = cohorts[(n + i) % len(cohorts)]
        await timed(tally, http, "GET", "/recruitment/aanmelden", 200, params={"cohort": cohort})
        form = {
            "cohort_id": cohort,
            "name": f"Belasting Gebruiker {n}",
            "email": f"gebruiker{n}.{i}@voorbeeld.nl",
            "consent": "ja",
            "betaler": "ikzelf",
            "factuur_straat": f"Dorpsstraat {i + 1}",
            "factuur_postcode": "1315 ZQ",
            "factuur_plaats": "Almere",
        }
        await timed(tally, http, "POST", "/recruitment/aanmelden", 303, data=form)
        i += 1


async def scenario(base: str, user: Any, users: int, seconds: float, cohorts: list[str]) -> dict[str, Any]:
    tally = Tally()
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits, follow_redirects=False) as http:
        # Same-origin headers, as the browser sends them with the form (the CSRF check wants them).
        http.headers.update({"Origin": base, "Sec-Fetch-Site": "same-origin"})
        until = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(user(http, n, until, tally, cohorts) for n in range(users)))
        return tally.summary(time.monotonic() - started)


async def open_cohorts(base: str) -> list[str]:
    """Cohorts open to people who pay themselves that the public form accepts (up to 20)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for _ in range(120):
            found = await http.get("/catalogue/api/v1/cohorts", params={"limit": 100})
            items = found.json().get("items", []) if found.status_code == 200 else []
            private = [c["cohort_id"] for c in items if "private" in c.get("funding_kinds", [])]
            usable = []
            for cohort in private[:40]:
                form = await http.get("/recruitment/aanmelden", params={"cohort": cohort})
                if form.status_code == 200:
                    usable.append(cohort)
            if usable:
                return usable[:20]
            await asyncio.sleep(1)
    raise SystemExit("no cohort takes applications on the public form")


async def measure(base: str, users: int, seconds: float) -> dict[str, Any]:
    """Each scenario with one user first (the baseline: the same system and machine, unloaded by
    us), then with `users` at once."""
    cohorts = await open_cohorts(base)
    found: dict[str, Any] = {}
    for name, user in (("search", search_user), ("application_form", form_user)):
        found[f"{name}, 1 user"] = await scenario(base, user, 1, seconds / 2, cohorts)
        found[f"{name}, {users} users"] = await scenario(base, user, users, seconds, cohorts)
    return found


def wait_ready(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def on_demo(users: int, seconds: float) -> dict[str, Any]:
    [port] = free_ports(1)
    env = {**os.environ, **RATE_LIMIT_ENV}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/llo"), "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/catalogue/healthz")
        return asyncio.run(measure(base, users, seconds))
    finally:
        server.terminate()
        server.wait(30)


def on_stack(users: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="llo-load-") as state:
        stack = LocalStack(Path(state), extra_env={**RATE_LIMIT_ENV, "LLO_STACK_ENVIRONMENT": "demo"})
        try:
            stack.up()
            return asyncio.run(measure(stack.gateway, users, seconds))
        finally:
            stack.down()


def report(result: dict[str, Any]) -> str:
    lines = [
        "# Load: public search and application form, concurrent users",
        "",
        f"{result['users']} users (coroutines in a second process, loopback), {result['seconds']} s per "
        "scenario, each after a baseline of 1 user for half that time in the same run. "
        "Search: GET /catalogue/?q=... (10 terms). Form: GET + POST /recruitment/aanmelden "
        "(303 expected). The form's rate limit per client address was set for the test to "
        "LLO_RATE_LIMIT_PER_MINUTE=1000000, LLO_RATE_LIMIT_BURST=1000000 (all users share 127.0.0.1).",
        "",
        f"Machine: {result['machine']['cores']} cores, {result['machine']['cpu']}; load average at start "
        f"{result['load_average_at_start']}, at the end {result['load_average_at_end']} (shared with other "
        "engineers' test runs: the figures are lower bounds).",
        "",
        "| system | scenario | requests | req/s | p50 ms | p99 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for system, scenarios in result["systems"].items():
        for name, s in scenarios.items():
            lines.append(
                f"| {system} | {name} | {s['requests']} | {s['requests_per_s']} | {s['p50_ms']} | "
                f"{s['p99_ms']} | {s['errors']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 s per scenario")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--only", choices=("demo", "stack"))
    args = parser.parse_args()
    seconds = 5 if args.quick else args.seconds
    result: dict[str, Any] = {
        "machine": machine(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "users": args.users,
        "seconds": seconds,
        "rate_limit": RATE_LIMIT_ENV,
        "systems": {},
    }
    if args.only in (None, "demo"):
        result["systems"]["embedded demo"] = on_demo(args.users, seconds)
    if args.only in (None, "stack"):
        result["systems"]["real stack"] = on_stack(args.users, seconds)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    write_report(HERE, result, report(result))
    errors = sum(s["errors"] for scenarios in result["systems"].values() for s in scenarios.values())
    if errors:
        raise SystemExit(f"{errors} errors under load")


if __name__ == "__main__":
    main()
