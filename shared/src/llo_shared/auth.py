"""Bearer JWT (RS256) validation, roles and tenancy; a dev signing key for demo mode only."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request

from llo_shared.files import write_once_atomically
from llo_shared.problems import Problem
from llo_shared.settings import ServiceSettings

Role = Literal["employer", "provider", "rmt", "finance", "admin"]
ROLES: tuple[Role, ...] = ("employer", "provider", "rmt", "finance", "admin")
TOKEN_COOKIE = "llo_token"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    org: str
    region: str | None = None

    def owns(self, org: str) -> bool:
        return self.role == "admin" or self.org == org


def load_or_create_dev_key(path: Path) -> rsa.RSAPrivateKey:
    """The local signing key of dev and demo mode, made once and kept in a git-ignored folder.
    Created atomically: the four processes of `make stack` start together."""
    if not path.exists():
        fresh = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = fresh.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_once_atomically(path, pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def issue_dev_token(
    settings: ServiceSettings,
    *,
    role: str,
    org: str,
    region: str | None = None,
    subject: str | None = None,
    ttl_s: int = 8 * 3600,
) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_s,
        "sub": subject or f"{role}:{org}",
        "role": role,
        "org": org,
        "jti": str(uuid.uuid4()),
    }
    if region:
        claims["region"] = region
    return jwt.encode(claims, load_or_create_dev_key(settings.dev_key_file), algorithm="RS256")


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        if settings.jwks_url:
            self._jwks: jwt.PyJWKClient | None = jwt.PyJWKClient(settings.jwks_url)
            self._dev_key = None
        elif settings.environment == "production":
            raise RuntimeError("production needs an issuer's JWKS (jwks_url); the dev key is refused")
        else:
            self._jwks = None
            self._dev_key = load_or_create_dev_key(settings.dev_key_file).public_key()

    def _key_for(self, token: str) -> Any:
        """The issuer's key named by the token's `kid`; a malformed token or an unknown kid is a 401,
        an issuer that cannot be reached a 503 (the token may well be good)."""
        if self._jwks is None:
            return self._dev_key
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            raise Problem(
                503, "issuer-unavailable", "Sign-in keys unavailable", "try again shortly"
            ) from None
        except jwt.PyJWTError as error:
            raise Problem(401, "invalid-token", "Invalid token", str(error)) from None

    def verify(self, token: str) -> Principal:
        key = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Problem(401, "invalid-token", "Invalid token", str(error)) from None
        if claims.get("role") not in ROLES or not claims.get("org"):
            raise Problem(401, "invalid-token", "Invalid token", "token needs a known role and an org")
        return Principal(claims["sub"], claims["role"], str(claims["org"]), claims.get("region"))


def is_api_path(path: str) -> bool:
    """`/<service>/api/...`: the JSON API, as opposed to the pages."""
    return path.split("/")[2:3] == ["api"]


def _token_of(request: Request) -> str | None:
    """A bearer token; outside the JSON API also the pages' session cookie. The JSON API takes
    the bearer token only, for reads too: the cookie there would let a page of another site act
    for a signed-in browser (CSRF). The downloads pages link to (CSV, PDF, UBL) have page routes
    of their own, which read the session like every page (`pages.page_roles`)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if is_api_path(request.url.path):
        return None
    return request.cookies.get(TOKEN_COOKIE)


def optional_principal(request: Request) -> Principal | None:
    token = _token_of(request)
    if not token:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(token)


def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Problem(
            401,
            "unauthorized",
            "Sign-in required",
            "send a Bearer token in the Authorization header; the API takes no session cookie",
        )
    return principal


def require_roles(*roles: Role):
    """Dependency: the caller must hold one of `roles` (admin always passes)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role != "admin" and principal.role not in roles:
            raise Problem(403, "forbidden", "Not allowed for this role", f"needs one of: {', '.join(roles)}")
        return principal

    return check


def require_org(principal: Principal, org: str) -> None:
    """Tenancy: a principal acts only for its own organisation."""
    if not principal.owns(org):
        raise Problem(
            403, "forbidden", "Not your organisation", "the token's organisation does not own this resource"
        )
