"""Journey D of issue 10, finance corrects and collects: only through the pages, in Chromium at
1280 px and at 390 px, every page checked for sideways scrolling and with axe-core.

An employer (Coloriet) accepts a group proposal below the minimum and, after the confirmation
step, its empty-seat surcharge; the provider decides go-with-surcharge; a second employer
(Woonzorg Flevoland) takes a seat in the same start moment later (the late seat). Finance then
finds the credit note that lowers Coloriet's surcharge invoice, sees what Coloriet owes in the
ageing report, books a bank statement that pays it, and the ageing report shows what is still
open. A second test gives the finance forms wrong input and reads Dutch answers at the fields."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.test_journeys import ENGLISH, main_text, open_browser, sign_in_from_the_sign_in_page
from tests.fixtures.browser import served

pytestmark = pytest.mark.browser
HELPENDE = ["zorg.adl", "zorg.persoonlijke_verzorging"]
QUIET_S = 5  # the demo's events count as handled once nothing was pending for this long


@pytest.fixture
def settled_demo(dev_key_file: Any) -> Iterator[str]:
    """A fresh embedded demo whose seeded events have all been handled, so the group proposals
    an employer gets are the same on every run (pooling reads the cohorts the events brought)."""
    from llo.embedded import EmbeddedApp

    app = EmbeddedApp(environment="demo", dev_key_file=dev_key_file)
    with served(app, start_timeout_s=120) as url:
        quiet_since = time.monotonic()
        deadline = quiet_since + 180
        while time.monotonic() - quiet_since < QUIET_S:
            assert time.monotonic() < deadline, "the demo's events were not handled within 3 minutes"
            if app.bus.pending():
                quiet_since = time.monotonic()
            time.sleep(0.5)
        yield url


def post_demand(page: Any, base: str, title: str, check: Any) -> Any:
    """An employer asks for one helpende near Almere starting within three months; returns its section."""
    page.goto(f"{base}/")
    page.get_by_role("link", name="Nieuwe opleidingsvraag").click()
    check(page)
    page.get_by_label("Wat zoekt u? (titel)").fill(title)
    page.get_by_label("Aantal deelnemers").fill("1")
    page.get_by_label("Gemeente (waar de deelnemers werken of wonen)").select_option("Almere")
    page.get_by_label("Maximale reisafstand (km)").fill("50")
    page.get_by_label("Niveau").select_option("2")
    page.get_by_label("Start vanaf").fill((date.today() + timedelta(days=1)).isoformat())
    page.get_by_label("Start uiterlijk").fill((date.today() + timedelta(days=90)).isoformat())
    page.get_by_label("Vaardigheden die nodig zijn").select_option(HELPENDE)
    page.get_by_role("button", name="Vraag plaatsen").click()
    check(page)
    return page.locator("section.card").filter(has=page.locator("h3", has_text=title))


def reload_until(page: Any, locator: Any, seconds: int = 60) -> None:
    """Events reach the next service shortly after a page action: reload until the result shows."""
    for _ in range(seconds):
        if locator.count():
            return
        time.sleep(1)
        page.reload()
    assert locator.count(), f"{page.url}: nothing appeared"


def test_finance_sees_credit_notes_of_a_late_seat_books_a_statement_and_reads_the_ageing(
    settled_demo, viewport, check
):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)
        demo = settled_demo

        # Coloriet accepts a proposal below the minimum group, and its surcharge after confirming
        sign_in_from_the_sign_in_page(page, demo, "Fatima El Amrani", check)
        demand = post_demand(page, demo, "Helpende voor Coloriet", check)
        proposal = demand.locator("tbody tr").first
        expect(proposal).to_contain_text("tekort")  # below the minimum group: a surcharge is asked
        start_moment = proposal.locator("td").first.inner_text().split("\n")
        course, where = start_moment[0], start_moment[-1]  # "Praktijkverklaring ...", "Zeewolde · start ..."
        proposal.get_by_role("button", name="Voorstel accepteren").click()
        expect(page.get_by_role("status")).to_contain_text("Voorstel geaccepteerd")
        check(page)
        demand.get_by_role("link", name="Toeslag bekijken en accepteren").click()
        check(page)
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name="Toeslag accepteren").click()
        expect(page.get_by_role("status")).to_contain_text("Lege-stoelentoeslag geaccepteerd")
        check(page)

        # the provider lets the group go on with the surcharge
        sign_in_from_the_sign_in_page(page, demo, "Mark Visser", check)
        page.goto(f"{demo}/catalogue/aanbieder/besluiten")
        row = page.locator("tr", has_text="Geaccepteerd door").filter(has_text=course)
        reload_until(page, row)
        check(page)
        row.get_by_label("Besluit", exact=True).select_option("go_with_surcharge")
        row.get_by_role("button", name="Besluit vastleggen").click()
        expect(page.get_by_role("status")).to_contain_text("Besluit vastgelegd")
        check(page)

        # a late seat: Woonzorg Flevoland joins the same start moment after the decision
        sign_in_from_the_sign_in_page(page, demo, "Peter Jansen", check)
        late = post_demand(page, demo, "Helpende voor Woonzorg", check)
        same = late.locator("tbody tr").filter(has_text=course).filter(has_text=where)
        expect(same).to_have_count(1)
        same.get_by_role("button", name="Voorstel accepteren").click()
        expect(page.get_by_role("status")).to_contain_text("Voorstel geaccepteerd")
        check(page)

        # finance finds the credit note that lowers Coloriet's surcharge invoice
        sign_in_from_the_sign_in_page(page, demo, "Ruud Smit", check)
        page.get_by_role("link", name="Facturatie", exact=True).first.click()
        check(page)
        page.get_by_role("link", name="Creditnota's").click()
        credit = page.get_by_test_id("credit-notes").locator("tbody tr", has_text="Coloriet")
        reload_until(page, credit)
        check(page)
        expect(credit).to_contain_text("Lege-stoelentoeslag opnieuw berekend")
        expect(credit).to_contain_text(course)
        credited_invoice = credit.locator("td").nth(3).inner_text().strip()
        credit.locator("td").first.get_by_role("link").click()
        check(page)
        corrects = page.get_by_test_id("credit-note").get_by_role("row", name="Corrigeert factuur")
        expect(corrects).to_contain_text(credited_invoice)
        page.get_by_role("link", name=credited_invoice).click()
        expect(page.get_by_role("heading", name=f"Factuur {credited_invoice}")).to_be_visible()
        check(page)

        # the ageing report: what Coloriet still owes; its invoices paid by a bank statement
        page.get_by_role("link", name="Openstaande facturen naar ouderdom").click()
        check(page)
        ageing = page.get_by_test_id("ageing")
        expect(ageing.locator("tbody tr", has_text="Coloriet")).to_have_count(1)
        expect(ageing.locator("tbody tr", has_text="Woonzorg Flevoland")).to_have_count(1)
        ageing.get_by_role("link", name="Coloriet").click()
        check(page)
        open_rows = page.get_by_test_id("invoice-list").locator("tbody tr:has(a)")
        invoices = [
            (cells[0].strip(), cells[6].strip())
            for cells in (row.locator("td").all_inner_texts() for row in open_rows.all())
        ]
        assert credited_invoice in [number for number, _ in invoices]
        statement = "date;amount;reference;counterparty\n" + "".join(
            f"{date.today().isoformat()};{amount.replace('€', '').strip()};Betaling {number};Coloriet\n"
            for number, amount in invoices
        )
        page.get_by_role("link", name="Betalingen importeren").click()
        page.get_by_label("Of plak CSV").fill(statement)
        page.get_by_role("button", name="Voorstel maken").click()
        check(page)
        expect(page.get_by_role("status")).to_contain_text(f"Voorstel: {len(invoices)} regel(s) boeken")
        page.get_by_role("button", name="Boeken").click()
        expect(page.get_by_role("status")).to_contain_text(f"Geboekt: {len(invoices)} betaling(en)")
        check(page)
        page.get_by_role("link", name=credited_invoice).click()
        expect(page.locator(".badge").first).to_have_text("betaald")
        check(page)

        page.get_by_role("link", name="Openstaande facturen naar ouderdom").click()
        check(page)
        expect(ageing.locator("tbody tr", has_text="Coloriet")).to_have_count(0)
        expect(ageing.locator("tbody tr", has_text="Woonzorg Flevoland")).to_have_count(1)
        expect(page.get_by_test_id("ageing-totals")).to_contain_text("Totaal")
        browser.close()


def test_finance_forms_answer_wrong_input_in_dutch_at_the_field(shared_demo, viewport, check):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)

        # an admin first chooses the administration; the choice stays and the page names it
        sign_in_from_the_sign_in_page(page, shared_demo, "Lotte Mulder", check)
        page.goto(f"{shared_demo}/billing/")
        expect(page.get_by_role("heading", name="Administratie kiezen")).to_be_visible()
        check(page)
        page.get_by_role("button", name="Kiezen").click()
        expect(page.get_by_role("alert")).to_contain_text("Kies een administratie uit de lijst.")
        check(page)
        page.get_by_label("Welke administratie wilt u zien?").select_option(label="ROC van Flevoland")
        page.get_by_role("button", name="Kiezen").click()
        expect(page.get_by_test_id("administration")).to_have_text("ROC van Flevoland")
        page.get_by_role("link", name="Facturen", exact=True).click()
        expect(page.get_by_test_id("administration")).to_have_text("ROC van Flevoland")

        # a payment by hand with a wrong amount and a wrong date
        rows = page.get_by_test_id("invoice-list").locator("tbody tr:has(a)")
        reload_until(page, rows)
        rows.first.locator("td").first.get_by_role("link").click()
        page.get_by_role("link", name="Betaling boeken").click()
        check(page)
        page.get_by_label("Bedrag in euro").fill("veel")
        page.get_by_label("Betaaldatum").fill("31-02-2026")
        page.get_by_label("Kenmerk of omschrijving").fill("afschrift 12")
        page.get_by_role("button", name="Betaling boeken").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Vul het bedrag in euro in, bijvoorbeeld 1.250,00.")
        expect(summary).to_contain_text("Vul bij de betaaldatum een datum in")
        expect(page.get_by_label("Bedrag in euro")).to_have_value("veel")
        expect(page.get_by_label("Betaaldatum")).to_have_value("31-02-2026")
        expect(page.get_by_label("Kenmerk of omschrijving")).to_have_value("afschrift 12")
        assert not any(word in main_text(page) for word in ENGLISH), main_text(page)
        check(page)

        page.get_by_label("Bedrag in euro").fill("1.000.000,00")
        page.get_by_label("Betaaldatum").fill(date.today().strftime("%d-%m-%Y"))
        page.get_by_role("button", name="Betaling boeken").click()
        expect(page.get_by_role("alert")).to_contain_text("Het bedrag is hoger dan wat nog open staat")
        assert not any(word in main_text(page) for word in ENGLISH), main_text(page)
        check(page)

        # a bank statement that is not one
        page.get_by_role("link", name="Betalingen importeren").click()
        page.get_by_role("button", name="Voorstel maken").click()
        expect(page.get_by_role("alert")).to_contain_text("Kies een bankafschrift of plak CSV-regels.")
        check(page)
        page.get_by_label("Of plak CSV").fill("datum;bedrag\n30-11-2026;10\n")
        page.get_by_role("button", name="Voorstel maken").click()
        expect(page.get_by_role("alert")).to_contain_text("De kolommen date, amount, reference ontbreken.")
        expect(page.get_by_label("Of plak CSV")).to_have_value("datum;bedrag\n30-11-2026;10\n")
        assert not any(word in main_text(page) for word in ENGLISH), main_text(page)
        check(page)
        browser.close()
