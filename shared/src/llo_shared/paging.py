"""One page of a list answer (DESIGN.md, "API conventions"): `items`, `total` and `next`.

The cursor is the position of the next page's first item in a deterministic order: the list's own
sort keys, then `_id`, so equal keys never swap places between two requests. `store_page` pushes the
order, the skip and the limit to the store, so a list never loads every document to show fifty;
`page_of` pages a list that is already in memory (one merged from several sources, or filtered on
a value computed after reading), with the same cursors and the same problems for a bad one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from llo_shared.problems import Problem

Sort = Sequence[tuple[str, int]]  # (field, 1 ascending | -1 descending), as the store takes it


def offset_of(cursor: str | None) -> int:
    """Where the page starts; a cursor this API did not hand out is a 400 naming it."""
    try:
        start = int(cursor) if cursor else 0
    except ValueError:
        start = -1
    if start < 0:
        raise Problem(400, "bad-request", "Invalid cursor", "cursor must come from a previous page")
    return start


def answer(items: list[Any], total: int, start: int, limit: int) -> dict[str, Any]:
    following = start + limit
    return {"items": items, "total": total, "next": str(following) if following < total else None}


def page_of(items: Sequence[Any], cursor: str | None, limit: int) -> dict[str, Any]:
    """A page of a list held in memory, which its caller sorted deterministically."""
    start = offset_of(cursor)
    return answer(list(items[start : start + limit]), len(items), start, limit)


def deterministic(sort: Sort) -> list[tuple[str, int]]:
    """The sort with `_id` last (in the direction of the last key), so ties keep their order."""
    keys = list(sort)
    if not keys or keys[-1][0] != "_id":
        keys.append(("_id", keys[-1][1] if keys else 1))
    return keys


async def store_page(
    collection: Any,
    query: dict[str, Any],
    sort: Sort,
    cursor: str | None,
    limit: int,
    view: Callable[[dict[str, Any]], Any],
    projection: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A page read from the store: sorted, skipped and limited there; `view` shapes each item."""
    start = offset_of(cursor)
    total = await collection.count_documents(query)
    if start >= total:  # past the end (a cursor may be beyond what the store can skip)
        return answer([], total, start, limit)
    found = collection.find(query, projection).sort(deterministic(sort)).skip(start).limit(limit)
    return answer([view(d) for d in await found.to_list(None)], total, start, limit)
