"""Shared bits of the benchmarks: machine description, percentiles, real infrastructure, reports."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
