"""One periodic background task for every service: run a job, log a failed pass, sleep, repeat,
until stopped (cancel and wait). The catalogue's decision sweep and search sync and matching's
pooling schedule run on it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


class PeriodicTask:
    """Runs `job` every `interval_s` seconds in the background.

    A failed pass is logged on `log` with `failure` and the loop carries on: one bad pass must not
    stop the next. `sleep` is injectable so tests can drive a manual clock; `sleep_first` waits one
    interval before the first pass (for jobs whose first pass ran already at start-up)."""

    def __init__(
        self,
        job: Callable[[], Awaitable[object]],
        interval_s: float,
        *,
        log: logging.Logger,
        failure: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sleep_first: bool = False,
    ) -> None:
        self._job, self._interval, self._log, self._failure = job, interval_s, log, failure
        self._sleep, self._sleep_first = sleep, sleep_first
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        if self._sleep_first:
            await self._sleep(self._interval)
        while True:
            try:
                await self._job()
            except Exception:
                self._log.exception(self._failure)
            await self._sleep(self._interval)

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end; a task never started or already stopped is fine."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
