"""The billing service: create_app(settings) wires store, bus, relay and consumers."""

from fastapi import FastAPI
from llo_shared.pages import Pages
from llo_shared.service import Infrastructure, ServiceSpec, build_service_app

from billing.pages import TEMPLATES, page_router
from billing.settings import BillingSettings

SERVICE = "billing"


def create_app(settings: BillingSettings | None = None, infra: Infrastructure | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match billing",
        page_routers=[page_router(pages)],
    )
    return build_service_app(spec, settings, infra)
