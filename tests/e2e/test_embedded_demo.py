"""The embedded demo: four services behind one port, each with health, OpenAPI and a page."""

from __future__ import annotations

import httpx
import pytest

from llo.embedded import SERVICES, EmbeddedApp


@pytest.fixture
async def demo(settings_overrides):
    app = EmbeddedApp(environment="test", dev_key_file=settings_overrides["dev_key_file"])
    async with app.running():
        await app.settle()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            yield client


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_answers_health_openapi_and_a_page(demo, service):
    assert (await demo.get(f"/{service}/healthz")).json()["status"] == "ok"
    ready = await demo.get(f"/{service}/readyz")
    assert ready.status_code == 200, ready.text
    spec = (await demo.get(f"/{service}/openapi.json")).json()
    assert all(path.startswith(f"/{service}/") for path in spec["paths"])
    page = await demo.get(f"/{service}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in page.text


async def test_unknown_paths_get_a_problem_document(demo):
    response = await demo.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


async def test_unknown_paths_get_a_dutch_page_in_a_browser(demo):
    for path in ("/nowhere", "/catalogue/nergens", "/matching/vragen/onbekend"):
        response = await demo.get(path, headers={"accept": "text/html"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Pagina niet gevonden" in response.text


async def test_the_start_page_links_the_work_pages_of_the_signed_in_role(demo):
    assert "Opleiding zoeken" in (await demo.get("/")).text
    await demo.post("/matching/demo/sign-in", data={"user": "rmt", "next": "/"})
    page = await demo.get("/")
    assert "Welkom, Anouk Bakker" in page.text
    assert 'href="/matching/mobiliteitsteam"' in page.text


async def test_demo_sign_in_sets_a_token_the_services_accept(demo):
    response = await demo.post("/billing/demo/sign-in", data={"user": "financien", "next": "/billing/"})
    assert response.status_code == 303
    page = await demo.get("/billing/")
    assert "Ruud Smit" in page.text  # the header names who is signed in, the role in Dutch, the organisation
    assert "financiële administratie bij ROC van Flevoland" in page.text
