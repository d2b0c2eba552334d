"""The one periodic background task: a failed pass is logged and the next pass still runs; the
sleep is the injected one; `sleep_first` waits before the first pass; stop() cancels and waits."""

from __future__ import annotations

import asyncio
import logging

from llo_shared.periodic import PeriodicTask

log = logging.getLogger("test.periodic")


class CountingSleep:
    """Records the requested sleeps and lets the loop go on at once."""

    def __init__(self) -> None:
        self.requested: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)
        await asyncio.sleep(0)


async def test_a_failed_pass_is_logged_and_the_next_pass_runs(caplog) -> None:
    passes: list[int] = []
    third = asyncio.Event()

    async def job() -> None:
        passes.append(len(passes))
        if len(passes) == 1:
            raise RuntimeError("store away")
        if len(passes) == 3:
            third.set()

    sleep = CountingSleep()
    task = PeriodicTask(job, 7.5, log=log, failure="job failed", sleep=sleep)
    with caplog.at_level(logging.ERROR, logger="test.periodic"):
        task.start()
        await asyncio.wait_for(third.wait(), 5)
        await task.stop()
    assert [r.getMessage() for r in caplog.records if r.name == "test.periodic"] == ["job failed"]
    assert len(passes) >= 3
    assert set(sleep.requested) == {7.5}
    assert not task.running


async def test_sleep_first_waits_one_interval_before_the_first_pass() -> None:
    order: list[str] = []
    ran = asyncio.Event()

    async def sleep(seconds: float) -> None:
        order.append("sleep")
        await asyncio.sleep(0)

    async def job() -> None:
        order.append("job")
        ran.set()

    task = PeriodicTask(job, 1.0, log=log, failure="job failed", sleep=sleep, sleep_first=True)
    task.start()
    await asyncio.wait_for(ran.wait(), 5)
    await task.stop()
    assert order[:2] == ["sleep", "job"]


async def test_stop_ends_a_loop_that_is_sleeping_and_is_safe_twice() -> None:
    task = PeriodicTask(lambda: asyncio.sleep(0), 3600, log=log, failure="job failed")
    await task.stop()  # never started
    task.start()
    await asyncio.sleep(0)
    assert task.running
    await task.stop()
    assert not task.running
    await task.stop()
