"""Pooling without anyone pressing a button: a region is pooled a few seconds after its demand or
candidates change (debounced: a burst of changes is one run), and every region with open demand or
active candidates on a schedule (new cohorts and seats arrive by events, so a quiet region's
proposals stay current too). Runs go one at a time through `Matching.run_pooling`, which holds the
pooling lease, so replicas and the mobility team's own runs never overlap.

The clock is injected: `WallClock` in the service, `ManualClock` in tests (time moves when the test
says so, no sleeping on the wall clock)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from llo_shared.periodic import PeriodicTask

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """Time that moves only by `advance`; a sleeper wakes once time has passed its deadline."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + timedelta(seconds=seconds), future))
        await future

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        waiting = []
        for deadline, future in self._sleepers:
            if deadline <= self._now:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((deadline, future))
        self._sleepers = waiting


class PoolingSchedule:
    """When each region is next pooled. Pure bookkeeping; `PoolingRunner` does the runs."""

    def __init__(self, clock: Clock, debounce_s: float, interval_s: float) -> None:
        self.clock, self.debounce_s, self.interval_s = clock, debounce_s, interval_s
        self._due: dict[str, datetime] = {}  # region -> when its debounced run is due
        self._changed: dict[str, datetime] = {}  # region -> its latest change
        self.next_sweep = clock.now() + timedelta(seconds=interval_s)

    def changed(self, region: str) -> None:
        """A demand or candidate of the region changed. The first change of a burst sets the run;
        later ones ride along (a steady stream still gets a run every `debounce_s`)."""
        now = self.clock.now()
        self._changed[region] = now
        self._due.setdefault(region, now + timedelta(seconds=self.debounce_s))

    def pooled(self, region: str, started_at: datetime) -> None:
        """A run that started after the region's latest change covers it (say the page's own run)."""
        if self._changed.get(region, started_at) <= started_at:
            self._due.pop(region, None)

    def give_up(self, region: str) -> None:
        self._due.pop(region, None)

    def due(self) -> list[str]:
        now = self.clock.now()
        return sorted(region for region, at in self._due.items() if at <= now)

    def sweep_due(self) -> bool:
        return self.clock.now() >= self.next_sweep

    def swept(self) -> None:
        self.next_sweep = self.clock.now() + timedelta(seconds=self.interval_s)

    def next_run(self, region: str) -> datetime:
        """When the region's proposals are next computed: its debounced run, else the schedule."""
        return min(self._due.get(region, self.next_sweep), self.next_sweep)


class PoolingRunner:
    """The loop: every `tick_s` it runs the regions that are due, one at a time; on the schedule it
    pools every region that has something to pool and was not pooled within the interval (so more
    replicas do not mean more runs). One region's failure is logged and left for
    the next run; the other regions still pool."""

    def __init__(
        self,
        schedule: PoolingSchedule,
        pool: Callable[[str], Awaitable[object]],
        regions: Callable[[datetime], Awaitable[list[str]]],
        tick_s: float = 1.0,
    ) -> None:
        self.schedule, self._pool, self._regions = schedule, pool, regions
        self.tick_s = min(tick_s, schedule.debounce_s) if schedule.debounce_s > 0 else tick_s
        self._task: PeriodicTask | None = None

    async def run_once(self) -> list[str]:
        """Pool what is due now; answers the regions it pooled."""
        regions = self.schedule.due()
        if self.schedule.sweep_due():
            self.schedule.swept()
            # every region not pooled since the last sweep (by this replica or another one)
            since = self.schedule.clock.now() - timedelta(seconds=self.schedule.interval_s)
            regions = sorted(set(regions) | set(await self._regions(since)))
        pooled = []
        for region in regions:
            started = self.schedule.clock.now()
            try:
                await self._pool(region)
            except Exception:  # not every second: the next change or the schedule tries again
                log.exception("scheduled pooling failed", extra={"region": region})
                self.schedule.give_up(region)
                continue
            self.schedule.pooled(region, started)
            pooled.append(region)
        return pooled

    def start(self) -> None:
        # a failed pass means reading the regions failed: try again on the next tick
        self._task = PeriodicTask(
            self.run_once,
            self.tick_s,
            log=log,
            failure="pooling schedule failed",
            sleep=self.schedule.clock.sleep,
        )
        self._task.start()

    async def stop(self) -> None:
        if self._task:
            await self._task.stop()
