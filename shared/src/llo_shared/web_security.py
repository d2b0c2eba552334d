"""What a browser needs to be safe on every service: a cross-site form post is refused (CSRF), and
pages carry security headers (CSP, frame-ancestors, nosniff, Referrer-Policy).

CSRF: the session cookie is the only ambient authority (the JSON API takes bearer tokens only, see
`auth.optional_principal`), so an unsafe request without an Authorization header must come from
one of our own pages. Browsers say where a request comes from: `Sec-Fetch-Site` (every current
browser) and `Origin` (on every cross-origin POST since 2020). A request that names another site
is refused; one that names neither is not a browser's and carries no victim's cookie to abuse.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llo_shared.auth import is_api_path
from llo_shared.problems import problem_response
from llo_shared.settings import ServiceSettings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})  # "none": typed in the address bar

# No script runs on our pages (JSON-LD is data, not script); styles are inline <style> blocks.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
ON_PAGES = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
)

REFUSED_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Formulier geweigerd · LLO-match</title></head><body><main>
<h1>Dit formulier is niet verstuurd</h1>
<p>Het kwam niet van een pagina van LLO-match. Ga terug, laad de pagina opnieuw en probeer het nog eens.</p>
</main></body></html>"""


def cross_site(headers: dict[str, str]) -> bool:
    """True when the browser says this request was started by another site."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in SAME_ORIGIN_FETCH
    origin = headers.get("origin")
    if origin is None:
        return False
    if origin == "null":  # sandboxed frames, data: URLs, some redirects: never one of our pages
        return True
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


def _is_page(scope: Scope, content_type: bytes) -> bool:
    path: str = scope.get("path", "")
    return content_type.startswith(b"text/html") and not path.endswith("/docs")


class BrowserSafetyMiddleware:
    """Refuses cross-site unsafe requests that rely on the cookie, and adds the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if scope["method"] in UNSAFE_METHODS and "authorization" not in headers and cross_site(headers):
            await self._refuse(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                listed = message.setdefault("headers", [])
                content_type = next((v for k, v in listed if k.lower() == b"content-type"), b"")
                listed.extend(ALWAYS)
                if _is_page(scope, content_type):
                    listed.extend(ON_PAGES)
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Response
        if is_api_path(scope.get("path", "")):
            response = problem_response(
                403,
                "cross-site-request",
                "Cross-site request refused",
                "send a Bearer token; the session cookie is for the pages of this site only",
                instance=scope.get("path"),
            )
        else:
            response = HTMLResponse(REFUSED_PAGE, status_code=403)
        response.headers.update({k.decode(): v.decode() for k, v in (*ALWAYS, *ON_PAGES)})
        await response(scope, receive, send)


PLAIN_HTTP_ENVIRONMENTS = frozenset({"demo", "test"})  # loopback only, by design


def session_cookie_secure(settings: ServiceSettings, scheme: str) -> bool:
    """The session cookie travels over HTTPS only: always when the request came over HTTPS, and
    outside the demo and the test clients (which run on plain http on loopback) regardless."""
    return scheme == "https" or settings.environment not in PLAIN_HTTP_ENVIRONMENTS
