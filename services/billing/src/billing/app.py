"""The billing service: create_app(settings) wires store, bus, relay and consumers."""

from fastapi import FastAPI

from billing.api import api_routers
from billing.demo import seed_demo
from billing.handlers import subscriptions
from billing.pages import TEMPLATES, page_router
from billing.settings import BillingSettings
from billing.store import INDEXES, OUTBOX_COLLECTIONS
from llo_shared.pages import Pages
from llo_shared.service import Infrastructure, ServiceSpec, build_service_app

SERVICE = "billing"


def create_app(settings: BillingSettings | None = None, infra: Infrastructure | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match billing",
        api_routers=api_routers(),
        page_routers=[page_router(pages)],
        outbox_collections=OUTBOX_COLLECTIONS,
        indexes=INDEXES,
        subscriptions=subscriptions,
        on_startup=[seed_demo],
    )
    app = build_service_app(spec, settings, infra)
    app.state.pages = pages  # what the module-level page routes render with (pages/deps.py)
    return app
