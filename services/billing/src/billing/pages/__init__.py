"""Dutch pages for finance staff (and an employer's own invoices): module-level routers, one module
per job, each taking the service's `Pages` through `deps.PagesOf`. `page_router` gathers them."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from billing.pages import ledgers, payers, payment_import, words
from billing.pages.administration import administration_router, finance_entity
from billing.pages.ageing import ageing_router
from billing.pages.consortium import consortium_router
from billing.pages.credit_notes import credit_notes_router
from billing.pages.downloads import downloads_router
from billing.pages.employer import employer_router
from billing.pages.manual_payment import manual_payment_router
from billing.pages.overrides import overrides_router
from llo_shared.pages import Pages

TEMPLATES = Path(__file__).parent / "templates"


def page_router(pages: Pages) -> APIRouter:
    """Every billing page; the app keeps `pages` on `app.state.pages` for the module-level routers."""
    words.install(pages)
    router = APIRouter(include_in_schema=False)
    router.include_router(ledgers.router)
    router.include_router(payment_import.router)
    router.include_router(administration_router(pages))
    router.include_router(credit_notes_router(pages, finance_entity))
    router.include_router(manual_payment_router(pages, finance_entity))
    router.include_router(ageing_router(pages, finance_entity))
    router.include_router(overrides_router(pages, finance_entity))
    router.include_router(consortium_router(pages, finance_entity))
    router.include_router(payers.router)
    router.include_router(employer_router(pages))
    router.include_router(downloads_router())
    router.include_router(pages.demo_sign_in_router())
    return router
