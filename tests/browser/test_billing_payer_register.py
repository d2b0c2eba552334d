"""Browser: finance completes a payer in the register (/billing/betalers) in Chromium: a wrong
post code is refused in Dutch naming the field and keeping what was typed; the corrected form is
saved (a same-origin form post the CSRF check lets through)."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import launch_chromium

pytestmark = pytest.mark.browser


def test_finance_completes_a_payer_in_the_register(demo):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(f"{demo}/billing/")
        page.select_option("#demo-user", "financien")
        page.get_by_role("button", name="Ga").click()
        page.get_by_role("link", name="Betalers").click()
        expect(page.get_by_role("heading", name="Te voltooien")).to_be_visible()
        register = page.get_by_test_id("payers")
        row = register.locator("tr", has_text="Coloriet")
        expect(row).to_contain_text("KvK 62584031")
        row.get_by_role("link", name="Wijzigen").click()

        expect(page.get_by_label("Naam")).to_have_value("Coloriet")
        page.get_by_label("Straat en huisnummer").fill("Zwolsestraat 40")
        page.get_by_label("Postcode").fill("13280")
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("alert")).to_have_text("Postcode: een Nederlandse postcode zoals 1315 RA")
        expect(page.get_by_label("Straat en huisnummer")).to_have_value("Zwolsestraat 40")
        expect(page.get_by_label("Postcode")).to_have_value("13280")

        page.get_by_label("Postcode").fill("8221 AB")
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Opgeslagen")
        page.get_by_role("link", name="Terug naar alle betalers").click()
        expect(register.locator("tr", has_text="Coloriet")).to_contain_text(
            "Zwolsestraat 40, 8221 AB Lelystad"
        )
        browser.close()
