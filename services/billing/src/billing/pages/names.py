"""Names instead of ids on the finance pages: a cohort is shown as its training and start date
(domain.naming, as on the documents' lines), an administration by its name. Read from billing's
own read models (offerings, cohorts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from billing.domain.naming import cohort_label
from billing.store import COHORTS, OFFERINGS

UNKNOWN_COHORT = "onbekend startmoment"  # its CohortScheduled has not reached billing (yet)


async def training_names(db: Any, cohort_ids: Iterable[str | None]) -> dict[str, str]:
    """{cohort id: "Helpende Zorg & Welzijn, start 01-10-2026"} for the cohorts billing knows.
    Two reads for the whole list, not two per row."""
    wanted = sorted({c for c in cohort_ids if c})
    if not wanted:
        return {}
    cohorts = await db[COHORTS].find({"_id": {"$in": wanted}}).to_list(None)
    offering_ids = sorted({c["offering_id"] for c in cohorts if c.get("offering_id")})
    offerings = await db[OFFERINGS].find({"_id": {"$in": offering_ids}}).to_list(None)
    by_id = {o["_id"]: o for o in offerings}
    return {cohort["_id"]: cohort_label(cohort, by_id.get(cohort.get("offering_id"))) for cohort in cohorts}


def training_name(names: dict[str, str], cohort_id: str | None) -> str:
    """The name for one cohort; a cohort billing has not heard of yet is "onbekend startmoment"."""
    if not cohort_id:
        return ""
    return names.get(cohort_id, UNKNOWN_COHORT)
