from __future__ import annotations

from typing import Annotated

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from llo_shared.auth import Principal, TokenVerifier, issue_dev_token, require_org, require_roles
from llo_shared.problems import install_problem_handlers
from llo_shared.settings import ServiceSettings


@pytest.fixture
def settings(tmp_path) -> ServiceSettings:
    return ServiceSettings(environment="test", dev_key_file=tmp_path / "key.pem")


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=20)


@pytest.fixture
def client(settings) -> TestClient:
    app = FastAPI()
    app.state.verifier = TokenVerifier(settings)
    install_problem_handlers(app)

    @app.post("/orgs/{org}/things")
    def create(
        org: str, thing: Thing, who: Annotated[Principal, Depends(require_roles("provider"))]
    ) -> dict[str, str]:
        require_org(who, org)
        return {"name": thing.name}

    @app.get("/things")
    def search(level: Annotated[int, Query(ge=1, le=4)] = 2) -> dict[str, int]:
        return {"level": level}

    return TestClient(app)


def auth(settings, role="provider", org="BRIN-25LH") -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_dev_token(settings, role=role, org=org)}


def test_a_provider_writes_for_its_own_organisation(client, settings):
    response = client.post("/orgs/BRIN-25LH/things", json={"name": "x"}, headers=auth(settings))
    assert response.status_code == 200


def test_no_token_is_401_wrong_role_403_other_org_403(client, settings):
    assert client.post("/orgs/BRIN-25LH/things", json={"name": "x"}).status_code == 401
    employer = auth(settings, role="employer")
    assert client.post("/orgs/BRIN-25LH/things", json={"name": "x"}, headers=employer).status_code == 403
    other = client.post("/orgs/BRIN-99XX/things", json={"name": "x"}, headers=auth(settings))
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"


def test_a_token_signed_by_another_key_is_refused(client, settings):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "sub": "x",
            "exp": 2**31,
            "role": "admin",
            "org": "X",
        },
        stranger,
        algorithm="RS256",
    )
    response = client.post(
        "/orgs/X/things", json={"name": "x"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    assert response.json()["type"].endswith("/invalid-token")


def test_validation_errors_name_the_field(client, settings):
    response = client.post("/orgs/BRIN-25LH/things", json={"name": ""}, headers=auth(settings))
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/validation")
    assert body["errors"][0]["field"] == "name" and body["errors"][0]["in"] == "body"
    bad_filter = client.get("/things", params={"level": 9})
    assert bad_filter.status_code == 422 and bad_filter.json()["errors"][0]["field"] == "level"


def test_malformed_json_is_a_4xx_not_a_5xx(client, settings):
    response = client.post(
        "/orgs/BRIN-25LH/things",
        content=b"{oops",
        headers={**auth(settings), "content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500


def test_production_refuses_the_dev_key(tmp_path):
    with pytest.raises(RuntimeError, match="dev key is refused"):
        TokenVerifier(ServiceSettings(environment="production", dev_key_file=tmp_path / "k.pem"))


def test_unknown_roles_are_refused_when_issuing(settings):
    with pytest.raises(ValueError):
        issue_dev_token(settings, role="superuser", org="X")
