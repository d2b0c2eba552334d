"""In-process timing of the catalogue search index on the benchmark's data (no HTTP).

Builds the index from bench/catalogue/run.py's generator and times each benchmark query through
the same parameter model and index call the endpoint uses; `--profile` adds a cProfile listing.

Usage: .venv/bin/python bench/catalogue/profile_search.py [--offerings 50000] [--repeat 50] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pickle
import pstats
import statistics
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bench.catalogue.run import QUERIES, concrete, generate  # noqa: E402


def documents(offerings: int) -> tuple[list[dict], list[dict]]:
    """The generator takes seconds at 50k: keep its output for the day in /tmp."""
    cache = Path(f"/tmp/llo-bench-catalogue-docs-{offerings}-{date.today()}.pickle")
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    docs = generate(offerings, 3)
    cache.write_bytes(pickle.dumps(docs))
    return docs


def main() -> None:
    from catalogue.api.search import LIST_PARAMS, SearchParams
    from catalogue.search import SearchIndex

    parser = argparse.ArgumentParser()
    parser.add_argument("--offerings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    offering_docs, cohort_docs = documents(args.offerings)
    started = time.perf_counter()
    index = SearchIndex()
    for doc in offering_docs:
        index.upsert_offering(doc)
    for doc in cohort_docs:
        index.upsert_cohort(doc)
    print(f"index built in {time.perf_counter() - started:.1f} s")

    def run(raw: dict) -> int:
        params = SearchParams.model_validate(
            {k: [v] if k in LIST_PARAMS and isinstance(v, str) else v for k, v in raw.items()}
        )
        result = index.search(params.to_query(None, None, date.today()), None, params.limit)
        body = {"items": result.items, "total": result.total, "facets": result.facets}
        return len(json.dumps(body))

    queries = [concrete(q) for q in QUERIES]
    for q in queries:
        run(q)  # warm caches
    all_times = []
    for n, q in enumerate(queries, 1):
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            size = run(q)
            times.append((time.perf_counter() - t) * 1000)
        all_times += times
        print(f"q{n}: median {statistics.median(times):6.2f} ms  min {min(times):6.2f} ms  bytes {size}")
    print(f"all: mean {statistics.mean(all_times):.2f} ms  median {statistics.median(all_times):.2f} ms")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            for q in queries:
                run(q)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
