"""People's sign-in to the pages outside demo mode: OpenID Connect (authorization code flow with
PKCE) against the region's identity provider, and a server-side session.

- The issuer is found through its discovery document; ID tokens are checked against its JWKS
  (signature, issuer, audience, expiry, nonce), fetched again once when a token names an unknown
  key, so the issuer can rotate its keys without a restart.
- Role, organisation and region come from the ID token and the userinfo answer, read from the
  claims named in the settings (`oidc_role_claim`, `oidc_org_claim`, `oidc_region_claim`, dotted
  paths allowed, e.g. `realm_access.roles`); `oidc_role_map` turns the issuer's role names into
  llo-match's. Someone without a known role or an organisation is refused.
- The session lives in the database `session_database`, shared by the services of one region, so
  one sign-in and one sign-out count for every service. The browser holds only a random session id
  (HttpOnly, Secure, SameSite=Lax cookie); the database keeps its SHA-256, never the id itself.
- Only pages read the session (llo_shared.pages.page_principal); the JSON API takes bearer
  tokens only (llo_shared.auth).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pymongo.errors import OperationFailure

from llo_shared import mongo
from llo_shared.auth import ROLES, Principal, Role
from llo_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

SESSION_COOKIE = "llo_session"
LOGIN_COOKIE = "llo_login"
LOGIN_TTL = timedelta(minutes=10)
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]


def enabled(settings: ServiceSettings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


class SignInRefused(Exception):
    """The issuer's answer cannot become a session; `reason` is shown to the person (Dutch)."""

    def __init__(self, reason: str, status_code: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


# Claims -> principal ---------------------------------------------------------------------------


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def principal_from_claims(claims: dict[str, Any], settings: ServiceSettings) -> Principal:
    """The issuer's claims as llo-match's role, organisation and region (see the module doc)."""
    raw_roles = _claim(claims, settings.oidc_role_claim)
    candidates = raw_roles if isinstance(raw_roles, list) else [raw_roles]
    mapped = [settings.oidc_role_map.get(str(value), str(value)) for value in candidates if value]
    role = next((value for value in mapped if value in ROLES), None)
    org = _claim(claims, settings.oidc_org_claim)
    if role is None or not isinstance(org, str) or not org:
        raise SignInRefused(
            "Uw account heeft bij LLO-match geen rol of organisatie. "
            "Vraag uw beheerder om die toe te voegen.",
            status_code=403,
        )
    region = _claim(claims, settings.oidc_region_claim)
    region_name = region if isinstance(region, str) and region else None
    return Principal(str(claims["sub"]), cast(Role, role), org, region_name)


# Sessions ------------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_memory_databases: dict[str, mongo.MemoryDatabase] = {}


def session_database(settings: ServiceSettings, db: Any) -> Any:
    """The region's session database beside the service's own: with Mongo on the same server;
    in memory one per process, so the services of the embedded demo share it as well."""
    if isinstance(db, mongo.MemoryDatabase):
        return _memory_databases.setdefault(
            settings.session_database, mongo.MemoryDatabase(settings.session_database)
        )
    return db.client[settings.session_database]


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    name: str | None


class SessionStore:
    """Sessions and sign-ins under way, each with an expiry the reader checks. A TTL index removes
    expired ones; where the server has none (FerretDB 1.24), writes sweep them now and then."""

    SWEEP_EVERY = timedelta(minutes=5)

    def __init__(self, db: Any) -> None:
        self._sessions = db["sessions"]
        self._logins = db["logins"]
        self._indexed = False
        self._ttl_index = False
        self._swept_at = datetime.min.replace(tzinfo=UTC)

    async def _tidy(self) -> None:
        if not self._indexed:
            try:
                for collection in (self._sessions, self._logins):
                    await collection.create_index(
                        [("expires_at", 1)], name="expires_at_ttl", expireAfterSeconds=0
                    )
                self._ttl_index = True
            except OperationFailure:
                log.info("no TTL indexes on this server: expired sessions are swept by the service")
            self._indexed = True
        now = datetime.now(UTC)
        if not self._ttl_index and now - self._swept_at > self.SWEEP_EVERY:
            self._swept_at = now
            for collection in (self._sessions, self._logins):
                await collection.delete_many({"expires_at": {"$lt": now}})

    async def start_login(self, login: dict[str, Any]) -> str:
        await self._tidy()
        cookie = secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + LOGIN_TTL
        await self._logins.insert_one({"_id": _digest(cookie), "expires_at": expires, **login})
        return cookie

    async def finish_login(self, cookie: str) -> dict[str, Any] | None:
        """The sign-in begun with this cookie, once: a second callback finds nothing."""
        login = await self._logins.find_one_and_delete({"_id": _digest(cookie)})
        if login is None or _aware(login["expires_at"]) < datetime.now(UTC):
            return None
        return dict(login)

    async def create(self, principal: Principal, id_token: str, ttl_s: int, name: str | None = None) -> str:
        await self._tidy()
        cookie = secrets.token_urlsafe(32)
        await self._sessions.insert_one(
            {
                "_id": _digest(cookie),
                "subject": principal.subject,
                "role": principal.role,
                "org": principal.org,
                "region": principal.region,
                "name": name,
                "id_token": id_token,
                "expires_at": datetime.now(UTC) + timedelta(seconds=ttl_s),
            }
        )
        return cookie

    async def signed_in(self, cookie: str) -> SignedIn | None:
        session = await self._sessions.find_one({"_id": _digest(cookie)})
        if session is None or _aware(session["expires_at"]) < datetime.now(UTC):
            return None
        principal = Principal(session["subject"], session["role"], session["org"], session.get("region"))
        return SignedIn(principal, session.get("name"))

    async def principal(self, cookie: str) -> Principal | None:
        signed_in = await self.signed_in(cookie)
        return signed_in.principal if signed_in else None

    async def end(self, cookie: str) -> str | None:
        """Ends the session; gives its ID token for the issuer's sign-out (id_token_hint)."""
        session = await self._sessions.find_one_and_delete({"_id": _digest(cookie)})
        return session.get("id_token") if session else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The issuer ----------------------------------------------------------------------------------


@dataclass
class Issuer:
    """The configured OpenID provider: discovery document and JWKS, fetched when first needed
    (the provider may start after the service) and kept."""

    settings: ServiceSettings
    _metadata: dict[str, Any] | None = None
    _keys: KeySet | None = None

    @property
    def url(self) -> str:
        assert self.settings.oidc_issuer
        return self.settings.oidc_issuer.rstrip("/")

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            document = await _get_json(f"{self.url}/.well-known/openid-configuration")
            if document.get("issuer", "").rstrip("/") != self.url:
                raise SignInRefused("De aanmelddienst gaf een onverwacht antwoord.", 502)
            self._metadata = document
        return self._metadata

    async def keys(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            document: Any = await _get_json((await self.metadata())["jwks_uri"])
            self._keys = KeySet.import_key_set(document)
        return self._keys

    def client(self, redirect_uri: str) -> AsyncOAuth2Client:
        secret = self.settings.oidc_client_secret
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            scope=self.settings.oidc_scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=10,
        )

    async def verified_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            try:
                token = jwt.decode(id_token, await self.keys(), algorithms=ID_TOKEN_ALGORITHMS)
            except (JoseError, ValueError):  # perhaps a key the issuer has rotated in since
                token = jwt.decode(id_token, await self.keys(refresh=True), algorithms=ID_TOKEN_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.url},
                aud={"essential": True, "value": self.settings.oidc_client_id or ""},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError) as error:
            log.warning("ID token refused", extra={"reason": type(error).__name__})
            raise SignInRefused("De aanmelddienst gaf een ongeldig bewijs van aanmelding.") from None
        return dict(token.claims)


async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(url)
            answer.raise_for_status()
            document = answer.json()
    except (httpx.HTTPError, ValueError):
        log.warning("identity provider unreachable", extra={"url": url})
        unreachable = "De aanmelddienst is nu niet bereikbaar. Probeer het later opnieuw."
        raise SignInRefused(unreachable, 502) from None
    if not isinstance(document, dict):
        raise SignInRefused("De aanmelddienst gaf een onverwacht antwoord.", 502)
    return document


# Routes --------------------------------------------------------------------------------------


def _local_path(target: str, fallback: str) -> str:
    """Only paths on this host: no scheme, no `//host` or `/\\host` that browsers read as a host."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        return target
    return fallback


def site_url(request: Request, settings: ServiceSettings) -> str:
    """The address people use: LLO_PUBLIC_URL behind a gateway or proxy, else the request's own."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def _set_cookie(response: Response, name: str, value: str, settings: ServiceSettings, **kw: Any) -> None:
    response.set_cookie(
        name, value, httponly=True, secure=settings.session_cookie_secure, samesite="lax", **kw
    )


def install(app: FastAPI, service: str, settings: ServiceSettings, db: Any) -> None:
    """Sign-in routes under /<service>/auth/ and the session store the pages read."""
    app.state.sessions = SessionStore(session_database(settings, db))
    app.include_router(sign_in_router(service, settings, Issuer(settings)))


async def session_principal(request: Request) -> Principal | None:
    """The principal of the page request's session cookie, if sign-in is configured and valid."""
    sessions: SessionStore | None = getattr(request.app.state, "sessions", None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if sessions is None or not cookie:
        return None
    signed_in = await sessions.signed_in(cookie)
    if signed_in is None:
        return None
    request.state.signed_in_name = signed_in.name  # the header greets people by name
    return signed_in.principal


def sign_in_router(service: str, settings: ServiceSettings, issuer: Issuer) -> APIRouter:
    from llo_shared.pages import SHARED_TEMPLATES, Pages  # pages import this module's hook

    router = APIRouter(include_in_schema=False)
    pages = Pages(service, SHARED_TEMPLATES, settings)
    home = f"/{service}/"
    auth_path = f"/{service}/auth/"

    def refused(request: Request, error: SignInRefused) -> HTMLResponse:
        response = pages.render(
            request,
            "sign_in_failed.html",
            None,
            status_code=error.status_code,
            title="Aanmelden niet gelukt",
            reason=error.reason,
            retry=f"/{service}/auth/sign-in",
        )
        response.delete_cookie(LOGIN_COOKIE, path=auth_path)
        return response

    @router.get(f"/{service}/auth/sign-in")
    async def sign_in(request: Request, next: str = "") -> Response:
        redirect_uri = f"{site_url(request, settings)}/{service}/auth/callback"
        try:
            metadata = await issuer.metadata()
        except SignInRefused as error:
            return refused(request, error)
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        async with issuer.client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
            )
        login = {
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "redirect_uri": redirect_uri,
            "next": _local_path(next[:500], home),
        }
        cookie = await request.app.state.sessions.start_login(login)
        response = RedirectResponse(url, status_code=303)
        login_ttl_s = int(LOGIN_TTL.total_seconds())
        _set_cookie(response, LOGIN_COOKIE, cookie, settings, path=auth_path, max_age=login_ttl_s)
        return response

    @router.get(f"/{service}/auth/callback")
    async def callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
        sessions: SessionStore = request.app.state.sessions
        login_cookie = request.cookies.get(LOGIN_COOKIE, "")
        login = await sessions.finish_login(login_cookie) if login_cookie else None
        try:
            if login is None or not hmac.compare_digest(login["state"], state[:200]):
                raise SignInRefused(
                    "Uw aanmelding is verlopen of niet in deze browser begonnen. Probeer het opnieuw."
                )
            if error or not code:
                raise SignInRefused("De aanmelddienst heeft de aanmelding niet bevestigd.")
            principal, id_token, name = await _redeem(issuer, login, code[:2000])
        except SignInRefused as refusal:
            return refused(request, refusal)
        if earlier := request.cookies.get(SESSION_COOKIE):  # signing in again replaces the session
            await sessions.end(earlier)
        cookie = await sessions.create(principal, id_token, settings.session_ttl_s, name)
        response = RedirectResponse(login["next"], status_code=303)
        response.delete_cookie(LOGIN_COOKIE, path=auth_path)
        _set_cookie(response, SESSION_COOKIE, cookie, settings, path="/", max_age=settings.session_ttl_s)
        log.info("signed in", extra={"role": principal.role, "org": principal.org})
        return response

    @router.post(f"/{service}/auth/sign-out")
    async def sign_out(request: Request) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        id_token = await request.app.state.sessions.end(cookie) if cookie else None
        back = f"{site_url(request, settings)}{home}"
        target = back
        try:
            end_session = (await issuer.metadata()).get("end_session_endpoint")
        except SignInRefused:
            end_session = None
        if end_session and id_token:
            query = {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": back,
                "client_id": settings.oidc_client_id,
            }
            target = f"{end_session}?{urlencode(query)}"
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router


async def _redeem(issuer: Issuer, login: dict[str, Any], code: str) -> tuple[Principal, str, str | None]:
    """Code + PKCE verifier -> tokens; the ID token checked, userinfo added; -> principal, the
    ID token (for sign-out) and the person's name as the issuer gives it."""
    metadata = await issuer.metadata()
    async with issuer.client(login["redirect_uri"]) as client:
        try:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=login["verifier"]
            )
            id_token = token.get("id_token")
            if not id_token:
                raise SignInRefused("De aanmelddienst gaf geen bewijs van aanmelding.")
            claims = await issuer.verified_id_token(id_token, login["nonce"])
            if metadata.get("userinfo_endpoint"):
                answer = await client.get(metadata["userinfo_endpoint"])
                answer.raise_for_status()
                userinfo = answer.json()
                if userinfo.get("sub") != claims["sub"]:  # OIDC Core 5.3.2
                    raise SignInRefused("De aanmelddienst gaf tegenstrijdige gegevens.")
                claims = userinfo | claims
        except (AuthlibBaseError, httpx.HTTPError, ValueError) as failure:
            log.warning("code exchange failed", extra={"reason": type(failure).__name__})
            raise SignInRefused(
                "De aanmelddienst weigerde de aanmelding af te ronden. Probeer het opnieuw."
            ) from None
    name = claims.get("name") or claims.get("preferred_username")
    return principal_from_claims(claims, issuer.settings), id_token, str(name)[:100] if name else None
