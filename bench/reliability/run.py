"""Faults on the real stack, full size (issue 12): 2,000 enrolments over 50 cohorts through
recruitment, the catalogue and billing, each its own process as `make stack` starts them, while
billing is SIGKILLed three times, the catalogue is restarted and the broker is stopped and started
once (tests/reliability/faults.py; its reduced size runs in `make test`).

Starts a stack of its own (own ports, own state folder: the shared broker and store are not
touched), runs, counts, stops it. Writes bench/reliability/result.json, REPORT.md and
docs/reliability.md; exits 1 if a promise was broken.

    .venv/bin/python bench/reliability/run.py [--quick] [--enrolments 2000] [--cohorts 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ROOT, machine, write_report
from tests.reliability import faults
from tests.reliability.stack import LocalStack

HERE = Path(__file__).resolve().parent
DOC = ROOT / "docs" / "reliability.md"
# docs/reliability.md below this line is written by hand (a bug a run found, the audit): kept when a
# run writes its figures above it.
HAND_WRITTEN = "<!-- written by hand below: bench/reliability/run.py keeps it -->"


def with_hand_written(markdown: str) -> str:
    """The run's figures, followed by what docs/reliability.md holds below HAND_WRITTEN."""
    old = DOC.read_text() if DOC.exists() else ""
    if HAND_WRITTEN not in old:
        return markdown
    return markdown.rstrip("\n") + "\n\n" + old[old.index(HAND_WRITTEN) :]


def report(result: dict[str, Any]) -> str:
    f = result["figures"]
    recover = [x["seconds_to_ready"] for x in f["faults"]]
    lines = [
        "# Reliability: faults on the real stack",
        "",
        "Measured by `make bench` (bench/reliability/run.py); a reduced run (60 enrolments over 6 "
        "cohorts) is `tests/reliability/test_faults.py` in `make test`. The stack is the one "
        "`make stack` starts (deploy/local/stack.sh): Kafka 3.9 (KRaft), FerretDB 1.24, catalogue, "
        "matching, recruitment and billing each its own process, on ports and a state folder of its own.",
        "",
        f"**{f['enrolments']} enrolments over {f['cohorts']} cohorts** of {f['capacity_per_cohort']} "
        f"seats, {f['concurrency']} at a time, each a person who pays their own seat, through "
        "recruitment's JSON API with a provider's bearer token: register, intake planned, intake "
        "done, admitted, seat requested. The catalogue decides the seat or the waitlist, recruitment "
        "publishes ParticipantEnrolled, billing invoices the seat.",
        "",
        "## Faults during the run",
        "",
        "| fault | after enrolment | down (s) | until all ready (s) |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {x['fault']} | {x['at_enrolment']} | {x['seconds_down']} | {x['seconds_to_ready']} |"
        for x in f["faults"]
    ]
    verdict = "every promise kept" if not result["problems"] else "BROKEN: " + "; ".join(result["problems"])
    kills = sum(x["fault"].startswith("kill") for x in f["faults"])
    lines += [
        "",
        "`kill` is SIGKILL (nothing flushed or committed), `restart` SIGTERM then start, `broker` "
        "kafka.sh stop, 5 s down, kafka.sh start. Each time `stack.sh up` starts what is missing and "
        "returns when every service answers /readyz.",
        "",
        "## Afterwards",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| SIGKILLs of billing | {kills} |",
        f"| time to recover, per fault (s) | {', '.join(str(r) for r in recover)} |",
        f"| requests sent / retried (dropped connection or 5xx) | {f['requests']} / {f['request_retries']} |",
        f"| seconds sending the enrolments | {f['seconds_driving']} |",
        f"| seconds from the last request until all settled | {f['seconds_to_settle']} |",
        f"| events on the broker (all topics) | {f['events_on_broker']} |",
        f"| enrolled / waitlisted / stuck | {f['enrolled']} / {f['waitlisted']} / {f['other_stage']} |",
        f"| invoices / enrolled billed exactly once | {f['invoices']} / {f['billed_once']} |",
        f"| duplicates (an enrolment invoiced twice) | {f['duplicates']} |",
        f"| losses (an enrolment never invoiced) | {f['losses']} |",
        f"| invoices for waitlisted people | {f['invoices_for_waitlisted']} |",
        f"| overbooked cohorts | {f['overbooked_cohorts']} |",
        f"| cohorts whose seat count differs from recruitment's enrolments | {f['seat_count_mismatches']} |",
        f"| unpublished outbox entries per service | {f['unpublished']} |",
        f"| consumer lag, all {f['consumer_groups']} groups | {f['consumer_lag']} |",
        "",
        f"Result: **{verdict}**.",
        "",
        f"Machine: {result['machine']['cores']} cores ({result['machine']['cpu']}), load average at start "
        f"{result['load_average_at_start']}: shared with other engineers' test runs, so the times are "
        "upper bounds.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="60 enrolments over 6 cohorts")
    parser.add_argument("--enrolments", type=int, default=2000)
    parser.add_argument("--cohorts", type=int, default=50)
    args = parser.parse_args()
    enrolments, cohorts = (60, 6) if args.quick else (args.enrolments, args.cohorts)
    load = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="llo-faults-") as state:
        stack = LocalStack(
            Path(state), extra_env={"LLO_STACK_ENVIRONMENT": "test", "LLO_RELAY_POLL_INTERVAL_S": "0.2"}
        )
        try:
            stack.up()
            figures = asyncio.run(
                faults.run(
                    stack,
                    enrolments=enrolments,
                    cohorts=cohorts,
                    settle_timeout_s=1800,
                    say=lambda line: print(line, file=sys.stderr, flush=True),
                )
            )
        finally:
            stack.down()
    result = {
        "machine": machine(),
        "load_average_at_start": load,
        "figures": figures.as_dict(),
        "problems": figures.problems(),
    }
    markdown = report(result)
    write_report(HERE, result, markdown)
    if not args.quick:
        DOC.write_text(with_hand_written(markdown))
    if result["problems"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
