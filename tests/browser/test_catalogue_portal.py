"""Browser: search the regional portal, filter with a facet, open an offering, see its cohorts."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import launch_chromium

pytestmark = pytest.mark.browser


def found(page) -> int:
    """The number of offerings found ("1.250 opleidingen")."""
    return int(page.locator("#aantal strong").inner_text().split()[0].replace(".", ""))


def test_search_filter_open_offering_and_see_cohorts(portal):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(f"{portal}/catalogue/")
        expect(page.get_by_role("heading", name="Opleidingsaanbod in de regio")).to_be_visible()

        page.get_by_label("Zoek op opleiding, beroep of vaardigheid").fill("helpende")
        page.get_by_label("Postcode of gemeente").fill("Almere")
        page.get_by_label("Maximale afstand").select_option("50")
        page.get_by_role("button", name="Zoeken").click()
        total_before = found(page)
        assert total_before > 0

        niveau = page.get_by_role("group", name="Niveau")
        niveau.get_by_label("Niveau 2").check()
        page.get_by_role("button", name="Filters toepassen").click()
        expect(page.get_by_role("group", name="Niveau").get_by_label("Niveau 2")).to_be_checked()
        total_after = found(page)
        assert 0 < total_after <= total_before
        for meta in page.locator("article.result .meta").all_inner_texts():
            assert "niveau 2" in meta

        first = page.locator("article.result h2 a").first
        title = first.inner_text()
        first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        cohorts = page.get_by_role("table")
        expect(cohorts).to_be_visible()
        assert cohorts.locator("tbody tr").count() >= 1
        expect(page.get_by_role("heading", name="Ook aangeboden in deze regio door")).to_be_visible()
        browser.close()
