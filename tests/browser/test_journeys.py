"""Journeys through the pages only, in Chromium at 1280 px and at 390 px. On every page visited:
nothing scrolls sideways, and axe-core finds no serious or critical accessibility violation.

- a job seeker searches near a postcode, gets a Dutch answer to a wrong postcode, opens an
  offering and goes back to the same search;
- B: a job seeker applies from the offering page (paying herself), gets a reference and a personal
  status link; the provider takes the intake and enrols her on a private seat; the portal's free
  seats drop by one; finance finds the invoice in her name; her status page says "ingeschreven".
  Journey B runs on the embedded demo and on the real stack (each service its own process on
  Kafka and FerretDB behind the gateway, as `make stack` starts them);
- an employer signs in from the sign-in page, lands on its start page, places a demand (first
  with mistakes, answered in Dutch at the fields) and accepts a pooled proposal;
- C: a mobility team registers a candidate with consent, reads why the best start moments fit and
  places the person in a group proposal; the provider finds the person on the intake worklist and
  enrols them.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.broker import delete_topics
from tests.fixtures.browser import launch_chromium

pytestmark = pytest.mark.browser

ENGLISH = ("Input should", "Value error", "String should", "cents", "['", "None")


@pytest.fixture(scope="module")
def real_stack(infra: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The stack as `make stack` starts it (deploy/local/stack.sh): each service its own process on
    the test session's Kafka and FerretDB, with the demo data, behind the gateway. Its own ports,
    databases and Kafka namespace, so it neither sees nor disturbs other tests on the same servers."""
    from tests.reliability.stack import SERVICES, LocalStack

    unique = uuid.uuid4().hex[:10]
    databases = {service: f"t_{unique}_{service}" for service in SERVICES}
    stack = LocalStack(
        tmp_path_factory.mktemp("stack"),
        extra_env={
            "LLO_STACK_KAFKA": infra.kafka,
            "LLO_STACK_MONGO_URL": infra.mongo_url,
            "LLO_KAFKA_NAMESPACE": f"t{unique}.",
            "LLO_SESSION_DATABASE": f"t_{unique}_sessions",
            **{f"LLO_{service.upper()}_MONGO_DATABASE": db for service, db in databases.items()},
        },
    )
    try:
        stack.up(timeout=300)
        wait_until_settled(stack, SERVICES)
        yield stack.gateway
    finally:
        stack.down()
        drop_databases(infra.mongo_url, [*databases.values(), f"t_{unique}_sessions"])
        asyncio.run(delete_topics(infra.kafka, f"t{unique}."))


def wait_until_settled(stack: Any, services: tuple[str, ...], timeout_s: float = 600) -> None:
    """Until every service's consumers handled the demo data the others published (their
    llo_consumer_lag is 0 on every partition they read, twice in a row): a journey then meets a
    stack at rest, as a person meets one, instead of queueing behind the seeding."""
    deadline, quiet = time.monotonic() + timeout_s, 0
    while quiet < 2:
        assert time.monotonic() < deadline, f"the stack did not settle within {timeout_s} s"
        lags = {service: consumer_lags(stack.url(service), service) for service in services}
        settled = all(values and not any(values) for values in lags.values())
        quiet = quiet + 1 if settled else 0
        time.sleep(3)


def consumer_lags(url: str, service: str) -> list[float]:
    with urllib.request.urlopen(f"{url}/{service}/metrics", timeout=120) as response:
        text = response.read().decode()
    return [float(v) for v in re.findall(r"^llo_consumer_lag\{[^}]*\} (\S+)$", text, re.MULTILINE)]


def drop_databases(mongo_url: str, names: list[str]) -> None:
    from pymongo import MongoClient

    with MongoClient(mongo_url, serverSelectionTimeoutMS=5000) as client:
        for name in names:
            client.drop_database(name)


@pytest.fixture(params=["embedded", pytest.param("stack", marks=pytest.mark.integration)])
def site(request: pytest.FixtureRequest) -> str:
    """Where journey B runs: the embedded demo, and the real stack (four processes, Kafka, FerretDB)."""
    return str(request.getfixturevalue("shared_demo" if request.param == "embedded" else "real_stack"))


def open_browser(playwright: Any, viewport: dict[str, int]) -> tuple[Any, Any]:
    browser = launch_chromium(playwright)
    # bypass_csp: axe-core is injected by the test, the pages themselves allow only their own scripts
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="nl-NL")
    return browser, context.new_page()


def sign_in_from_the_sign_in_page(page: Any, base: str, name: str, check: Any) -> None:
    page.goto(f"{base}/catalogue/inloggen")
    check(page)
    page.get_by_role("button", name=f"Inloggen als {name}").click()
    page.wait_for_url(f"{base}/")
    check(page)


def main_text(page: Any) -> str:
    return page.locator("main").inner_text()


def test_a_job_seeker_finds_a_course_and_reaches_the_application_form(shared_demo, viewport, check):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)
        page.goto(f"{shared_demo}/")
        check(page)
        page.get_by_role("link", name="Opleiding zoeken").click()
        check(page)
        first_control = page.evaluate(
            "() => document.querySelector('main')"
            ".querySelector('a[href], input, select, textarea, button').id"
        )
        assert first_control == "q"  # the search box comes first in the tab order
        filters_open = page.evaluate("() => document.getElementById('filters').open")
        assert filters_open == (viewport["width"] >= 800)  # folded on a phone

        page.get_by_label("Zoek op opleiding, beroep of vaardigheid").fill("helpende")
        page.get_by_label("Postcode of gemeente").fill("9999")
        page.get_by_role("button", name="Zoeken", exact=True).click()
        check(page)
        expect(page.get_by_role("alert")).to_contain_text("Deze postcode of gemeente kennen we niet")
        expect(page.get_by_label("Postcode of gemeente")).to_have_value("9999")  # what was typed stays
        expect(page.get_by_label("Zoek op opleiding, beroep of vaardigheid")).to_have_value("helpende")
        assert not any(word in main_text(page) for word in ENGLISH)

        page.get_by_label("Postcode of gemeente").fill("1315")
        page.get_by_label("Maximale afstand").select_option("25")
        page.get_by_role("button", name="Zoeken", exact=True).click()
        check(page)
        search_url = page.url
        first = page.locator("article.result h2 a").first
        title = first.inner_text()
        first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        check(page)
        expect(page.get_by_role("heading", name="Opleider", exact=True)).to_be_visible()

        page.get_by_role("link", name="Terug naar het aanbod").click()
        check(page)
        assert page.url == search_url  # the filters are kept
        expect(page.get_by_label("Postcode of gemeente")).to_have_value("1315")
        browser.close()


# Journey B's applicant per width: the two widths run on one demo (and one real stack).
APPLICANTS = {1280: "Fenna van Dijk", 390: "Joris Hoekstra"}
# A course of the demo's provider with a guaranteed start near Urk: its seats are invoiced at
# enrolment (an unconfirmed start moment's seats are invoiced once the start is confirmed).
ROUTED = "Kandidaat via Regionaal Mobiliteitsteam Flevoland"
PRIVATE_SEAT = "Privaat (deelnemer, werkgever of fonds betaalt)"
COURSE, PROVIDER, NEAR = "NEN 3140 voor vakbekwaam persoon", "ROC van Flevoland", "8321"


def guaranteed_start_moments(page: Any) -> Any:
    """The offering page's start moments with free seats and a guaranteed start."""
    rows = page.locator("#startmomenten ~ table tbody tr").filter(has_text="start gegarandeerd")
    return rows.filter(has_text="vrij").filter(has=page.locator("a.button", has_text="Aanmelden"))


def reload_until(page: Any, done: Callable[[], bool], tries: int = 120) -> None:
    """What a person does while events travel between the services: look again a moment later.
    (At start the demo data still flows: the form knows a new start moment a little later.)"""
    for _ in range(tries):
        if done():
            return
        time.sleep(0.5)
        page.reload()
    assert done(), f"{page.url} did not show what was expected"


def seats_left(row: Any) -> int:
    return int(row.locator("td").nth(3).inner_text().split(" van ")[0])


def test_a_job_seeker_applies_the_provider_enrols_and_finance_invoices(site, viewport, check):
    """Journey B: search near a postcode, apply from the offering page paying oneself, a reference
    and a personal link; the provider takes the intake and enrols the person on a private seat;
    the portal's free seats drop by one; finance finds the invoice in the person's name; the
    personal link says "ingeschreven"."""
    from playwright.sync_api import expect, sync_playwright

    name = APPLICANTS[viewport["width"]]
    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)
        page.goto(f"{site}/catalogue/")
        check(page)
        page.get_by_label("Zoek op opleiding, beroep of vaardigheid").fill("NEN 3140")
        page.get_by_label("Postcode of gemeente").fill(NEAR)
        page.get_by_label("Maximale afstand").select_option("25")
        page.get_by_role("button", name="Zoeken", exact=True).click()
        check(page)
        page.locator("article.result").filter(has_text=PROVIDER).get_by_role("link", name=COURSE).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
        check(page)
        offering_url = page.url
        row = guaranteed_start_moments(page).first
        start, place = row.locator("td").nth(0).inner_text(), row.locator("td").nth(2).inner_text()
        before = seats_left(row)
        price = row.locator("td.price").inner_text().split(" (")[0].strip()

        # the application form names what one applies for, and what it costs
        row.locator("a.button", has_text="Aanmelden").click()
        reload_until(page, lambda: page.get_by_role("heading", name="Aanmelden", exact=True).count() > 0)
        check(page)
        course = page.locator("dl.course")
        for fact in (COURSE, PROVIDER, place, start.split(" doorlopend")[0], price):
            expect(course).to_contain_text(fact)
        page.get_by_label("Uw naam").fill(name)
        page.get_by_label("Uw e-mailadres").fill("aanmelder@voorbeeld.nl")
        page.get_by_label("Ik betaal zelf").check()
        page.get_by_label("Straat en huisnummer").fill("Stationsstraat 12")
        page.get_by_label("Postcode", exact=True).fill("8321 AB")
        page.get_by_label("Plaats", exact=True).fill("Urk")
        page.get_by_label("Ik geef toestemming").check()
        page.get_by_role("button", name="Aanmelding versturen").click()
        expect(page.get_by_role("heading", name="Bedankt voor uw aanmelding")).to_be_visible()
        check(page)
        reference = page.locator("strong.reference").inner_text()
        assert len(reference) == 9 and reference[4] == "-"
        shown_link = page.locator("p.link .muted").inner_text()  # to copy: the site's own address
        page.get_by_role("link", name="Bekijk uw aanmelding").click()
        expect(page.get_by_role("heading", name="Uw aanmelding")).to_be_visible()
        check(page)
        personal_link = page.url
        assert personal_link == shown_link
        expect(page.get_by_role("status")).to_contain_text("Aangemeld")

        # the provider finds the person by the reference and takes the intake
        sign_in_from_the_sign_in_page(page, site, "Mark Visser", check)
        page.goto(f"{site}/recruitment/intake")
        check(page)
        page.get_by_label("Zoek op naam, kenmerk, e-mail, telefoon of postcode").fill(reference)
        page.get_by_role("button", name="Filteren").click()
        check(page)
        person = page.locator("table.worklist tbody tr").filter(has_text=name)
        expect(person).to_have_count(1)
        expect(person).to_contain_text(COURSE)
        for step in ("Intake gepland", "Intake gehad", "Toegelaten"):
            person.get_by_label("Volgende stap").select_option(label=step)
            if step == "Intake gehad":
                person.get_by_label("Score motivatie").fill("80")
                person.get_by_label("Score studievaardigheden").fill("70")
            person.get_by_role("button", name="Opslaan").click()
            expect(page.get_by_role("status")).to_have_text("Opgeslagen.")
            check(page)
            expect(person).to_contain_text(step)
        person.get_by_label("Volgende stap").select_option(label="Inschrijving aangevraagd")
        person.get_by_label("Financiering").select_option(
            label="Privaat (deelnemer, werkgever of fonds betaalt)"
        )
        person.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("status")).to_have_text("Opgeslagen.")
        check(page)

        # the catalogue reserves the seat: the portal shows one free seat less
        page.context.clear_cookies()
        page.goto(offering_url)
        row = page.locator("#startmomenten ~ table tbody tr").filter(has_text=start)
        reload_until(page, lambda: seats_left(row) == before - 1)  # seat and cohort travel by events
        check(page)

        # finance finds the invoice in the person's name, for the price the form named
        sign_in_from_the_sign_in_page(page, site, "Ruud Smit", check)
        page.goto(f"{site}/billing/facturen?grootboek=privaat")
        invoice = page.locator("table tbody tr").filter(has_text=name)
        reload_until(page, lambda: invoice.count() == 1)
        check(page)
        invoice.get_by_role("link").first.click()
        expect(page.locator("main")).to_contain_text(name)
        expect(page.locator("main")).to_contain_text(price)
        check(page)

        # the applicant's personal link says enrolled
        page.context.clear_cookies()
        page.goto(personal_link)
        expect(page.get_by_role("status")).to_contain_text("ingeschreven")
        check(page)
        browser.close()


def test_an_employer_places_a_demand_and_accepts_a_proposal(shared_demo, viewport, check):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)
        title = f"Monteurs warmtepomp ({viewport['width']} px)"  # the journeys share one demo
        sign_in_from_the_sign_in_page(page, shared_demo, "Sanne de Vries", check)
        expect(page.get_by_role("heading", name="Welkom, Sanne de Vries")).to_be_visible()
        expect(page.locator("header")).to_contain_text("werkgever bij Zorggroep Almere")

        page.get_by_role("link", name="Nieuwe opleidingsvraag").click()
        check(page)
        page.get_by_label("Wat zoekt u? (titel)").fill(title)
        page.get_by_label("Aantal deelnemers").fill("0")
        page.get_by_label("Budget per deelnemer in euro (als u dat heeft)").fill("veel")
        page.get_by_role("button", name="Vraag plaatsen").click()
        check(page)
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Het aantal deelnemers moet 1 of meer zijn.")
        expect(summary).to_contain_text("Vul het budget in euro in")
        expect(page.get_by_label("Wat zoekt u? (titel)")).to_have_value(title)
        assert not any(word in main_text(page) for word in ENGLISH)
        page.get_by_label("Aantal deelnemers").fill("4")
        page.get_by_label("Budget per deelnemer in euro (als u dat heeft)").fill("2.500")
        page.get_by_role("button", name="Vraag plaatsen").click()
        expect(page.get_by_role("status")).to_have_text("Uw opleidingsvraag is geplaatst.")
        check(page)
        expect(page.get_by_role("heading", name=title)).to_be_visible()

        for _ in range(30):  # the catalogue's cohorts reach matching by events, shortly after start
            if page.get_by_role("button", name="Voorstel accepteren").count():
                break
            time.sleep(1)
            page.reload()
        page.get_by_role("button", name="Voorstel accepteren").first.click()
        expect(page.get_by_role("status")).to_contain_text("Voorstel geaccepteerd")
        check(page)
        browser.close()


def test_a_mobility_team_registers_a_candidate_reads_why_and_places_the_person(shared_demo, viewport, check):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)
        sign_in_from_the_sign_in_page(page, shared_demo, "Anouk Bakker", check)
        page.get_by_role("link", name="Kandidaten en groepen").click()
        expect(page.get_by_role("heading", name="Mobiliteitsteam Flevoland")).to_be_visible()
        expect(page.locator("svg.chart")).to_be_visible()  # region fill as a chart
        check(page)

        page.get_by_role("link", name="Kandidaat inschrijven").first.click()
        check(page)
        page.get_by_role("button", name="Kandidaat inschrijven").click()
        check(page)
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Vul de naam van de kandidaat in.")
        expect(summary).to_contain_text("Vraag de kandidaat om toestemming")

        page.get_by_label("Naam").fill("Sem de Boer")
        page.get_by_label("Woonplaats").select_option("Lelystad")
        page.get_by_label("Maximale reisafstand (km)").fill("50")
        page.get_by_label("Niveau").select_option("2")
        page.get_by_label("Wat wil de kandidaat leren?").select_option(
            ["zorg.adl", "zorg.persoonlijke_verzorging"]
        )
        page.get_by_role("checkbox", name="De kandidaat geeft toestemming").check()
        page.get_by_role("button", name="Kandidaat inschrijven").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sem de Boer")
        check(page)
        page.get_by_text("Waarom?").first.click()
        reasons = page.locator("ul.reasons").first
        expect(reasons).to_contain_text("Past bij de gevraagde vaardigheden")
        expect(reasons).to_contain_text("Afstand")
        assert not any(word in reasons.inner_text() for word in ENGLISH)
        check(page)

        place = page.get_by_role("button", name="Plaatsen (kandidaat akkoord)")
        reload_until(page, lambda: place.count() > 0)  # pooling puts the new person in a group
        proposal = page.locator("div.card").filter(has=place).first.locator("strong").inner_text()
        place.first.click()
        expect(page.get_by_role("status")).to_contain_text("Voorstel geaccepteerd")
        check(page)

        # the provider finds the routed person on the intake worklist, admitted, and enrols them
        sign_in_from_the_sign_in_page(page, shared_demo, "Mark Visser", check)
        page.goto(f"{shared_demo}/recruitment/intake")
        page.get_by_label("Stap", exact=True).select_option(label="Toegelaten")
        page.get_by_role("button", name="Filteren").click()
        routed = page.locator("table.worklist tbody tr").filter(has_text=ROUTED).filter(has_text=proposal)
        reload_until(page, lambda: routed.count() > 0)  # the placement travels by events
        check(page)
        waiting = routed.count()
        person = routed.first
        person.get_by_label("Volgende stap").select_option(label="Inschrijving aangevraagd")
        funding = person.locator(".placed-funding").inner_text()
        person.get_by_label("Financiering").select_option(label=funding)
        person.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("status")).to_have_text("Opgeslagen.")
        expect(routed).to_have_count(waiting - 1)  # on to the seat, off the worklist
        check(page)
        browser.close()


def test_an_unknown_address_gets_a_dutch_page(shared_demo, viewport, check):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)
        response = page.goto(f"{shared_demo}/matching/bestaat-niet")
        assert response.status == 404
        expect(page.get_by_role("heading", name="Pagina niet gevonden")).to_be_visible()
        check(page)
        browser.close()


def test_the_page_checks_catch_sideways_scrolling_and_accessibility_problems(check):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, {"width": 390, "height": 844})
        page.set_content(
            '<html lang="nl"><body><main><div style="width:600px">breed</div></main></body></html>'
        )
        with pytest.raises(AssertionError, match="scrolls sideways at 390 px: 6"):
            check(page)
        page.set_content(
            '<html lang="nl"><body><main><h1>Formulier</h1><input type="text"></main></body></html>'
        )
        with pytest.raises(AssertionError, match=r"accessibility problems.*label"):
            check(page)
        browser.close()


SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
MAIN_PAGES = (  # (demo user, page, file): each role's main page, for the README
    ("", "/catalogue/?q=helpende&near=Almere&max_distance_km=25", "werkzoekende-zoeken"),
    ("werkgever", "/matching/vragen", "werkgever-opleidingsvragen"),
    ("rmt", "/matching/mobiliteitsteam", "mobiliteitsteam"),
    ("aanbieder", "/catalogue/aanbieder", "opleider-aanbod"),
    ("financien", "/billing/", "financiele-administratie"),
)


def test_each_roles_main_page_is_photographed_for_the_readme(shared_demo, viewport, check):
    """The README shows these pictures; made here, so they show the pages as they are."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_browser(playwright, viewport)
        for user, path, name in MAIN_PAGES:
            page.context.clear_cookies()
            if user:
                page.goto(f"{shared_demo}/catalogue/inloggen")
                page.locator(f"form:has(input[value='{user}']) button").click()
            page.goto(shared_demo + path)
            check(page)
            if viewport["width"] >= 1280:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"{name}.jpg", type="jpeg", quality=70)
        browser.close()
