"""GET /search: Dutch full text, every attribute filter, distance, start window, seats, facets."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails, to_json

from catalogue.api.deps import MAX_PAGE, Index, Store, Viewer
from catalogue.api.reads import PlacesPage, SearchPage, SkillsPage
from catalogue.domain import geo
from catalogue.domain.vocab import (
    CredentialType,
    Domain,
    Funding,
    LearningMode,
    Leerweg,
    LessonTime,
    LocationKind,
    ProviderKind,
    Registration,
    StartPolicy,
    TargetGroup,
)
from catalogue.search import SearchQuery, SearchResult
from catalogue.search_order import decode_cursor, encode_cursor
from llo_shared.dates import Day
from llo_shared.problems import Problem
from llo_shared.skills import load_skills

router = APIRouter(tags=["search"])
Sort = Literal["relevance", "start_date", "distance", "price"]


class Level(IntEnum):
    entree = 1
    two = 2
    three = 3
    four = 4


class SearchParams(BaseModel):
    """Query parameters; repeat a parameter to accept several values (OR within a field)."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(default="", max_length=200)
    credential_type: list[CredentialType] = []
    leerweg: list[Leerweg] = []
    level: list[Level] = []
    domain: list[Domain] = []
    target_group: list[TargetGroup] = []
    learning_mode: list[LearningMode] = []
    location_kind: list[LocationKind] = []
    lesson_time: list[LessonTime] = []
    start_policy: list[StartPolicy] = []
    funding: list[Funding] = []
    registration: list[Registration] = []
    provider_kind: list[ProviderKind] = []
    provider_id: list[Annotated[str, Field(max_length=20)]] = Field(default=[], max_length=20)
    code: list[Annotated[str, Field(pattern=r"^(\d{5}|K\d{4})$")]] = Field(default=[], max_length=20)
    skill: list[str] = Field(default=[], max_length=20)
    region: list[str] = Field(default=[], max_length=10)
    own_pace: bool | None = None
    free_module_order: bool | None = None
    exemptions_possible: bool | None = None
    requires_workplace: bool | None = None
    intake_required: bool | None = None
    max_price_cents: int | None = Field(default=None, ge=0)
    start_from: Day | None = None
    start_until: Day | None = None
    min_seats_left: int | None = Field(default=None, ge=1, le=500)
    start_guaranteed: bool | None = None
    near: str | None = Field(
        default=None, max_length=60, description="postcode (PC4 or full) or municipality"
    )
    max_distance_km: float | None = Field(default=None, gt=0, le=300)
    sort: Sort = "relevance"
    limit: int = Field(default=20, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(default=None, max_length=500)

    @field_validator("skill")
    @classmethod
    def known_skills(cls, values: list[str]) -> list[str]:
        unknown = load_skills().unknown(values)
        if unknown:
            raise ValueError(f"unknown skill id(s): {', '.join(unknown)}")
        return values

    @field_validator("region")
    @classmethod
    def known_regions(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in geo.REGIONS]
        if unknown:
            raise ValueError(f"unknown region(s): {', '.join(unknown)}; known: {', '.join(geo.REGIONS)}")
        return values

    @field_validator("near")
    @classmethod
    def known_place(cls, value: str | None) -> str | None:
        if value is not None and geo.locate(value) is None:
            raise ValueError("unknown postcode or municipality in the covered regions")
        return value

    @model_validator(mode="after")
    def consistent(self) -> SearchParams:
        if self.max_distance_km is not None and not self.near:
            raise ValueError("max_distance_km: needs near (a postcode or municipality)")
        if self.sort == "distance" and not self.near:
            raise ValueError("sort: distance needs near (a postcode or municipality)")
        if self.start_from and self.start_until and self.start_until < self.start_from:
            raise ValueError("start_until: is before start_from")
        return self

    def to_query(self, viewer_org: str | None, viewer_role: str | None, today: date) -> SearchQuery:
        equals: dict[str, set[str]] = {}
        for name in (
            "credential_type",
            "leerweg",
            "level",
            "domain",
            "target_group",
            "learning_mode",
            "location_kind",
            "lesson_time",
            "start_policy",
            "funding",
            "registration",
            "provider_kind",
            "provider_id",
            "code",
            "skill",
        ):
            values = getattr(self, name)
            if values:
                equals[name] = {str(v.value if hasattr(v, "value") else v) for v in values}
        flags = {
            f: getattr(self, f)
            for f in (
                "own_pace",
                "free_module_order",
                "exemptions_possible",
                "requires_workplace",
                "intake_required",
            )
            if getattr(self, f) is not None
        }
        return SearchQuery(
            text=self.q,
            equals=equals,
            flags=flags,
            max_price_cents=self.max_price_cents,
            region=set(self.region),
            start_from=self.start_from,
            start_until=self.start_until,
            min_seats_left=self.min_seats_left,
            start_guaranteed=self.start_guaranteed,
            near=geo.locate(self.near) if self.near else None,
            max_distance_km=self.max_distance_km,
            sort=self.sort,
            viewer_org=viewer_org,
            viewer_role=viewer_role,
            today=today,
        )


LIST_PARAMS = frozenset(
    name
    for name, info in SearchParams.model_fields.items()
    if getattr(info.annotation, "__origin__", None) is list
)


async def search_params(request: Request) -> SearchParams:
    """Read the raw query and validate it in one model, so every error names its parameter.
    (async: no thread-pool hop for pure CPU work.)

    Repeated parameters are lists (OR within a field); an unknown parameter is a 422 too.
    """
    query = request.query_params
    raw: dict[str, Any] = {}
    for name in query:
        values = [v for v in query.getlist(name) if v != ""]  # an empty form field means "no filter"
        if values:
            raw[name] = values if name in LIST_PARAMS else values[-1]
    try:
        return SearchParams.model_validate(raw)
    except ValidationError as error:
        raise RequestValidationError(
            [
                {**e, "loc": ("query", *e["loc"]) if e["loc"] else ("query", _field_of(e))}
                for e in error.errors()
            ]
        ) from None


def openapi_parameters() -> list[dict[str, Any]]:
    schema = SearchParams.model_json_schema()
    properties = schema["properties"]
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": properties[name],
            "explode": True,
            "style": "form",
        }
        for name in SearchParams.model_fields
    ]


def _field_of(error: ErrorDetails) -> str:
    """Model-level errors start their message with the field they are about ("near: ...")."""
    head = str(error.get("msg", "")).removeprefix("Value error, ").split(":", 1)[0]
    return head if head in SearchParams.model_fields else "query"


Params = Annotated[SearchParams, Depends(search_params)]


def run_search(
    index: Index, store: Store, params: SearchParams, viewer_org: str | None, viewer_role: str | None
) -> SearchResult:
    after = None
    if params.cursor:
        values = decode_cursor(params.cursor)
        if not values or values[0] != params.sort:
            raise Problem(
                400, "bad-cursor", "Invalid cursor", "cursor belongs to another sort", field="cursor"
            )
        after = values[1:]
    return index.search(params.to_query(viewer_org, viewer_role, store.today()), after, params.limit)


@router.get(
    "/search",
    openapi_extra={"parameters": openapi_parameters()},
    response_model=SearchPage,
    response_model_exclude_unset=True,
)
async def search(params: Params, index: Index, store: Store, viewer: Viewer) -> Response:
    """Answered from the index's pre-encoded item parts, not through the response model: a page
    of twenty items is otherwise validated and encoded afresh on every request, which cost more
    than the search itself (the bytes are the model's, tests/test_search.py holds them to it)."""
    result = run_search(index, store, params, viewer.org if viewer else None, viewer.role if viewer else None)
    next_cursor = encode_cursor([params.sort, *result.next_key]) if result.next_key else None
    body = b'{"items":[%s],"total":%d,"next":%s,"facets":%s}' % (
        b",".join(hit.item_json() for hit in result.hits),
        result.total,
        to_json(next_cursor),
        to_json(result.facets),
    )
    return Response(body, media_type="application/json")


@router.get("/skills", response_model=SkillsPage, response_model_exclude_unset=True)
def skills() -> dict[str, Any]:
    reference = load_skills()
    return {
        "version": reference.version,
        "items": [{"id": s.id, "label": s.label, "domain": s.domain} for s in reference.skills],
        "total": len(reference),
        "next": None,
    }


@router.get("/places", response_model=PlacesPage, response_model_exclude_unset=True)
def places() -> dict[str, Any]:
    items = [
        {"municipality": p.municipality, "region": p.region, "pc4": p.pc4, "lat": p.lat, "lon": p.lon}
        for p in geo.PLACES
    ]
    return {"items": items, "total": len(items), "next": None, "regions": geo.REGIONS}
