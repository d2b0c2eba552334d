"""Browser: people sign in to the pages outside demo mode with OpenID Connect (code flow + PKCE)
against a real OpenID provider on loopback (oidc-provider under Node, tests/oidc/), get a
server-side session and see only their own organisation; the JSON API does not take the session
cookie; sign-out ends the session on the server, so a copied cookie is worth nothing after it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import free_port, launch_chromium, served
from tests.oidc.provider import Person, RunningProvider, openid_provider

pytestmark = pytest.mark.browser

EMPLOYER = Person(
    "werkgever.almere",
    "geheim-werkgever",
    {"name": "Wim Werkgever", "role": "employer", "org": "KVK-39084217", "region": "flevoland"},
)
# The issuer names roles its own way; LLO_OIDC_ROLE_MAP maps them to llo-match's (see deploy/README.md).
FINANCE = Person(
    "financien.roc",
    "geheim-financien",
    {"name": "Fien Financiën", "role": ["medewerker", "llo-financien"], "org": "BRIN-25LH"},
)
WITHOUT_ORGANISATION = Person("gast", "geheim-gast", {"name": "Gast", "role": "employer"})


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, RunningProvider]]:
    """The embedded demo in sign-in mode (demo data, no demo users) and its OpenID provider."""
    from llo.embedded import EmbeddedApp

    issuer = f"http://127.0.0.1:{free_port()}"
    client_secret = secrets.token_urlsafe(24)
    app = EmbeddedApp(
        environment="demo",
        dev_key_file=Path(tmp_path_factory.mktemp("keys")) / "dev-signing-key.pem",
        oidc_issuer=issuer,
        oidc_client_id="llo-match",
        oidc_client_secret=client_secret,
        oidc_scopes="openid profile llo",
        oidc_role_map={"llo-financien": "finance"},
    )
    with served(app, start_timeout_s=120) as url:
        services = ("catalogue", "matching", "recruitment", "billing")
        with openid_provider(
            issuer,
            redirect_uris=[f"{url}/{s}/auth/callback" for s in services],
            post_logout_redirect_uris=[f"{url}/{s}/" for s in services],
            people=[EMPLOYER, FINANCE, WITHOUT_ORGANISATION],
            client_secret=client_secret,
        ) as provider:
            yield url, provider


def sign_in(page: Any, person: Person) -> None:
    page.get_by_role("link", name="Inloggen").click()
    page.get_by_label("Username").fill(person.login)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()


def test_employer_and_finance_sign_in_and_see_only_their_own_organisation(region):
    from playwright.sync_api import expect, sync_playwright

    url, _ = region
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)

        employer = browser.new_context().new_page()
        employer.goto(f"{url}/matching/vragen")
        expect(employer.get_by_text("Deze pagina is voor een werkgever")).to_be_visible()
        expect(employer.locator("#demo-user")).to_have_count(0)  # no demo users outside demo mode
        sign_in(employer, EMPLOYER)
        assert employer.url == f"{url}/matching/vragen"
        expect(employer.get_by_test_id("signed-in-as")).to_contain_text("Wim Werkgever")
        expect(employer.get_by_test_id("signed-in-as")).to_contain_text("werkgever bij Zorggroep Almere")
        expect(employer.get_by_text("Helpenden voor onze woonlocaties").first).to_be_visible()
        expect(employer.get_by_text("Helpenden voor de thuiszorg")).to_have_count(0)  # another employer's
        employer.goto(f"{url}/billing/facturen")
        expect(employer.get_by_text("alleen voor medewerkers financiën")).to_be_visible()

        session = next(c for c in employer.context.cookies() if c["name"] == "llo_session")
        assert (session["httpOnly"], session["secure"], session["sameSite"]) == (True, True, "Lax")
        # the JSON API takes bearer tokens only, never the pages' session cookie
        assert employer.context.request.get(f"{url}/matching/api/v1/demands").status == 401

        finance = browser.new_context().new_page()
        finance.goto(f"{url}/billing/")
        sign_in(finance, FINANCE)
        expect(finance.get_by_test_id("signed-in-as")).to_contain_text("Fien Financiën")
        expect(finance.get_by_test_id("signed-in-as")).to_contain_text(
            "financiële administratie bij ROC van Flevoland"
        )
        expect(finance.get_by_role("heading", name="Grootboek publiek")).to_be_visible()
        expect(finance.get_by_text("ROC van Flevoland").first).to_be_visible()
        finance.goto(f"{url}/billing/?entiteit=BRIN-25PJ")  # another institution: not for finance staff
        expect(finance.get_by_text("ROC Mondriaan")).to_have_count(0)
        expect(finance.get_by_text("ROC van Flevoland").first).to_be_visible()
        finance.goto(f"{url}/matching/vragen")
        expect(finance.get_by_text("Deze pagina is voor een werkgever")).to_be_visible()

        # sign-out ends the session on the server and at the issuer
        employer.goto(f"{url}/matching/")
        employer.get_by_role("button", name="Uitloggen").click()
        employer.get_by_role("button", name="Yes, sign me out").click()
        expect(employer.get_by_role("link", name="Inloggen")).to_be_visible()
        assert employer.url == f"{url}/matching/"
        replay = browser.new_context()
        replay.add_cookies([{"name": "llo_session", "value": session["value"], "url": url}])
        replayed = replay.new_page()
        replayed.goto(f"{url}/matching/vragen")
        expect(replayed.get_by_text("Deze pagina is voor een werkgever")).to_be_visible()
        browser.close()


def test_a_person_without_an_organisation_is_refused_in_plain_dutch(region):
    from playwright.sync_api import expect, sync_playwright

    url, _ = region
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(f"{url}/catalogue/")
        sign_in(page, WITHOUT_ORGANISATION)
        expect(page.get_by_role("heading", name="Aanmelden is niet gelukt")).to_be_visible()
        expect(page.get_by_text("geen rol of organisatie")).to_be_visible()
        assert not [c for c in page.context.cookies() if c["name"] == "llo_session"]
        browser.close()
