"""Support of the recruitment service tests: the app on an in-memory bus shared with a catalogue
double, so the saga runs the way it runs between processes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from llo_shared.bus_memory import InProcessBus
from recruitment.settings import RecruitmentSettings
from tests.fixtures.apps import bearer

PROVIDER = "BRIN-25LH"
RMT = "RMT-FLEVOLAND"


@dataclass
class Service:
    client: httpx.AsyncClient
    bus: InProcessBus
    catalogue: Any
    settings: RecruitmentSettings
    app: Any

    def auth(
        self, role: str = "provider", org: str = PROVIDER, region: str | None = "flevoland"
    ) -> dict[str, str]:
        return bearer(self.settings, role, org, region)

    @property
    def recruitment(self) -> Any:
        return self.app.state.recruitment

    async def settle(self) -> None:
        """Let relay and consumers finish everything in flight (outbox -> bus -> handlers)."""
        for _ in range(6):
            await self.app.state.runtime.relay.relay_once()
            await self.bus.drain(timeout=20)

    def published(self, topic: str, event_type: str | None = None) -> list[dict[str, Any]]:
        import json

        messages = [m for partition in self.bus.broker.log(topic) for m in partition]
        events = [json.loads(m.value) for m in messages]
        return [e for e in events if event_type is None or e["event_type"] == event_type]
