"""Browser: search the regional portal, filter with a facet, open an offering, see its cohorts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from catalogue.app import create_app
from catalogue.settings import CatalogueSettings

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def portal(dev_key_file) -> Iterator[str]:
    """The catalogue alone, with its demo data (seeded at start in demo mode)."""
    settings = CatalogueSettings(
        environment="demo", storage="memory", bus="memory", dev_key_file=dev_key_file
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "portal did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_search_filter_open_offering_and_see_cohorts(portal):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{portal}/catalogue/")
        expect(page.get_by_role("heading", name="Opleidingsaanbod in de regio")).to_be_visible()

        page.get_by_label("Zoek op opleiding, beroep of vaardigheid").fill("helpende")
        page.get_by_label("Postcode of gemeente").fill("Almere")
        page.get_by_label("Maximale afstand").select_option("50")
        page.get_by_role("button", name="Zoeken").click()
        total_before = int(page.locator("#aantal strong").inner_text())
        assert total_before > 0

        niveau = page.get_by_role("group", name="Niveau")
        niveau.get_by_label("Niveau 2").check()
        page.get_by_role("button", name="Filters toepassen").click()
        expect(page.get_by_role("group", name="Niveau").get_by_label("Niveau 2")).to_be_checked()
        total_after = int(page.locator("#aantal strong").inner_text())
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
