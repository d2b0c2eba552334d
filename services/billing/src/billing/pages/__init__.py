"""Dutch pages for finance staff (and an employer's own invoices): module-level routers, one module
per job, each taking the service's `Pages` through `deps.PagesOf`. `page_router` gathers them."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from billing.pages import (
    administration,
    ageing,
    consortium,
    credit_notes,
    downloads,
    employer,
    ledgers,
    manual_payment,
    overrides,
    payers,
    payment_import,
    words,
)
from llo_shared.pages import Pages

TEMPLATES = Path(__file__).parent / "templates"
# in the order they were added: no two routes share a path, but the order is kept all the same
ROUTERS = (
    ledgers.router,
    payment_import.router,
    administration.router,
    credit_notes.router,
    manual_payment.router,
    ageing.router,
    overrides.router,
    consortium.router,
    payers.router,
    employer.router,
    downloads.router,
)


def page_router(pages: Pages) -> APIRouter:
    """Every billing page; the app keeps `pages` on `app.state.pages` for the module-level routers."""
    words.install(pages)
    router = APIRouter(include_in_schema=False)
    for module_router in ROUTERS:
        router.include_router(module_router)
    router.include_router(pages.demo_sign_in_router())
    return router
