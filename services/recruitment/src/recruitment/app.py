"""The recruitment service: create_app(settings) wires store, bus, relay and consumers."""

from fastapi import FastAPI
from llo_shared.pages import Pages
from llo_shared.service import Infrastructure, ServiceSpec, build_service_app

from recruitment.pages import TEMPLATES, page_router
from recruitment.settings import RecruitmentSettings

SERVICE = "recruitment"


def create_app(settings: RecruitmentSettings | None = None, infra: Infrastructure | None = None) -> FastAPI:
    settings = settings or RecruitmentSettings()
    pages = Pages(SERVICE, TEMPLATES, settings)
    spec = ServiceSpec(
        name=SERVICE,
        title="llo-match recruitment",
        page_routers=[page_router(pages)],
    )
    return build_service_app(spec, settings, infra)
