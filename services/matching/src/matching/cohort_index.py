"""The cohort index behind every match query and pooling run, cached: rebuilt only when the read
model changed.

The read model carries a version counter that each applied catalogue event increments, so
every replica notices a change even when another replica consumed the event.
"""

from __future__ import annotations

import asyncio
from typing import Any

from matching.domain.ranking import CohortIndex
from matching.store import ReadModel


class CohortIndexCache:
    """The latest `CohortIndex` of the read model, built once per read-model version."""

    def __init__(self, db: Any) -> None:
        self.read_model = ReadModel(db)
        self._index: CohortIndex | None = None
        self._version = -1
        self._lock = asyncio.Lock()

    async def current(self) -> CohortIndex:
        version = await self.read_model.version()
        if self._index is not None and version == self._version:
            return self._index
        async with self._lock:
            if self._index is None or version != self._version:
                offerings = await self.read_model.offerings()
                cohorts = await self.read_model.cohorts()
                self._index = CohortIndex(offerings, cohorts)
                self._version = version
        return self._index
