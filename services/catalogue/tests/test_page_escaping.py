"""A provider's text cannot break its own public page: the offering page with a description full
of markup that ends a script early, as Chromium parses it."""

import json
import re

import pytest

from tests.fixtures.browser import launch_chromium

HOSTILE = 'Leer alles <!--<script> over zorg </script><b>vet</b> & "meer" \u2028 einde'


async def test_the_json_ld_carries_the_text_without_any_markup_character(catalogue, client):
    offering = await catalogue.offering(description=HOSTILE)
    page = await client.get(f"/catalogue/aanbod/{offering['offering_id']}")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S).group(1)
    assert not set(block) & set("<>&")
    assert json.loads(block)["description"] == HOSTILE


@pytest.mark.browser
async def test_the_offering_page_stays_whole_in_chromium(catalogue, client):
    from playwright.async_api import async_playwright, expect

    offering = await catalogue.offering(description=HOSTILE)
    html = (await client.get(f"/catalogue/aanbod/{offering['offering_id']}")).text
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        await page.set_content(html)
        await expect(page.get_by_role("heading", level=1)).to_contain_text(offering["title"])
        await expect(page.locator("footer")).to_contain_text("LLO-match")
        await browser.close()
