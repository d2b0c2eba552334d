"""The catalogue service: create_app(settings) wires store, bus, relay and consumers."""

from fastapi import FastAPI
from llo_shared.pages import Pages
from llo_shared.service import Infrastructure, ServiceSpec, build_service_app

from catalogue.pages import TEMPLATES, page_router
from catalogue.settings import CatalogueSettings

SERVICE = "catalogue"


def create_app(settings: CatalogueSettings | None = None, infra: Infrastructure | None = None) -> FastAPI:
    settings = settings or CatalogueSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match catalogue",
        page_routers=[page_router(pages)],
    )
    return build_service_app(spec, settings, infra)
