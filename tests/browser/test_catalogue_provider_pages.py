"""Browser: a provider signs in, publishes an offering through the form (a bad crebo code first,
explained in Dutch next to the field), schedules a cohort and finds it on the public offering page."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import launch_chromium

pytestmark = pytest.mark.browser
TITLE = "Helpende Zorg en Welzijn in de avond"


def fill_offering(page) -> None:
    page.get_by_label("Titel", exact=True).fill(TITLE)
    page.get_by_label("Omschrijving", exact=True).fill("Avondopleiding voor werkenden in de ouderenzorg.")
    page.get_by_label("Soort opleiding (civiel effect)").select_option("diploma")
    page.get_by_label("Leerweg", exact=True).select_option("bbl")
    page.get_by_label("Niveau", exact=True).select_option("2")
    page.get_by_label("Sector (SBB-domein)").select_option("zorg_welzijn_sport")
    page.get_by_label("Studiebelasting (uren)").fill("1600")
    page.get_by_label("Doorlooptijd (weken)").fill("52")
    page.get_by_role("group", name="Doelgroepen").get_by_label("Werkenden").check()
    page.get_by_role("group", name="Leermix").get_by_label("Klassikaal").check()
    page.get_by_role("group", name="Leermix").get_by_label("Werkplekleren").check()
    page.get_by_role("group", name="Locatie").get_by_label("Op school").check()
    page.get_by_role("group", name="Lestijden").get_by_label("'s Avonds").check()
    page.get_by_label("Leerwerkplek nodig").check()
    page.get_by_label("Lesgeld (euro)").fill("3.900,00")
    page.get_by_label("Financiering", exact=True).select_option("bekostigd")
    skills = page.get_by_role("group", name="Vaardigheden (skills-referentieset)")
    skills.get_by_text("Zorg, welzijn en sport", exact=True).click()  # opens the details
    skills.get_by_label("Ondersteunen bij activiteiten van het dagelijks leven (ADL)").check()


def test_provider_publishes_an_offering_schedules_a_cohort_and_sees_it_public(portal):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(f"{portal}/catalogue/aanbieder")
        expect(page.get_by_role("heading", name="Aanmelden nodig")).to_be_visible()
        page.select_option("#demo-user", "aanbieder")
        page.get_by_role("button", name="Ga").click()
        expect(page.get_by_role("heading", name="Mijn aanbod: ROC van Flevoland")).to_be_visible()

        page.get_by_role("link", name="Nieuwe opleiding toevoegen").click()
        expect(page.get_by_role("heading", name="Nieuwe opleiding", exact=True)).to_be_visible()
        fill_offering(page)
        page.get_by_label("Crebo- of keuzedeelcode").fill("2549")  # four digits: not a crebo
        page.get_by_role("button", name="Publiceren").click()

        code = page.get_by_label("Crebo- of keuzedeelcode")
        expect(code).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#code-fout")).to_have_text(
            "Een diploma heeft een crebocode van 5 cijfers, bijvoorbeeld 25498."
        )
        expect(page.get_by_role("alert")).to_contain_text("Er is niets opgeslagen")
        expect(page.get_by_label("Titel", exact=True)).to_have_value(TITLE)  # the form is refilled
        expect(page.get_by_role("group", name="Lestijden").get_by_label("'s Avonds")).to_be_checked()

        code.fill("25498")
        page.get_by_role("button", name="Publiceren").focus()
        page.keyboard.press("Enter")  # the form works from the keyboard
        expect(page.get_by_role("status")).to_have_text("Opleiding gepubliceerd.")
        expect(page.get_by_role("heading", name="Opleiding wijzigen")).to_be_visible()

        page.get_by_role("link", name="Startmoment plannen").click()
        page.get_by_label("Startdatum", exact=True).fill("2030-09-02")
        page.get_by_label("Einddatum", exact=True).fill("2031-06-27")
        page.get_by_label("Besluitdatum (go/no-go)").fill("2030-08-01")
        page.get_by_label("Gemeente", exact=True).fill("Lelystad")
        page.get_by_label("Capaciteit (plaatsen)").fill("16")
        page.get_by_label("Break-even (deelnemers)").fill("10")
        page.get_by_role("button", name="Startmoment plannen").click()
        expect(page.get_by_role("status")).to_have_text("Startmoment gepland.")

        page.get_by_role("link", name="Bekijk de publieke pagina").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        row = page.get_by_role("table").locator("tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("2 september 2030")
        expect(row).to_contain_text("Lelystad")
        expect(row).to_contain_text("16 van 16")
        browser.close()
