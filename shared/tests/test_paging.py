"""The one pagination helper: pages read from the store (both adapters) in a deterministic order,
the same cursors and answers as a list paged in memory, and a 400 for a cursor it did not hand out."""

from __future__ import annotations

import pytest

from llo_shared.paging import deterministic, page_of, store_page
from llo_shared.problems import Problem

# Days repeat, so only `_id` tells some documents apart.
DOCUMENTS = [{"_id": f"d{i:02}", "day": f"2026-0{1 + i % 3}-01", "n": i} for i in range(11)]


def newest_first_in_memory() -> list[dict]:
    return sorted(DOCUMENTS, key=lambda d: (d["day"], d["_id"]), reverse=True)


async def walk(database, limit: int) -> tuple[list[dict], list[int]]:
    """Every page from the first cursor to the last: the items in order, and each page's total."""
    items, totals, cursor = [], [], None
    while True:
        answer = await store_page(database["docs"], {}, [("day", -1)], cursor, limit, dict)
        items += answer["items"]
        totals.append(answer["total"])
        cursor = answer["next"]
        if cursor is None:
            return items, totals


async def test_store_pages_follow_the_sort_with_id_breaking_ties(database):
    await database["docs"].insert_many([dict(d) for d in DOCUMENTS])
    items, totals = await walk(database, limit=4)
    assert [d["_id"] for d in items] == [d["_id"] for d in newest_first_in_memory()]
    assert totals == [11, 11, 11]


async def test_a_store_page_answers_as_the_same_list_paged_in_memory(database):
    await database["docs"].insert_many([dict(d) for d in DOCUMENTS])
    for cursor in (None, "4", "8", "10"):
        stored = await store_page(database["docs"], {}, [("day", -1)], cursor, 4, dict)
        assert stored == page_of(newest_first_in_memory(), cursor, 4)


async def test_the_view_shapes_each_item_and_the_query_counts(database):
    await database["docs"].insert_many([dict(d) for d in DOCUMENTS])
    answer = await store_page(database["docs"], {"n": {"$lt": 3}}, [("n", 1)], None, 2, lambda d: d["n"])
    assert answer == {"items": [0, 1], "total": 3, "next": "2"}


async def test_a_cursor_past_the_end_is_an_empty_page(database):
    await database["docs"].insert_many([dict(d) for d in DOCUMENTS])
    for cursor in ("11", "99999999999999999999"):  # the second is more than the store can skip
        answer = await store_page(database["docs"], {}, [("day", -1)], cursor, 4, dict)
        assert answer == {"items": [], "total": 11, "next": None}


@pytest.mark.parametrize("cursor", ["x", "-4", "1.5"])
def test_a_cursor_not_handed_out_is_a_400(cursor):
    with pytest.raises(Problem) as refused:
        page_of([1, 2, 3], cursor, 2)
    assert refused.value.status == 400


def test_the_order_ends_on_id_in_the_direction_of_the_last_key():
    assert deterministic([("day", -1)]) == [("day", -1), ("_id", -1)]
    assert deterministic([("day", 1), ("_id", -1)]) == [("day", 1), ("_id", -1)]
    assert deterministic([]) == [("_id", 1)]
