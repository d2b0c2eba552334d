"""Server-rendered pages of the matching service."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from llo_shared.pages import PagePrincipal, Pages

TEMPLATES = Path(__file__).parent / "templates"


def page_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/matching/", response_class=HTMLResponse)
    def home(request: Request, principal: PagePrincipal) -> HTMLResponse:
        return pages.render(request, "home.html", principal, title="Vraag en matching")

    router.include_router(pages.demo_sign_in_router())
    return router
