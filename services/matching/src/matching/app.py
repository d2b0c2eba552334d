"""The matching service: create_app(settings) wires store, bus, relay and consumers."""

from fastapi import FastAPI
from llo_shared.pages import Pages
from llo_shared.service import Infrastructure, ServiceSpec, build_service_app

from matching.pages import TEMPLATES, page_router
from matching.settings import MatchingSettings

SERVICE = "matching"


def create_app(settings: MatchingSettings | None = None, infra: Infrastructure | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match matching",
        page_routers=[page_router(pages)],
    )
    return build_service_app(spec, settings, infra)
