"""JSON API of the billing service under /billing/api/v1."""

from fastapi import APIRouter

from billing.api import consortium, documents, entities, payers, payments, reports


def api_routers() -> list[APIRouter]:
    return [
        entities.router,
        payers.router,
        documents.router,
        payments.router,
        consortium.router,
        reports.router,
    ]
