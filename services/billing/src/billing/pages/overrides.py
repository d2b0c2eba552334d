"""Price overrides as a page: every private price below the integral cost that finance allowed,
with who, when and why (the same rows as the API's overrides report, which also gives the CSV)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from billing.pages.administration import finance_entity, finance_refused
from billing.pages.deps import PagesOf
from billing.pages.names import training_name, training_names
from billing.store import OFFERINGS
from billing.usecases.reports import price_overrides
from llo_shared.demo_users import demo_user_of
from llo_shared.pages import PagePrincipal

router = APIRouter(include_in_schema=False)


@router.get("/billing/afwijkingen", response_class=HTMLResponse)
async def overrides(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    db = request.app.state.runtime.db
    rows = await price_overrides(db, entity["_id"])
    return pages.render(
        request,
        "overrides.html",
        principal,
        title="Prijsafwijkingen",
        entity=entity,
        rows=[row | {"what": what, "who": who_of(row.get("by"))} for row, what in await named(db, rows)],
    )


async def named(db: Any, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Each override with what it is for: the training (an offering), or a training's start date."""
    cohorts = await training_names(db, (r["ref"] for r in rows if r["scope"] == "cohort"))
    offering_ids = [r["ref"] for r in rows if r["scope"] == "offering"]
    offerings = await db[OFFERINGS].find({"_id": {"$in": offering_ids}}, {"title": 1}).to_list(None)
    titles = {o["_id"]: o.get("title") or "opleiding" for o in offerings}
    return [
        (
            row,
            f"{titles.get(row['ref'], 'onbekende opleiding')} (alle startmomenten)"
            if row["scope"] == "offering"
            else training_name(cohorts, row["ref"]),
        )
        for row in rows
    ]


def who_of(subject: str | None) -> str:
    """The person behind a token's subject where we know the name (demo users), else the subject."""
    user = demo_user_of(subject or "")
    return user.name if user else (subject or "onbekend")
