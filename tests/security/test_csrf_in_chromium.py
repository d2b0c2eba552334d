"""Chromium, the real thing: a form on another site posting to our pages is refused, our own form
still signs in (the browser's Sec-Fetch-Site and Origin headers are what the check reads)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.fixtures.browser import launch_chromium, served

pytestmark = pytest.mark.browser


def attacker_site(target: str) -> Starlette:
    page = f"""<!doctype html><html><body>
    <form method="post" action="{target}/catalogue/demo/sign-in">
      <input type="hidden" name="user" value="aanbieder"><button type="submit">Win a prize</button>
    </form></body></html>"""

    async def home(request):
        return HTMLResponse(page)

    return Starlette(routes=[Route("/", home)])


def test_a_form_on_another_site_cannot_post_to_our_pages(portal):
    from playwright.sync_api import expect, sync_playwright

    other_origin = portal.replace("127.0.0.1", "localhost")  # another site for the browser
    with served(attacker_site(other_origin)) as attacker, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(attacker)
        page.get_by_role("button", name="Win a prize").click()
        expect(page.get_by_role("heading", name="Dit formulier is niet verstuurd")).to_be_visible()
        assert not [c for c in page.context.cookies() if c["name"] == "llo_token"]

        page.goto(f"{other_origin}/catalogue/")
        page.select_option("#demo-user", "aanbieder")
        page.get_by_role("button", name="Ga").click()
        expect(page.get_by_test_id("signed-in-as")).to_contain_text("opleider bij ROC van Flevoland")
        browser.close()
