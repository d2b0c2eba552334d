"""Shared bits of the benchmarks: machine description, percentiles, real infrastructure, reports."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import monitoring

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_1m_at_start": round(os.getloadavg()[0], 1),
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return (
        statistics.quantiles(ordered, n=1000, method="inclusive")[int(q * 10) - 1]
        if len(ordered) > 1
        else ordered[0]
    )


def real_infrastructure():  # type: ignore[no-untyped-def]
    """The same provisioning as the integration tests (environment, testcontainers, deploy/local)."""
    from tests.fixtures.infra import provision

    infra = provision()
    if infra.error:
        raise SystemExit(f"benchmark needs the real broker and store: {infra.error}")
    print(f"infrastructure: {infra.source}", file=sys.stderr)
    return infra


def write_report(folder: Path, result: dict[str, Any], markdown: str) -> None:
    (folder / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    (folder / "REPORT.md").write_text(markdown)
    print(markdown)
    print(f"wrote {folder / 'result.json'} and {folder / 'REPORT.md'}", file=sys.stderr)


class StoreCalls(monitoring.CommandListener):
    """Every command the store answered, by database and by command, collection and filter fields
    (`update docs {_id,version}`): how many, and their time on the wire and in the server."""

    def __init__(self) -> None:
        self.count: dict[tuple[str, str], int] = defaultdict(int)
        self.micros: dict[tuple[str, str], int] = defaultdict(int)
        self._labels: dict[int, str] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self._labels[event.request_id] = label(event.command_name, event.command)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        name = self._labels.pop(event.request_id, event.command_name)
        self.count[(event.database_name, name)] += 1
        self.micros[(event.database_name, name)] += event.duration_micros

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        name = self._labels.pop(event.request_id, event.command_name)
        self.count[(event.database_name, name)] += 1
        self.micros[(event.database_name, name)] += event.duration_micros

    def of(self, database: str, per: int) -> dict[str, Any]:
        rows = {
            command: {
                "calls": round(self.count[(db, command)] / per, 2),
                "ms": round(self.micros[(db, command)] / per / 1000, 2),
            }
            for (db, command) in sorted(self.count)
            if db == database
        }
        return {
            "calls": round(sum(r["calls"] for r in rows.values()), 1),
            "ms": round(sum(r["ms"] for r in rows.values()), 1),
            "by_command": dict(sorted(rows.items(), key=lambda kv: -kv[1]["ms"])),
        }


def label(command_name: str, command: Any) -> str:
    """`find cohorts {_id}`: a filter naming only `_id` is an index lookup on FerretDB, any other
    is a scan of the collection."""
    collection = command.get(command_name, "")
    if command_name == "getMore":
        return f"getMore {command.get('collection', '')}"
    if command_name == "find":
        shape = command.get("filter", {})
    elif command_name in ("update", "delete"):
        key = "updates" if command_name == "update" else "deletes"
        shape = (command.get(key) or [{}])[0].get("q", {})
    elif command_name == "findAndModify":
        shape = command.get("query", {})
    else:
        return f"{command_name} {collection}"
    return f"{command_name} {collection} {{{','.join(shape)}}}"


def store_calls() -> StoreCalls:
    """Count every store command of this process from now on (clients made after this call)."""
    calls = StoreCalls()
    monitoring.register(calls)
    return calls
