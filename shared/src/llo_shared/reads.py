"""Read schemas: what the JSON API's routes answer, as their `response_model`.

A Read schema names and types the fields a client may rely on, so the OpenAPI document shows them
and a view that breaks them fails (a 500 in tests, not a surprise in a client). It allows more
(`extra="allow"`): stored documents grow additively within v1, and whatever a view carries beyond
the schema passes through unchanged. Routes answer with `response_model_exclude_unset=True`, so a
field the view leaves out stays out rather than appearing as null. (A route annotated
`-> dict[str, Any]` was already serialised by pydantic, so values are written as before.)
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class ReadSchema(BaseModel):
    """Base of every Read schema (see the module text)."""

    model_config = ConfigDict(extra="allow")


Item = TypeVar("Item")


class Page(ReadSchema, Generic[Item]):
    """A list answer (DESIGN.md, "API conventions"): one page of items, how many in all, the next cursor."""

    items: list[Item]
    total: int
    next: str | None = None
