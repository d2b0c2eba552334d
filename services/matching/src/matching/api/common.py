"""What every router shares: the use-case object, roles, the query of a page (llo_shared.paging)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from llo_shared.auth import Principal, require_roles
from matching.usecases import Matching

MAX_PAGE = 100


def matching(request: Request) -> Matching:
    return request.app.state.matching


UseCases = Annotated[Matching, Depends(matching)]
Commissioner = Annotated[Principal, Depends(require_roles("employer", "rmt"))]
MobilityTeam = Annotated[Principal, Depends(require_roles("rmt"))]
Reader = Annotated[Principal, Depends(require_roles("employer", "rmt"))]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")]
TopK = Annotated[int, Query(ge=1, le=50)]


def listing(items: list[dict[str, Any]], total: int, next_cursor: str | None) -> dict[str, Any]:
    """A list answer built here: top-k matches and a region's fill come whole, in one page; lists
    that page read their pages through `Aggregates.page` (llo_shared.paging)."""
    return {"items": items, "total": total, "next": next_cursor}
