#!/usr/bin/env bash
# Every benchmark in bench/, each writing bench/<name>/result.json and REPORT.md.
# Extra arguments (say --quick) are passed to each.
set -euo pipefail
cd "$(dirname "$0")/.."
for runner in bench/*/run.py; do
  echo "== ${runner%/run.py}" >&2
  .venv/bin/python "$runner" "$@"
done
