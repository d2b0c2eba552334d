"""Schemathesis against all four OpenAPI documents, signed in per role: 0 server errors, 0 undeclared
status codes, 0 responses breaking their schema. `make test` runs 300 cases per service,
`make fuzz` 2,000 (LLO_FUZZ_CASES)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from llo.embedded import EmbeddedApp
from tests.security.authz import PATH_VALUES
from tests.security.fuzzing import Target, fuzz, fuzz_app, role_headers

CASES = int(os.environ.get("LLO_FUZZ_CASES", "300"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Target]:
    """The embedded demo with its data; path parameters are aimed at its resources half the time."""
    app = EmbeddedApp(environment="demo", dev_key_file=tmp_path_factory.mktemp("keys") / "key.pem")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.portal.call(app.settle)  # type: ignore[union-attr]
        headers = role_headers(app.apps["billing"].state.settings)
        invoices = client.get(
            f"/billing/api/v1/entities/{PATH_VALUES['entity_id']}/invoices",
            headers=headers["admin:LLO-BEHEER"],
        )
        numbers = [i["number"] for i in invoices.json().get("items", [])]
        yield Target(client, headers, PATH_VALUES | ({"number": numbers[0]} if numbers else {}))


@pytest.mark.parametrize(
    "service",
    [
        "catalogue",
        "matching",
        "recruitment",
        "billing",
    ],
)
def test_generated_requests_find_no_server_error_and_no_contract_break(service, demo):
    findings = fuzz(demo, f"/{service}/openapi.json", CASES)
    assert findings.cases >= CASES
    assert findings.failures == []


class Thing(BaseModel):
    size: int


def test_the_harness_reports_a_server_error_an_undeclared_status_and_a_broken_schema():
    """The checks bite: an app with three known faults gives three findings."""
    app = FastAPI()

    @app.get("/crash/{n}")
    def crash(n: int) -> dict[str, int]:
        return {"n": 1 // (n - n)}

    @app.get("/teapot")
    def teapot() -> dict[str, str]:
        from fastapi import HTTPException

        raise HTTPException(418)

    @app.get("/thing", response_model=None)
    def thing() -> dict[str, str]:
        return {"size": "large"}

    app.openapi_schema = None
    schema = app.openapi()
    schema["paths"]["/thing"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Thing"
    }
    schema.setdefault("components", {}).setdefault("schemas", {})["Thing"] = Thing.model_json_schema()
    findings = fuzz_app(app, "/openapi.json", {"anonymous": {}}, 20)
    found = "\n".join(findings.failures)
    assert "/crash/{n}" in found and "500" in found
    assert "/teapot" in found and "418" in found
    assert "/thing" in found
