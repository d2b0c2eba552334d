"""Browser: an employer sees its demands with pooled proposals and the surcharge, accepts one;
the mobility team sees its candidates with the why of their best cohorts."""

from __future__ import annotations

import time

import pytest

from tests.fixtures.browser import launch_chromium

pytestmark = pytest.mark.browser


def sign_in(page, base: str, user: str) -> None:
    page.goto(f"{base}/matching/")
    page.select_option("#demo-user", user)
    page.get_by_role("button", name="Ga").click()


def test_employer_accepts_a_pooled_proposal_and_the_mobility_team_sees_why(demo):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        sign_in(page, demo, "werkgever")
        for _ in range(30):  # the catalogue's cohorts reach matching by events, shortly after start
            page.goto(f"{demo}/matching/vragen")
            if page.get_by_role("button", name="Voorstel accepteren").count():
                break
            time.sleep(1)
        expect(page.get_by_role("heading", name="Mijn opleidingsvragen")).to_be_visible()
        expect(page.get_by_text("Helpenden voor onze woonlocaties")).to_be_visible()
        expect(page.get_by_text("Lege-stoelentoeslag als de groep nu start").first).to_be_visible()
        page.get_by_role("button", name="Voorstel accepteren").first.click()
        expect(page.get_by_role("status")).to_contain_text("Voorstel geaccepteerd")

        sign_in(page, demo, "rmt")
        page.goto(f"{demo}/matching/mobiliteitsteam")
        expect(page.get_by_role("heading", name="Mobiliteitsteam Flevoland")).to_be_visible()
        expect(page.get_by_role("heading", name="Vulling van groepen in de regio")).to_be_visible()
        page.get_by_text("Waarom?").first.click()
        expect(page.get_by_text("Past bij de gevraagde vaardigheden").first).to_be_visible()
        browser.close()
