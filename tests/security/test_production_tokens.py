"""Production mode (an issuer's JWKS): every malformed, forged or unmatched token is a 401, never a 500."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated, Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from llo_shared.auth import Principal, TokenVerifier, current_principal
from llo_shared.problems import install_problem_handlers
from llo_shared.settings import ServiceSettings

ISSUER, AUDIENCE, KID = "https://idp.example", "llo-match", "key-1"


@pytest.fixture(scope="module")
def issuer_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(issuer_key) -> Iterator[str]:
    """A real JWKS endpoint on loopback, as an identity provider serves it."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer_key.public_key())) | {"kid": KID, "use": "sig"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


@pytest.fixture
def client(jwks_url) -> TestClient:
    settings = ServiceSettings(
        environment="production", jwks_url=jwks_url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE
    )
    app = FastAPI()
    app.state.verifier = TokenVerifier(settings)
    install_problem_handlers(app)

    @app.get("/me")
    def me(who: Annotated[Principal, Depends(current_principal)]) -> dict[str, str]:
        return {"org": who.org}

    return TestClient(app, raise_server_exceptions=False)


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u1",
        "role": "provider",
        "org": "BRIN-25LH",
        "iat": now,
        "exp": now + 600,
    } | changes


def token(key: Any, kid: str | None = KID, alg: str = "RS256", **changes: Any) -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims(**changes), key, algorithm=alg, headers=headers)


def test_a_token_signed_by_the_issuer_is_accepted(client, issuer_key):
    response = client.get("/me", headers={"Authorization": f"Bearer {token(issuer_key)}"})
    assert response.status_code == 200 and response.json() == {"org": "BRIN-25LH"}


def forged(issuer_key) -> dict[str, str]:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = token(issuer_key)
    head, body, _ = good.split(".")
    return {
        "not a jwt": "abc",
        "three dots of garbage": "a.b.c",
        "empty segments": "..",
        "bad base64 header": "%%%.e30.x",
        "unknown kid": token(issuer_key, kid="other-key"),
        "no kid": token(issuer_key, kid=None),
        "signed by a stranger with the issuer's kid": token(stranger),
        "alg none": jwt.encode(claims(), None, algorithm="none", headers={"kid": KID}),
        "HS256 with the kid": jwt.encode(claims(), "a-shared-secret-of-32-bytes-long", "HS256", {"kid": KID}),
        "signature cut off": f"{head}.{body}.",
        "expired": token(issuer_key, exp=int(time.time()) - 60),
        "other audience": token(issuer_key, aud="someone-else"),
        "unknown role": token(issuer_key, role="root"),
        "no org": token(issuer_key, org=""),
    }


def test_every_malformed_forged_or_unmatched_token_is_a_401(client, issuer_key):
    answers = {
        name: client.get("/me", headers={"Authorization": f"Bearer {value}"}).status_code
        for name, value in forged(issuer_key).items()
    }
    assert answers == dict.fromkeys(answers, 401)


def test_an_unreachable_issuer_is_a_503_not_a_500(issuer_key):
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_port = server.server_port
    server.server_close()  # nothing listens there any more
    settings = ServiceSettings(
        environment="production",
        jwks_url=f"http://127.0.0.1:{closed_port}/jwks.json",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )
    app = FastAPI()
    app.state.verifier = TokenVerifier(settings)
    install_problem_handlers(app)

    @app.get("/me")
    def me(who: Annotated[Principal, Depends(current_principal)]) -> dict[str, str]:
        return {"org": who.org}

    response = TestClient(app, raise_server_exceptions=False).get(
        "/me", headers={"Authorization": f"Bearer {token(issuer_key)}"}
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
