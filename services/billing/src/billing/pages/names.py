"""Names instead of ids on the finance pages: a cohort is shown as its training and start date,
an administration by its name. Read from billing's own read models (offerings, cohorts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from billing.store import COHORTS, OFFERINGS
from llo_shared.dutch import datum_kort


async def training_names(db: Any, cohort_ids: Iterable[str | None]) -> dict[str, str]:
    """{cohort id: "Helpende Zorg & Welzijn, start 01-10-2026"} for the cohorts billing knows.
    Two reads for the whole list, not two per row."""
    wanted = sorted({c for c in cohort_ids if c})
    if not wanted:
        return {}
    cohorts = await db[COHORTS].find({"_id": {"$in": wanted}}).to_list(None)
    offering_ids = sorted({c["offering_id"] for c in cohorts if c.get("offering_id")})
    offerings = await db[OFFERINGS].find({"_id": {"$in": offering_ids}}).to_list(None)
    titles = {o["_id"]: o.get("title") for o in offerings}
    names = {}
    for cohort in cohorts:
        title = titles.get(cohort.get("offering_id")) or "opleiding"
        start = cohort.get("start_date")
        names[cohort["_id"]] = f"{title}, start {datum_kort(start)}" if start else title
    return names


def training_name(names: dict[str, str], cohort_id: str | None) -> str:
    """The name for one cohort; a cohort billing has not heard of yet is "onbekende uitvoering"."""
    if not cohort_id:
        return ""
    return names.get(cohort_id, "onbekende uitvoering")
