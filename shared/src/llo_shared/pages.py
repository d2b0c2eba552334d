"""Server-rendered pages: one Jinja2 layout (templates/base.html) that service pages extend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from llo_shared import oidc
from llo_shared.auth import TOKEN_COOKIE, Principal, issue_dev_token, optional_principal
from llo_shared.demo_users import DEMO_USERS, demo_user
from llo_shared.problems import Problem
from llo_shared.settings import ServiceSettings
from llo_shared.web_security import session_cookie_secure

SHARED_TEMPLATES = Path(__file__).parent / "templates"


class Pages:
    def __init__(self, service: str, templates_dir: Path, settings: ServiceSettings) -> None:
        self.service = service
        self.settings = settings
        env = Environment(
            loader=ChoiceLoader([FileSystemLoader(templates_dir), FileSystemLoader(SHARED_TEMPLATES)]),
            autoescape=select_autoescape(["html"]),
        )
        self.templates = Jinja2Templates(env=env)

    @property
    def demo_mode(self) -> bool:
        return (
            self.settings.environment != "production"
            and not self.settings.jwks_url
            and not oidc.enabled(self.settings)
        )

    def render(
        self,
        request: Request,
        template: str,
        principal: Principal | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        context |= {
            "service": self.service,
            "principal": principal,
            "demo_users": DEMO_USERS if self.demo_mode else (),
            "oidc_sign_in": oidc.enabled(self.settings),
        }
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)

    def demo_sign_in_router(self) -> APIRouter:
        """POST /<service>/demo/sign-in: sets a dev token cookie for a demo user (demo mode only)."""
        router = APIRouter(include_in_schema=False)

        @router.post(f"/{self.service}/demo/sign-in")
        def sign_in(
            request: Request,
            user: Annotated[str, Form(max_length=40)] = "",
            next: Annotated[str, Form(max_length=500)] = "/",
        ) -> RedirectResponse:
            target = next if next.startswith("/") and not next.startswith("//") else "/"
            response = RedirectResponse(target, status_code=303)
            chosen = demo_user(user) if self.demo_mode else None
            if chosen is None:
                response.delete_cookie(TOKEN_COOKIE, path="/")
                return response
            token = issue_dev_token(
                self.settings,
                role=chosen.role,
                org=chosen.org,
                region=chosen.region,
                subject=f"demo:{chosen.key}",
            )
            secure = session_cookie_secure(self.settings, request.url.scheme)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="lax", path="/", secure=secure)
            return response

        return router


async def page_principal(request: Request) -> Principal | None:
    """Pages treat an expired or foreign token cookie as signed out instead of failing.
    Outside demo mode people arrive with an OpenID Connect session (llo_shared.oidc)."""
    try:
        principal = optional_principal(request)
    except Problem:
        principal = None
    return principal or await oidc.session_principal(request)


PagePrincipal = Annotated[Principal | None, Depends(page_principal)]
