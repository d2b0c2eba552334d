"""Every JSON route of a service answers with a declared Read schema (`response_model`), so its
OpenAPI document says what a client gets. Routes that answer CSV, SVG, PDF or XML are not JSON."""

from __future__ import annotations

import importlib

import pytest
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

# Services whose routes all declare their Read schema (issue 14 goes service by service).
TYPED = {"catalogue": ("cohorts", "offerings", "providers", "search")}


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
    untyped = sorted(f"{sorted(r.methods)} {r.path}" for r in routes if r.response_model is None)
    assert untyped == []
