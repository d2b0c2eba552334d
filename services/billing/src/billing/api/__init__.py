"""JSON API of the billing service under /billing/api/v1."""

from fastapi import APIRouter

from billing.api import documents, entities, payments, reports


def api_routers() -> list[APIRouter]:
    return [entities.router, documents.router, payments.router, reports.router]
