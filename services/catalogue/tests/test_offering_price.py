"""One price (issue 11 item 6): the price the portal shows for a start moment is the price a private
seat on it is invoiced at (the cohort's seat price, which ParticipantEnrolled carries to billing),
with its components; where a start moment has a price of its own, the page says so."""

import re

from catalogue.domain import rules
from catalogue.pages.portal import start_price
from catalogue.store import COHORTS, OFFERINGS

from .test_seed import seeded

COMPONENTS = {"tuition_cents": 154500, "exam_cents": 9500, "materials_cents": 25000, "vat_code": "E"}
PRIVATE = {"credential_type": "cursus", "code": None, "leerweg": "derde_leerweg", "requires_workplace": False}


def _price_cells(html: str) -> list[str]:
    cells = re.findall(r'<td class="price">(.*?)</td>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


async def test_the_start_moment_shows_the_invoiced_price_with_its_components(catalogue, client):
    offering = await catalogue.offering(price=COMPONENTS, funding="privaat", **PRIVATE)
    await catalogue.cohort(offering["offering_id"], seat_price_cents=189000)
    page = (await client.get(f"/catalogue/aanbod/{offering['offering_id']}")).text
    assert "€ 1.890,00 per deelnemer: lesgeld € 1.545,00 + examen € 95,00 + materiaal € 250,00" in page
    assert _price_cells(page) == ["€ 1.890,00"]


async def test_a_start_moment_with_a_price_of_its_own_says_so(catalogue, client):
    offering = await catalogue.offering(price=COMPONENTS, funding="privaat", **PRIVATE)
    await catalogue.cohort(offering["offering_id"], seat_price_cents=144100)
    page = (await client.get(f"/catalogue/aanbod/{offering['offering_id']}")).text
    assert _price_cells(page) == [
        "€ 1.441,00 (eigen prijs van dit startmoment; de prijs van de opleiding is € 1.890,00)"
    ]


async def test_a_funded_start_moment_without_a_seat_price_sells_no_private_seat(catalogue, client):
    offering = await catalogue.offering(price=COMPONENTS)
    await catalogue.cohort(offering["offering_id"], seat_price_cents=0)
    page = (await client.get(f"/catalogue/aanbod/{offering['offering_id']}")).text
    assert _price_cells(page) == ["(alleen bekostigde plaatsen)"]


async def test_seeded_start_moments_cost_what_their_offering_says_or_say_why_not():
    store, _ = await seeded("prices")
    offerings = {o["_id"]: o for o in await store.db[OFFERINGS].find({}).to_list(None)}
    cohorts = await store.db[COHORTS].find({}).to_list(None)
    same = [
        c for c in cohorts if c["seat_price_cents"] == rules.list_price_cents(offerings[c["offering_id"]])
    ]
    assert len(same) >= 0.8 * len(cohorts)
    for cohort in cohorts:
        shown = start_price(offerings[cohort["offering_id"]], cohort)
        assert shown["cents"] == cohort["seat_price_cents"]
        assert (shown["note"] is None) == (cohort in same)
