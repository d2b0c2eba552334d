"""The provider's go/no-go page (issue 10): overdue decisions marked with their date, no default
choice below the minimum group (a Dutch error naming the field, the choice kept), and the payers
that accepted a surcharge by name with their parts in euros; decided through the API's use case."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote_plus

from catalogue.domain import rules
from catalogue.usecases import record_surcharge_acceptance

PAGE = "/catalogue/aanbieder/besluiten"
ZORGGROEP = {"payer_id": "KVK-39084217", "kind": "employer", "name": "Zorggroep Almere"}
NAMELESS = {"payer_id": "KVK-12345678", "kind": "employer", "name": ""}


async def _overdue_cohort(catalogue, client, **overrides):
    offering = await catalogue.offering()
    cohort = await catalogue.cohort(offering["offering_id"], **overrides)
    client.app.state.catalogue_store.today = lambda: date(2030, 1, 15)  # decision date 2030-01-10
    return offering, cohort


async def _accept(client, cohort_id, demand_id, seats, payer):
    accepted = {
        "cohort_id": cohort_id,
        "demand_id": demand_id,
        "payer": payer,
        "payers": [payer],
        "seats": seats,
        "cap_cents": 10_000_000,
    }
    assert await record_surcharge_acceptance(client.app.state.catalogue_store, accepted)


def _decision_select(html: str, cohort_id: str) -> str:
    match = re.search(rf'<select id="decision-{cohort_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, "the row has a decision select"
    return match.group(1)


async def test_an_overdue_decision_is_marked_with_its_date_and_has_no_default_below_break_even(
    catalogue, client, as_flevoland
):
    _, cohort = await _overdue_cohort(catalogue, client)
    page = await client.get(PAGE, headers=as_flevoland)
    assert page.status_code == 200
    assert "te laat: besluit was op 10 januari 2030" in page.text
    assert (
        "Helpende Zorg en Welzijn" in page.text and "onder de minimale groep: 10 plaatsen leeg" in page.text
    )
    options = _decision_select(page.text, cohort["cohort_id"])
    assert '<option value="" selected>Kies een besluit</option>' in options
    assert options.count("selected") == 1
    overview = await client.get("/catalogue/aanbieder", headers=as_flevoland)
    assert "te laat" in overview.text and f"{PAGE}#rij-{cohort['cohort_id']}" in overview.text


async def test_deciding_without_a_choice_is_answered_in_dutch_and_nothing_changes(
    catalogue, client, as_flevoland
):
    _, cohort = await _overdue_cohort(catalogue, client)
    answer = await client.post(
        "/catalogue/aanbieder/besluit", data={"cohort_id": cohort["cohort_id"]}, headers=as_flevoland
    )
    assert answer.status_code == 422
    assert "Kies bij Besluit wat er met dit startmoment gebeurt." in answer.text
    assert f'aria-describedby="fout-decision-{cohort["cohort_id"]}"' in answer.text
    stored = await client.app.state.catalogue_store.cohort(cohort["cohort_id"])
    assert stored["status"] == "planned" and stored["decision"] is None
    bogus = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort["cohort_id"], "decision": "maybe"},
        headers=as_flevoland,
    )
    assert bogus.status_code == 422 and "maybe" not in bogus.text.split("<main")[-1].split("</main>")[0]


async def test_a_merge_without_target_names_the_field_and_keeps_the_choice(catalogue, client, as_flevoland):
    offering, cohort = await _overdue_cohort(catalogue, client)
    await catalogue.cohort(offering["offering_id"], start_date="2030-03-01", decision_date="2030-02-10")
    answer = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort["cohort_id"], "decision": "merge", "merge_into": ""},
        headers=as_flevoland,
    )
    assert answer.status_code == 422 and "Kies bij &#39;Samenvoegen met&#39; het startmoment" in answer.text
    assert '<option value="merge" selected>' in _decision_select(answer.text, cohort["cohort_id"])


async def test_accepting_payers_are_named_with_their_parts_and_the_page_decides_through_the_api(
    catalogue, client, as_flevoland
):
    _, cohort = await _overdue_cohort(catalogue, client)
    cohort_id = cohort["cohort_id"]
    await _accept(client, cohort_id, "dem-1", 2, ZORGGROEP)
    await _accept(client, cohort_id, "dem-2", 3, NAMELESS)
    page = await client.get(PAGE, headers=as_flevoland)
    # 10 empty seats x € 4.500,00 = € 45.000,00, shared by the 5 accepting seats
    assert "€ 45.000,00" in page.text
    assert "Geaccepteerd door Zorggroep Almere: € 18.000,00" in page.text
    assert "Geaccepteerd door werkgever (KvK 12345678): € 27.000,00" in page.text
    assert "geaccepteerd door </" not in page.text.lower() and "door :" not in page.text
    decided = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort_id, "decision": "go_with_surcharge"},
        headers=as_flevoland,
    )
    assert decided.status_code == 303 and "Besluit vastgelegd" in unquote_plus(decided.headers["location"])
    stored = await client.app.state.catalogue_store.cohort(cohort_id)
    assert stored["status"] == "confirmed"
    assert stored["decision"]["decision"] == rules.Decision.go_with_surcharge
    parts = [p["amount_cents"] for p in stored["decision"]["surcharge"]["payers"]]
    assert parts == [1_800_000, 2_700_000]


async def test_other_providers_and_other_roles_are_refused(
    catalogue, client, as_flevoland, as_twente, as_employer
):
    _, cohort = await _overdue_cohort(catalogue, client)
    foreign = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort["cohort_id"], "decision": "cancel"},
        headers=as_twente,
    )
    assert foreign.status_code == 303 and "Niet gelukt" in unquote_plus(foreign.headers["location"])
    employer = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort["cohort_id"], "decision": "cancel"},
        headers=as_employer,
    )
    assert "Niet gelukt" in unquote_plus(employer.headers["location"])
    assert (await client.get(PAGE, headers=as_employer)).status_code == 403
    assert (await client.get(PAGE)).status_code == 403
    others = await client.get(PAGE, headers=as_twente)
    assert others.status_code == 200 and cohort["cohort_id"] not in others.text
    stored = await client.app.state.catalogue_store.cohort(cohort["cohort_id"])
    assert stored["status"] == "planned"


async def test_a_merge_target_left_picked_does_not_stop_another_decision(catalogue, client, as_flevoland):
    offering, cohort = await _overdue_cohort(catalogue, client)
    other = await catalogue.cohort(
        offering["offering_id"], start_date="2030-03-01", decision_date="2030-02-10"
    )
    decided = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": cohort["cohort_id"], "decision": "go", "merge_into": other["cohort_id"]},
        headers=as_flevoland,
    )
    assert decided.status_code == 303
    assert (await client.app.state.catalogue_store.cohort(cohort["cohort_id"]))["status"] == "confirmed"
    again = await client.post(
        "/catalogue/aanbieder/besluit",
        data={"cohort_id": other["cohort_id"], "decision": "merge", "merge_into": cohort["cohort_id"]},
        headers=as_flevoland,
    )
    assert again.status_code == 303, again.text
    assert (await client.app.state.catalogue_store.cohort(other["cohort_id"]))["status"] == "cancelled"


async def test_the_api_and_the_page_refuse_another_providers_or_an_unknown_cohort_alike(
    catalogue, client, as_flevoland, as_twente
):
    """One use case (usecases.take_decision), one refusal each: 403 / 404 problem+json from the
    API, the same refusal in Dutch on the page; nothing is decided."""
    _, cohort = await _overdue_cohort(catalogue, client)
    cases = [
        (cohort["cohort_id"], as_twente, 403, "Dit startmoment is niet van u."),
        ("coh-bestaat-niet", as_flevoland, 404, "Dit startmoment bestaat niet."),
    ]
    for cohort_id, who, status, dutch in cases:
        api = await client.post(
            f"/catalogue/api/v1/cohorts/{cohort_id}/decision", json={"decision": "cancel"}, headers=who
        )
        assert api.status_code == status
        assert api.headers["content-type"].startswith("application/problem+json")
        assert api.json()["status"] == status
        page = await client.post(
            "/catalogue/aanbieder/besluit", data={"cohort_id": cohort_id, "decision": "cancel"}, headers=who
        )
        assert page.status_code == 303
        assert unquote_plus(page.headers["location"]).endswith(f"Niet gelukt: {dutch}")
    stored = await client.app.state.catalogue_store.cohort(cohort["cohort_id"])
    assert stored["status"] == "planned"
