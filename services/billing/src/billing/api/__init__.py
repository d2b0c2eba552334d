"""JSON API of the billing service under /billing/api/v1."""

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    return []
