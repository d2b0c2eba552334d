"""Browser, on a phone-sized screen: the public application form explains bad input in Dutch, keeps
what was typed, stores nothing, and accepts the corrected form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from llo_shared.bus_memory import InProcessBus
from llo_shared.mongo import MemoryDatabase
from llo_shared.service import Infrastructure
from recruitment.app import create_app
from recruitment.settings import RecruitmentSettings
from tests.fixtures.browser import launch_chromium, served

pytestmark = pytest.mark.browser


@pytest.fixture
def site(dev_key_file) -> Iterator[tuple[str, MemoryDatabase]]:
    """Recruitment alone; its cohort read model holds one cohort, as the catalogue's events would."""
    settings = RecruitmentSettings(
        environment="test", storage="memory", bus="memory", dev_key_file=dev_key_file
    )
    db = MemoryDatabase("recruitment")
    decision = date.today() + timedelta(days=60)
    db._db["cohorts"].insert_one(
        {
            "_id": "coh-form",
            "cohort_id": "coh-form",
            "offering_id": "off-vig",
            "provider_id": "BRIN-25LH",
            "title": "Verzorgende-IG",
            "municipality": "Almere",
            "start_date": (decision + timedelta(days=30)).isoformat(),
            "decision_date": decision.isoformat(),
            "capacity": 14,
            "break_even": 10,
            "status": "planned",
            "seats_taken": 2,
        }
    )
    app = create_app(settings, Infrastructure(db, InProcessBus()))
    with served(app) as url:
        yield url, db


def test_the_form_on_a_phone(site):
    from playwright.sync_api import expect, sync_playwright

    url, db = site
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page.goto(f"{url}/recruitment/aanmelden?cohort=coh-form&channel=open_day")
        expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide  # no sideways scrolling

        page.get_by_label("Uw naam").fill("Samira Bakker")
        page.get_by_label("Uw e-mailadres").fill("samira-at-voorbeeld")
        page.get_by_role("button", name="Aanmelding versturen").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Uw aanmelding is nog niet verstuurd")
        expect(alert).to_contain_text("Vul een geldig e-mailadres in")
        expect(alert).to_contain_text("Zet een vinkje als u akkoord gaat")
        expect(page.get_by_label("Uw naam")).to_have_value("Samira Bakker")
        assert db._db["applications"].count_documents({}) == 0

        page.get_by_label("Uw e-mailadres").fill("samira@voorbeeld.nl")
        page.get_by_label("Ik geef toestemming").check()
        page.get_by_role("button", name="Aanmelding versturen").click()
        expect(page.get_by_role("heading", name="Bedankt voor uw aanmelding")).to_be_visible()
        stored = list(db._db["applications"].find({}))
        assert len(stored) == 1 and stored[0]["channel"] == "open_day"
        assert stored[0]["applicant"]["email"] == "samira@voorbeeld.nl"
        browser.close()
