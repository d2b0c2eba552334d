"""Every service's pages: cross-site form posts refused (CSRF), the API's changes need a bearer token,
security headers on pages, the session cookie Secure outside the demo; the public application
form is rate limited (429 with Retry-After)."""

from __future__ import annotations

from typing import Any

import pytest

from llo.embedded import service_factories
from llo_shared.auth import TOKEN_COOKIE, issue_dev_token
from tests.fixtures.apps import running

SERVICES = ("catalogue", "matching", "recruitment", "billing")
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's page too
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
]
SAME_SITE = [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://test"}, {}]


def settings_for(service: str, overrides: dict[str, Any], **changes: Any) -> Any:
    _, settings_cls = service_factories()[service]
    return settings_cls(**(overrides | changes))


@pytest.fixture(params=SERVICES)
async def app(request, settings_overrides):
    create_app, _ = service_factories()[request.param]
    settings = settings_for(request.param, settings_overrides, environment="demo")
    application = create_app(settings)
    async with running(application) as client:
        application.state.client = client
        application.state.name = request.param
        yield application


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_a_cross_site_form_post_is_refused_on_every_service(app, headers):
    client, name = app.state.client, app.state.name
    response = await client.post(f"/{name}/demo/sign-in", data={"user": "werkgever"}, headers=headers)
    assert response.status_code == 403
    assert "niet verstuurd" in response.text and TOKEN_COOKIE not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("headers", SAME_SITE)
async def test_a_form_post_from_our_own_page_goes_through(app, headers):
    client, name = app.state.client, app.state.name
    response = await client.post(f"/{name}/demo/sign-in", data={"user": "werkgever"}, headers=headers)
    assert response.status_code == 303 and TOKEN_COOKIE in response.headers["set-cookie"]


async def test_pages_carry_the_security_headers_and_the_api_nosniff(app):
    client, name = app.state.client, app.state.name
    page = await client.get(f"/{name}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "default-src 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "DENY"
    api = await client.get(f"/{name}/healthz")
    assert api.headers["x-content-type-options"] == "nosniff"


async def test_the_api_takes_no_cookie_only_a_bearer_token(settings_overrides):
    create_app, _ = service_factories()["matching"]
    settings = settings_for("matching", settings_overrides)
    token = issue_dev_token(settings, role="employer", org="KVK-39084217", region="flevoland")
    body = {"region": "flevoland"}
    async with running(create_app(settings)) as client:
        client.cookies.set(TOKEN_COOKIE, token)
        by_cookie = await client.post("/matching/api/v1/group-proposals/runs", json=body)
        assert by_cookie.status_code == 401
        read_by_cookie = await client.get("/matching/api/v1/demands")
        assert read_by_cookie.status_code == 401  # reads too: page downloads have page routes
        assert "Bearer token" in read_by_cookie.json()["detail"]
        assert (await client.get("/matching/vragen")).status_code == 200  # the pages take the cookie
        client.cookies.clear()
        by_bearer = await client.get("/matching/api/v1/demands", headers={"Authorization": f"Bearer {token}"})
        assert by_bearer.status_code == 200


@pytest.mark.parametrize(("environment", "secure"), [("demo", False), ("dev", True), ("test", False)])
async def test_the_session_cookie_is_secure_outside_the_demo(settings_overrides, environment, secure):
    create_app, _ = service_factories()["catalogue"]
    settings = settings_for("catalogue", settings_overrides, environment=environment)
    async with running(create_app(settings)) as client:
        response = await client.post("/catalogue/demo/sign-in", data={"user": "aanbieder"})
    cookie = response.headers["set-cookie"].lower()
    assert TOKEN_COOKIE in cookie and ("; secure" in cookie) is secure


async def test_the_session_cookie_is_secure_over_https_even_in_the_demo(settings_overrides):
    create_app, _ = service_factories()["catalogue"]
    settings = settings_for("catalogue", settings_overrides, environment="demo")
    async with running(create_app(settings)) as client:
        response = await client.post("https://test/catalogue/demo/sign-in", data={"user": "aanbieder"})
    assert "; secure" in response.headers["set-cookie"].lower()


async def test_the_public_application_form_is_rate_limited_with_retry_after(settings_overrides):
    create_app, _ = service_factories()["recruitment"]
    settings = settings_for("recruitment", settings_overrides)
    form = {"first_name": "Test", "email": "t@example.org"}
    async with running(create_app(settings)) as client:
        answers = [(await client.post("/recruitment/aanmelden", data=form)) for _ in range(12)]
        limited = [r for r in answers if r.status_code == 429]
        assert limited and all(r.status_code != 429 for r in answers[:5])
        assert int(limited[0].headers["retry-after"]) >= 1 and "Probeer het over" in limited[0].text
        api = await client.post("/recruitment/api/v1/applications", json={})
        assert api.status_code == 429 and api.headers["content-type"] == "application/problem+json"
        staff = await client.post(
            "/recruitment/api/v1/applications",
            json={},
            headers={"Authorization": "Bearer " + issue_dev_token(settings, role="rmt", org="RMT-X")},
        )
        assert staff.status_code == 422  # signed-in staff are not limited by the public form's bucket
