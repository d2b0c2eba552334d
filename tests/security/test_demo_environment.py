"""`LLO_ENVIRONMENT=production llo demo` runs as production: no demo sign-in, no dev key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from llo.cli import app as cli


@pytest.fixture
def started(monkeypatch) -> dict[str, Any]:
    """What `llo demo` hands to uvicorn (the server itself is not started here)."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: seen.update(app=app, **options))
    return seen


def test_llo_demo_in_production_refuses_to_run_on_the_dev_key(monkeypatch, started):
    monkeypatch.setenv("LLO_ENVIRONMENT", "production")
    monkeypatch.delenv("LLO_JWKS_URL", raising=False)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code != 0 and "app" not in started
    assert "JWKS" in str(result.exception)


async def test_llo_demo_in_production_offers_no_demo_sign_in(monkeypatch, started, tmp_path):
    monkeypatch.setenv("LLO_ENVIRONMENT", "production")
    monkeypatch.setenv("LLO_JWKS_URL", "http://127.0.0.1:9/jwks.json")
    monkeypatch.setenv("LLO_DEV_KEY_FILE", str(tmp_path / "never-made.pem"))
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    embedded = started["app"]
    assert {a.state.settings.environment for a in embedded.apps.values()} == {"production"}
    async with embedded.running():
        transport = httpx.ASGITransport(app=embedded)
        async with httpx.AsyncClient(transport=transport, base_url="https://demo") as client:
            page = await client.get("/catalogue/")
            assert page.status_code == 200 and 'id="demo-user"' not in page.text
            signed = await client.post("/catalogue/demo/sign-in", data={"user": "aanbieder"})
            assert "llo_token=" not in signed.headers.get("set-cookie", "").replace('llo_token=""', "")
    assert not (tmp_path / "never-made.pem").exists()


def test_llo_demo_stays_a_demo_by_default(monkeypatch, started):
    monkeypatch.delenv("LLO_ENVIRONMENT", raising=False)
    assert CliRunner().invoke(cli, ["demo"]).exit_code == 0
    assert {a.state.settings.environment for a in started["app"].apps.values()} == {"demo"}
