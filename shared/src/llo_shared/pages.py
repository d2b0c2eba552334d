"""Server-rendered pages: one Jinja2 layout (templates/base.html) that service pages extend, the
Dutch filters every page uses (llo_shared.dutch), the demo sign-in page, the start page per role,
and the Dutch error pages that HTML requests get instead of problem+json."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from llo_shared import dutch, oidc
from llo_shared.auth import (
    TOKEN_COOKIE,
    Principal,
    Role,
    current_principal,
    issue_dev_token,
    optional_principal,
    require_roles,
)
from llo_shared.demo_users import DEMO_USERS, ORGANISATION_NAMES, demo_user, demo_user_of
from llo_shared.problems import Problem, problem_response
from llo_shared.settings import ServiceSettings
from llo_shared.web_security import session_cookie_secure

SHARED_TEMPLATES = Path(__file__).parent / "templates"
PAGE_SCRIPT = (Path(__file__).parent / "static" / "llo.js").read_text(encoding="utf-8")
SERVICES = ("catalogue", "matching", "recruitment", "billing")


def page_environment(*template_dirs: Path) -> Environment:
    """A Jinja environment over the given folders plus the shared layout, with the Dutch filters."""
    loaders = [FileSystemLoader(d) for d in (*template_dirs, SHARED_TEMPLATES)]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
    env.filters.update(dutch.jinja_filters())
    env.globals.update(dutch.jinja_globals())
    return env


@dataclass(frozen=True)
class SignedIn:
    """Who the header names: the person (when known), the role in Dutch and the organisation's name."""

    name: str | None
    role: str
    organisation: str
    demo_key: str | None


def signed_in(principal: Principal | None) -> SignedIn | None:
    if principal is None:
        return None
    user = demo_user_of(principal.subject)
    organisation = ORGANISATION_NAMES.get(principal.org) or (f"organisatie {principal.org.split('-', 1)[-1]}")
    return SignedIn(
        name=user.name if user else None,
        role=dutch.rol(principal.role),
        organisation=user.org_name if user else organisation,
        demo_key=user.key if user else None,
    )


START_LINKS: dict[str, list[tuple[str, str, str]]] = {
    # role -> (path, link text, what you do there)
    "employer": [
        (
            "/matching/vragen",
            "Mijn opleidingsvragen",
            "Uw vragen, groepsvoorstellen en geplaatste medewerkers.",
        ),
        ("/matching/vragen/nieuw", "Nieuwe opleidingsvraag", "Vraag een opleiding aan voor uw medewerkers."),
        ("/catalogue/werkgever", "Aanbod voor uw organisatie", "Opleidingen die alleen voor u zijn."),
        ("/billing/mijn-facturen", "Mijn facturen", "De facturen aan uw organisatie, met PDF."),
    ],
    "provider": [
        ("/catalogue/aanbieder", "Mijn aanbod", "Opleidingen, startmomenten en besluiten over doorgaan."),
        ("/recruitment/", "Werving", "Wervingsacties en hun resultaat."),
        ("/recruitment/intake", "Intake", "Aanmeldingen die op een intake wachten."),
    ],
    "rmt": [
        (
            "/matching/mobiliteitsteam",
            "Kandidaten en groepen",
            "Beste startmomenten per kandidaat, vulling van groepen.",
        ),
        (
            "/matching/mobiliteitsteam/kandidaat",
            "Kandidaat inschrijven",
            "Iemand met toestemming inschrijven.",
        ),
        ("/catalogue/", "Opleidingsaanbod", "Zoek een opleiding in de regio."),
    ],
    "finance": [
        ("/billing/", "Facturatie", "Facturen, betalingen en toerekening."),
        ("/billing/facturen", "Facturen", "Alle facturen van uw administratie."),
        ("/billing/betalingen/import", "Bankafschrift inlezen", "Betalingen verwerken."),
        ("/billing/creditnotas", "Creditnota's", "Correcties op facturen, met de reden."),
        ("/billing/ouderdom", "Openstaande facturen", "Wat elke betaler nog moet betalen, naar ouderdom."),
    ],
}
START_LINKS["admin"] = [link for role in ("provider", "rmt", "finance") for link in START_LINKS[role]]
PUBLIC_LINKS = [
    ("/catalogue/", "Opleiding zoeken", "Vind een opleiding bij u in de buurt en meld u aan."),
    ("/catalogue/consortia", "Samenwerkingsverbanden", "Opleiders die samen aanbieden."),
]


class Pages:
    def __init__(self, service: str, templates_dir: Path, settings: ServiceSettings) -> None:
        self.service = service
        self.settings = settings
        self.templates = Jinja2Templates(env=page_environment(templates_dir))

    @property
    def demo_mode(self) -> bool:
        return is_demo_mode(self.settings)

    def render(
        self,
        request: Request,
        template: str,
        principal: Principal | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        context |= layout_context(self.service, principal, self.demo_mode)
        context["oidc_sign_in"] = oidc.enabled(self.settings)
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)

    def demo_sign_in_router(self) -> APIRouter:
        """The routes every service's pages include: GET /<service>/inloggen lists the demo users;
        POST /<service>/demo/sign-in sets a dev token cookie for one of them (demo mode only);
        GET /<service>/assets/llo.js is the layout's small script (same origin for the CSP)."""
        router = APIRouter(include_in_schema=False)

        @router.get(f"/{self.service}/assets/llo.js")
        def script() -> Response:
            return Response(
                PAGE_SCRIPT, media_type="text/javascript", headers={"cache-control": "public, max-age=3600"}
            )

        @router.get(f"/{self.service}/inloggen", response_class=HTMLResponse)
        def sign_in_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
            return self.render(request, "sign_in.html", principal, title="Inloggen")

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

    def start_page_router(self) -> APIRouter:
        """GET /: the start page, with the work pages of the signed-in role."""
        router = APIRouter(include_in_schema=False)

        @router.get("/", response_class=HTMLResponse)
        def start(request: Request, principal: PagePrincipal) -> HTMLResponse:
            links = START_LINKS.get(principal.role, []) if principal else []
            return self.render(
                request, "start.html", principal, title="Start", links=links, public_links=PUBLIC_LINKS
            )

        return router


def is_demo_mode(settings: ServiceSettings) -> bool:
    return settings.environment != "production" and not settings.jwks_url and not oidc.enabled(settings)


def layout_context(service: str, principal: Principal | None, demo_mode: bool) -> dict[str, Any]:
    return {
        "service": service,
        "principal": principal,
        "who": signed_in(principal),
        "demo_users": DEMO_USERS if demo_mode else (),
    }


def token_principal(request: Request) -> Principal | None:
    """Pages treat an expired or foreign token cookie as signed out instead of failing."""
    try:
        return optional_principal(request)
    except Problem:
        return None


async def page_principal(request: Request) -> Principal | None:
    """The token cookie of demo mode, or outside it the OpenID Connect session (llo_shared.oidc)."""
    return token_principal(request) or await oidc.session_principal(request)


PagePrincipal = Annotated[Principal | None, Depends(page_principal)]


def signed_in_page_user(principal: PagePrincipal) -> Principal:
    """The page session's principal, for a download a page links to (401 without one)."""
    return current_principal(principal)


PageUser = Annotated[Principal, Depends(signed_in_page_user)]


def page_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """Dependency for a download a page links to (the JSON API takes bearer tokens only): the page
    session held to the same role rule as the API's `auth.require_roles(*roles)`."""
    check = require_roles(*roles)

    def page_check(principal: PageUser) -> Principal:
        return check(principal)

    return page_check


# --- error pages ------------------------------------------------------------------------------

ERROR_TEXTS: dict[int, tuple[str, str]] = {
    400: ("Dit verzoek klopt niet", "Controleer het adres of het formulier en probeer het opnieuw."),
    401: ("Inloggen nodig", "Log in om deze pagina te zien."),
    403: ("Geen toegang", "Deze pagina is niet voor uw rol of uw organisatie."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet (meer). Controleer het adres."),
    405: ("Dit kan hier niet", "Deze pagina werkt niet op deze manier. Ga terug en probeer het opnieuw."),
    409: ("Dit is al veranderd", "Iemand anders heeft dit intussen gewijzigd. Laad de pagina opnieuw."),
    413: ("Te groot", "Wat u stuurt is te groot. Maak het kleiner en probeer het opnieuw."),
    422: ("Controleer wat u heeft ingevuld", "Een of meer gegevens kloppen niet."),
    429: ("Even geduld", "Er komen te veel verzoeken tegelijk. Probeer het over een minuut opnieuw."),
    500: ("Er ging iets mis", "Dat ligt niet aan u. Probeer het later opnieuw."),
    502: ("Even niet bereikbaar", "Een deel van LLO-match antwoordt nu niet. Probeer het later opnieuw."),
    503: ("Even niet beschikbaar", "LLO-match is nu niet beschikbaar. Probeer het later opnieuw."),
}
_error_env: Environment | None = None
_NOT_HTML_SUFFIXES = ("/healthz", "/readyz", "/metrics", "/openapi.json")


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API, not a probe): it gets a Dutch error page."""
    path = request.url.path
    if "/api/" in path or path.endswith(_NOT_HTML_SUFFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, messages: list[str] | None = None) -> HTMLResponse:
    """A Dutch error page in the shared layout (title and advice per status; field messages if any)."""
    global _error_env
    if _error_env is None:
        _error_env = page_environment()
    title, advice = ERROR_TEXTS.get(status, ERROR_TEXTS[500 if status >= 500 else 400])
    first = request.url.path.strip("/").split("/", 1)[0]
    service = first if first in SERVICES else "catalogue"
    state = getattr(request.scope.get("app"), "state", None)
    settings = getattr(state, "settings", None)
    # Error pages are rendered outside the request's dependencies: the token cookie is read here,
    # an OpenID Connect session (a store lookup) is not, so such a person sees the page signed out.
    principal = token_principal(request) if hasattr(state, "verifier") else None
    context = layout_context(service, principal, settings is not None and is_demo_mode(settings)) | {
        "request": request,
        "title": title,
        "advice": advice,
        "status": status,
        "messages": messages or [],
    }
    html = _error_env.get_template("error.html").render(context)
    return HTMLResponse(html, status_code=status)


def not_found(request: Request) -> Response:
    """An unknown address outside every service: a Dutch page for a browser, problem+json otherwise."""
    if wants_html(request):
        return error_page(request, 404)
    return problem_response(404, "not-found", "Not found", instance=request.url.path)
