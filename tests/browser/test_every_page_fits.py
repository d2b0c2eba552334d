"""Every page each role can reach from its start page (one of each kind), in Chromium at 390 px:
nothing scrolls sideways and axe-core finds no serious or critical violation; on every service's
pages (catalogue, matching, recruitment, billing) no code stands where a name belongs (BRIN-...,
KVK-..., coh-..., ENR-..., a "KvK 39084217" not marked as a number) and no English key where a
Dutch word belongs. The journeys check the pages they visit at 1280 and 390 px; this catches the
pages no journey goes through."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.fixtures.browser import WIDTHS, launch_chromium

pytestmark = pytest.mark.browser

USERS = ("", "werkgever", "aanbieder", "rmt", "financien", "beheer")  # "": not signed in
MAX_PAGES = 60
# Codes where a person reads a name, and English keys where a Dutch word belongs (GLOSSARY.md);
# checked on every service's pages and the start page.
RAW_TEXT = re.compile(
    r"\b(BRIN|KVK|RMT|OIN)-[A-Z0-9]+|\b(coh|off)-[a-z0-9-]{4,}|\bK-[0-9a-f]{12}\b|\bP-[0-9a-f]{12}\b|"
    r"\bENR-[A-Za-z0-9]+|\bKvK [0-9]{8}\b|"  # an enrolment's id; a KvK number not marked as one
    r"\b(planned|confirmed|cancelled|running|completed|employer|provider|finance|admin|individual|group|"
    r"go_with_surcharge|None|True|False|cents)\b|\[\'"
)
NAMED_PAGES = ("/catalogue/", "/matching/", "/recruitment/", "/billing/")
# A reference is a code by nature (the buyer's reference printed on an invoice): pages mark it
# translate="no", and the check reads the page without it.
READ_TEXT = """() => [...document.querySelectorAll('[translate="no"]')].reduce(
    (text, code) => text.replace(code.innerText, ""), document.body.innerText)"""
NOT_PAGES = ("/assets/", "/api/", "/demo/", "/openapi.json", "/docs", "/metrics", "/healthz", "/readyz")
DOWNLOADS = ("/billing/documenten/", "/billing/rapporten/", "/cijfers.csv")  # files the pages link to


def kind_of(path: str) -> str:
    """/catalogue/aanbod/off-brin-25lh-008 -> /catalogue/aanbod/{id}."""
    return re.sub(r"/[^/]*\d[^/]*", "/{id}", path)


def test_every_page_fits_a_phone_and_passes_axe(demo, check):
    from playwright.sync_api import sync_playwright

    width, height = WIDTHS["phone"]
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for user in USERS:
            context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
            page = context.new_page()
            if user:
                page.goto(f"{demo}/catalogue/inloggen")
                page.locator(f"form:has(input[value='{user}']) button").click()
            kinds: set[str] = set()
            queue = ["/"]
            while queue and len(kinds) < MAX_PAGES:
                path = urlsplit(queue.pop(0)).path
                if kind_of(path) in kinds or any(part in path for part in NOT_PAGES + DOWNLOADS):
                    continue
                kinds.add(kind_of(path))
                response = page.goto(demo + path)
                if response is None or not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                check(page)
                if path == "/" or path.startswith(NAMED_PAGES):
                    found = sorted({m.group(0) for m in RAW_TEXT.finditer(page.evaluate(READ_TEXT))})
                    assert not found, f"{user or 'anoniem'} {path}: codes or English on the page: {found}"
                links = page.evaluate(
                    "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
                )
                queue += [link for link in links if link.startswith("/")]
            assert len(kinds) > 5, f"{user or 'anoniem'}: the crawl reached only {sorted(kinds)}"
            context.close()
        browser.close()
    assert len(check.visited) > 60
