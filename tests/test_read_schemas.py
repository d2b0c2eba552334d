"""Every JSON route of a service answers with a declared Read schema (`response_model`), so its
OpenAPI document says what a client gets. Routes that answer CSV, SVG, PDF or XML are not JSON."""

from __future__ import annotations

import importlib
from typing import Any, get_args, get_origin

import pytest
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from llo_shared.reads import ReadSchema

# Services whose routes all declare their Read schema (issue 14 goes service by service).
TYPED = {
    "catalogue": ("cohorts", "offerings", "providers", "search"),
    "matching": ("demands", "candidates", "proposals"),
    "recruitment": ("campaigns", "applications", "figures"),
    "billing": ("entities", "payers", "documents", "payments", "consortium", "reports"),
}


def json_routes(service: str, modules: tuple[str, ...]) -> list[APIRoute]:
    routes = []
    for name in modules:
        router = importlib.import_module(f"{service}.api.{name}").router
        routes += [r for r in router.routes if isinstance(r, APIRoute)]
    return [r for r in routes if answers_json(r)]


def answers_json(route: APIRoute) -> bool:
    declared = route.response_class
    if isinstance(declared, DefaultPlaceholder):  # FastAPI's default: JSON
        return True
    return issubclass(declared, JSONResponse)


@pytest.mark.parametrize(("service", "modules"), TYPED.items())
def test_every_json_route_declares_its_read_schema(service, modules):
    routes = json_routes(service, modules)
    assert routes
    untyped = sorted(f"{sorted(r.methods)} {r.path}" for r in routes if not is_read_schema(r.response_model))
    assert untyped == []


def is_read_schema(model: Any) -> bool:
    """A Read schema, or a mapping typed to its values (`dict[str, int]`); not FastAPI's
    `dict[str, Any]`, taken from a return annotation, which says nothing about the answer."""
    if isinstance(model, type) and issubclass(model, ReadSchema):
        return True
    return get_origin(model) is dict and Any not in get_args(model)
