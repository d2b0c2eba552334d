"""In-process timing of the catalogue search index on the benchmark's data (no HTTP).

Builds the index from bench/catalogue/run.py's generator and times each benchmark query through
the same parameter model and index call the endpoint uses; `--profile` adds a cProfile listing.
`--whole-app` instead calls the catalogue's ASGI app directly (routing, middlewares, dependencies,
the index, the JSON) and a bare FastAPI app serving the same page, both without HTTP or a client:
the CPU each request costs the server, and so the highest req/s ratio one worker can reach.

Usage: .venv/bin/python bench/catalogue/profile_search.py [--offerings 50000] [--repeat 50] [--profile]
       [--whole-app]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pickle
import pstats
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bench.catalogue.run import QUERIES, catalogue_settings, concrete, generate  # noqa: E402


def documents(offerings: int) -> tuple[list[dict], list[dict]]:
    """The generator takes seconds at 50k: keep its output for the day in /tmp."""
    cache = Path(f"/tmp/llo-bench-catalogue-docs-{offerings}-{date.today()}.pickle")
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    docs = generate(offerings, 3)
    cache.write_bytes(pickle.dumps(docs))
    return docs


def asgi_scope(url: str) -> dict[str, Any]:
    """The scope uvicorn would hand the app for a GET of `url` (no headers beyond Host)."""
    target = httpx.URL(url)
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": target.path,
        "raw_path": target.raw_path.split(b"?")[0],
        "query_string": target.query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: Any, scope: dict[str, Any]) -> tuple[int, bytes]:
    """One request straight through the ASGI app: its status and body."""
    status, body = 0, bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        status = message.get("status", status)
        body.extend(message.get("body", b""))

    await app(dict(scope), receive, send)  # the app may change its scope
    return status, bytes(body)


async def cpu_ms_per_request(app: Any, urls: list[str], rounds: int) -> float:
    """Process CPU time per request over `rounds` passes of `urls` through the ASGI app."""
    scopes = [asgi_scope(url) for url in urls]
    for scope in scopes:  # warm caches
        await call(app, scope)
    statuses = set()
    started = time.process_time()
    for _ in range(rounds):
        for scope in scopes:
            statuses.add((await call(app, scope))[0])
    used = time.process_time() - started
    assert statuses == {200}, f"unexpected statuses {statuses}"
    return used * 1000 / (rounds * len(scopes))


def whole_app(offerings: int, repeat: int) -> None:
    from fastapi import FastAPI

    from catalogue.app import create_app

    app = create_app(catalogue_settings())
    offering_docs, cohort_docs = documents(offerings)
    for doc in offering_docs:
        app.state.search_index.upsert_offering(doc)
    for doc in cohort_docs:
        app.state.search_index.upsert_cohort(doc)
    search_urls = [
        str(httpx.URL("http://127.0.0.1:8000/catalogue/api/v1/search", params=concrete(q))) for q in QUERIES
    ]

    async def measure() -> None:
        async with app.router.lifespan_context(app):
            search_ms = await cpu_ms_per_request(app, search_urls, repeat)
            first_page = json.loads((await call(app, asgi_scope(search_urls[0])))[1])
        bare = FastAPI()

        @bare.get("/bare")
        def bare_page() -> dict[str, Any]:
            return first_page

        bare_ms = await cpu_ms_per_request(bare, ["http://127.0.0.1:8000/bare"], repeat * len(search_urls))
        print(f"search, whole app: {search_ms:.3f} ms CPU/request; bare FastAPI, same page: {bare_ms:.3f} ms")
        print(f"highest req/s ratio for one worker each: {bare_ms / search_ms:.2f}")

    asyncio.run(measure())


def main() -> None:
    from catalogue.api.search import LIST_PARAMS, SearchParams
    from catalogue.search import SearchIndex

    parser = argparse.ArgumentParser()
    parser.add_argument("--offerings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--whole-app", action="store_true", help="CPU per request of the whole app")
    args = parser.parse_args()
    if args.whole_app:
        whole_app(args.offerings, args.repeat)
        return

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
