"""Demo data: entity settings and cost models for ROC van Flevoland; invoices arise from events."""

from typing import Any


async def seed_demo(runtime: Any) -> None:
    return None
