"""JSON API of the matching service under /matching/api/v1."""

from fastapi import APIRouter

from matching.api import candidates, demands, proposals


def api_router() -> APIRouter:
    router = APIRouter()
    router.include_router(demands.router)
    router.include_router(candidates.router)
    router.include_router(proposals.router)
    return router
