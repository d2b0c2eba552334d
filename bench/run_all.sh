#!/usr/bin/env bash
# Every benchmark in bench/, each writing bench/<name>/result.json and REPORT.md.
# Extra arguments (say --quick) are passed to each. Among them: bench/reliability (faults on a
# stack of its own, 2,000 enrolments over 50 cohorts; also writes docs/reliability.md) and
# bench/load (50 concurrent users on the embedded demo and on a stack of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
for runner in bench/*/run.py; do
  echo "== ${runner%/run.py}" >&2
  .venv/bin/python "$runner" "$@"
done
