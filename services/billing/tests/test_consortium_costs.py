"""Licence fees and shared recruitment costs between consortium partners: split exact to the
cent, invoiced from the paying administration's private ledger, traced to the shared cost."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.consortium import PartnerShare, share_problems, split_shared_cost
from billing.domain.money import round_half_up_div
from billing.usecases.payers import register_entry
from llo_shared.envelope import EventEnvelope
from tests.fixtures import billing_events as ev

API = "/billing/api/v1/entities/BRIN-25LH"
LICENCE = {
    "consortium_id": "FLEX-ZORG-FLEVO",
    "kind": "licence_fee",
    "description": "Licentie leerplatform 2026",
    "total_cents": 1_000_001,
    "shares": [
        {"partner_id": "BRIN-25LH", "share_bp": 5000},
        {"partner_id": "BRIN-30RR", "share_bp": 3333},
        {"partner_id": "NBI-SPRING", "share_bp": 1667},
    ],
    "idempotency_key": "licence-2026-01",
}

PARTNER_ADDRESSES = [
    ("BRIN-25LH", "Educatorenweg 2", "1325 AA", "Almere"),
    ("BRIN-30RR", "Bredeweg 3", "9202 AA", "Drachten"),
    ("NBI-SPRING", "Lentelaan 8", "8011 AB", "Zwolle"),
]


def consortium_event(members, event_type="ConsortiumFormed", consortium_id="FLEX-ZORG-FLEVO"):
    """As the catalogue publishes it (catalogue.consortium.v1, key = consortium id)."""
    payload = {
        "consortium_id": consortium_id,
        "name": "Zorgklas Flevoland",
        "members": members,
        "funded_members": [m for m in members if m.startswith("BRIN-")],
        "flex_partnership": True,
    }
    return "catalogue.consortium.v1", ev.envelope(event_type, "catalogue", consortium_id, payload)


@pytest.fixture
async def consortium(billing):
    await billing.feed(
        ev.provider_registered(),
        ev.provider_registered("BRIN-30RR", "ROC Friese Poort"),
        ev.provider_registered("NBI-SPRING", "Spring Opleidingen"),
        ev.provider_registered("BRIN-99XX", "ROC Elders"),
        consortium_event(["BRIN-25LH", "BRIN-30RR", "NBI-SPRING"]),
    )
    for entity_id in ("BRIN-25LH", "BRIN-30RR"):  # the register's master data of each administration
        for partner, street, postcode, city in PARTNER_ADDRESSES:
            address = {"street": street, "postcode": postcode, "city": city}
            entry = register_entry(entity_id, partner, address, "test")
            await billing.db["payers"].replace_one({"_id": entry["_id"]}, entry, upsert=True)
    return billing


async def record(billing, body, org="BRIN-25LH"):
    return await billing.client.post(f"{API}/shared-costs", json=body, headers=billing.headers(org=org))


async def test_a_licence_fee_is_invoiced_to_every_other_partner_exact_to_the_cent(consortium):
    answer = await record(consortium, LICENCE)
    assert answer.status_code == 201, answer.text
    cost = answer.json()
    parts = {s["partner_id"]: s["part_cents"] for s in cost["shares"]}
    assert sum(parts.values()) == LICENCE["total_cents"]
    assert parts["BRIN-30RR"] == round_half_up_div(1_000_001 * 3333, 10_000)
    assert parts["NBI-SPRING"] == round_half_up_div(1_000_001 * 1667, 10_000)
    own = next(s for s in cost["shares"] if s["partner_id"] == "BRIN-25LH")
    assert own["invoice_number"] is None and not own["invoiced"], "the payer's own share is not invoiced"
    invoices = await consortium.documents(purpose="consortium_cost")
    assert sorted(d["payer"]["payer_id"] for d in invoices) == ["BRIN-30RR", "NBI-SPRING"]
    for invoice in invoices:
        partner = invoice["payer"]["payer_id"]
        assert invoice["ledger"] == "privaat" and invoice["entity_id"] == "BRIN-25LH"
        assert invoice["payer"]["kind"] == "consortium_partner"
        assert invoice["net_cents"] == parts[partner]
        assert invoice["vat_cents"] == round_half_up_div(parts[partner] * 2100, 10_000)
        assert invoice["shared_cost_id"] == "BRIN-25LH|licence-2026-01"
        (line,) = invoice["lines"]
        assert line["cause"]["kind"] == "consortium_cost"
        assert (
            "FLEX-ZORG-FLEVO" in line["cause"]["reference"]
            and "licence-2026-01" in line["cause"]["reference"]
        )
        numbers = {s["partner_id"]: s["invoice_number"] for s in cost["shares"]}
        assert numbers[partner] == invoice["number"]
    await consortium.runtime.relay.relay_once()
    issued = {  # the relay publishes at least once: a consumer dedupes by event_id, so do we
        envelope.event_id: envelope
        for topic, partitions in consortium.runtime.bus.broker.logs.items()
        if topic.endswith("billing.invoice.v1")
        for log in partitions
        for envelope in map(EventEnvelope.from_bytes, (m.value for m in log))
    }
    assert sorted(e.payload["payer_id"] for e in issued.values()) == ["BRIN-30RR", "NBI-SPRING"]


async def test_the_invoice_page_traces_a_partner_invoice_to_the_shared_cost(consortium):
    cost = (await record(consortium, LICENCE)).json()
    number = next(s["invoice_number"] for s in cost["shares"] if s["partner_id"] == "BRIN-30RR")
    page = await consortium.client.get(f"/billing/facturen/{number}", headers=consortium.headers())
    assert page.status_code == 200
    assert "gedeelde kosten consortium" in page.text and "FLEX-ZORG-FLEVO" in page.text
    assert "ROC Friese Poort" in page.text
    assert 'href="/billing/gedeelde-kosten#kosten-licence-2026-01"' in page.text
    api = await consortium.client.get(f"{API}/documents/{number}", headers=consortium.headers())
    assert api.json()["shared_cost_id"] == "licence-2026-01" and api.json()["purpose"] == "consortium_cost"


async def test_recording_the_same_cost_again_issues_nothing_twice(consortium):
    first = (await record(consortium, LICENCE)).json()
    again = await record(consortium, LICENCE)
    assert again.status_code == 201 and again.json()["shares"] == first["shares"]
    assert len(await consortium.documents(purpose="consortium_cost")) == 2
    listed = await consortium.client.get(f"{API}/shared-costs", headers=consortium.headers())
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["shared_cost_id"] == "licence-2026-01"
    one = await consortium.client.get(f"{API}/shared-costs/licence-2026-01", headers=consortium.headers())
    assert one.status_code == 200 and one.json()["state"] == "invoiced"


async def test_shared_recruitment_costs_exempt_of_vat_for_a_cohort(consortium):
    body = LICENCE | {
        "kind": "shared_recruitment",
        "description": "Campagne open dag zorg",
        "vat": "exempt",
        "total_cents": 100,
        "cohort_id": "COH-1",
        "shares": [
            {"partner_id": "BRIN-25LH", "share_bp": 3333},
            {"partner_id": "BRIN-30RR", "share_bp": 6667},
        ],
        "idempotency_key": "werving-open-dag",
    }
    cost = (await record(consortium, body)).json()
    assert {s["partner_id"]: s["part_cents"] for s in cost["shares"]} == {"BRIN-25LH": 33, "BRIN-30RR": 67}
    (invoice,) = await consortium.documents(purpose="consortium_cost")
    assert invoice["vat_cents"] == 0 and invoice["lines"][0]["cohort_id"] == "COH-1"
    await consortium.feed(ev.offering_published(), ev.cohort(), ev.cancelled("COH-1"))
    (still,) = await consortium.documents(purpose="consortium_cost")
    assert still["credits"] == [], "a cancelled cohort does not undo a cost that was made"
    assert invoice["lines"][0]["vat_category"] == "E"
    kinds = await consortium.client.get(
        f"{API}/shared-costs?kind=shared_recruitment", headers=consortium.headers()
    )
    assert kinds.json()["total"] == 1
    unknown = await consortium.client.get(f"{API}/shared-costs?kind=catering", headers=consortium.headers())
    assert unknown.status_code == 422


def with_shares(*shares):
    return LICENCE | {"shares": [{"partner_id": p, "share_bp": bp} for p, bp in shares]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (with_shares(("BRIN-25LH", 5000), ("BRIN-30RR", 4000)), "shares"),  # adds up to 9000
        (with_shares(("BRIN-30RR", 5000), ("NBI-SPRING", 5000)), "shares"),  # payer has no share
        (with_shares(("BRIN-25LH", 5000), ("BRIN-99ZZ", 5000)), "shares"),  # unknown partner
        (with_shares(("BRIN-25LH", 5000), ("BRIN-99XX", 5000)), "shares"),  # a provider, not a member
        (LICENCE | {"consortium_id": "FLEX-ONBEKEND"}, "consortium_id"),
        (with_shares(("BRIN-25LH", 5000), ("BRIN-25LH", 5000)), "shares"),  # twice
        (with_shares(("BRIN-25LH", 10000)), "shares"),  # nobody to invoice
        (LICENCE | {"total_cents": 0}, "total_cents"),
        (LICENCE | {"kind": "catering"}, "kind"),
        (LICENCE | {"consortium_id": "x"}, "consortium_id"),
        ({k: v for k, v in LICENCE.items() if k != "idempotency_key"}, "idempotency_key"),
        (LICENCE | {"shares": [{"partner_id": "BRIN-25LH", "share_bp": 0}] * 2}, "share_bp"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(consortium, body, field):
    answer = await record(consortium, body)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert await consortium.db["shared_costs"].count_documents({}) == 0
    assert await consortium.documents() == []


async def test_another_providers_finance_user_cannot_record_or_see_these_costs(consortium):
    assert (await record(consortium, LICENCE, org="BRIN-30RR")).status_code == 403
    outsider = await consortium.client.post(
        "/billing/api/v1/entities/BRIN-99XX/shared-costs",
        json=with_shares(("BRIN-99XX", 5000), ("BRIN-30RR", 5000)),
        headers=consortium.headers(org="BRIN-99XX"),
    )
    assert outsider.status_code == 422 and outsider.json()["field"] == "consortium_id", "not a member"
    assert (await record(consortium, LICENCE)).status_code == 201
    other = consortium.headers(org="BRIN-30RR")
    assert (await consortium.client.get(f"{API}/shared-costs", headers=other)).status_code == 403
    assert (
        await consortium.client.get(f"{API}/shared-costs/licence-2026-01", headers=other)
    ).status_code == 403
    employer = consortium.headers("employer", "KVK-39084217")
    assert (await consortium.client.get(f"{API}/shared-costs", headers=employer)).status_code == 403


shares_strategy = st.lists(st.integers(min_value=1, max_value=10_000), min_size=2, max_size=8).filter(
    lambda weights: sum(weights) <= 10_000
)


@settings(deadline=None)  # a shared machine: no timing in tests
@given(total=st.integers(min_value=1, max_value=10**10), weights=shares_strategy)
def test_a_consortium_split_adds_up_to_the_cost_exactly(total, weights):
    weights = [*weights[:-1], 10_000 - sum(weights[:-1])]
    if weights[-1] <= 0:
        return
    shares = [PartnerShare(f"P{i}", bp) for i, bp in enumerate(weights)]
    assert share_problems(shares, "P0") == []
    parts = split_shared_cost(total, shares)
    assert sum(parts.values()) == total
    assert all(part >= 0 for part in parts.values())
    largest = max(shares, key=lambda s: (s.share_bp, s.partner_id))
    for share in shares:
        if share != largest:  # every share but the one absorbing the remainder is rounded half-up
            assert parts[share.partner_id] == round_half_up_div(total * share.share_bp, 10_000)


PAGE_FORM = {
    "consortium_id": "FLEX-ZORG-FLEVO",
    "kind": "shared_recruitment",
    "description": "Open dag zorg najaar",
    "total": "1.234,57",
    "vat": "standard",
    "partner_1": "BRIN-25LH",
    "aandeel_1": "50",
    "partner_2": "BRIN-30RR",
    "aandeel_2": "33,33",
    "partner_3": "NBI-SPRING",
    "aandeel_3": "16,67",
    "idempotency_key": "page-form-0001",
}


async def test_the_page_form_records_a_shared_cost_and_links_the_invoices(consortium):
    headers = consortium.headers()
    form = await consortium.client.get("/billing/gedeelde-kosten", headers=headers)
    assert form.status_code == 200 and "Vastleggen en factureren" in form.text
    assert ">Zorgklas Flevoland</option>" in form.text and "Spring Opleidingen" in form.text
    assert "ROC Elders" not in form.text, "only members of the own consortia are offered as partners"
    posted = await consortium.client.post("/billing/gedeelde-kosten", data=PAGE_FORM, headers=headers)
    assert posted.status_code == 200, posted.text
    assert "Vastgelegd: Gedeelde wervingskosten" in posted.text and "25LH-PRV-" in posted.text
    cost = await consortium.db["shared_costs"].find_one({})
    assert cost["total_cents"] == 123_457
    assert sum(s["part_cents"] for s in cost["shares"]) == 123_457
    assert {s["partner_id"]: s["share_bp"] for s in cost["shares"]}["BRIN-30RR"] == 3333
    assert len(await consortium.documents(purpose="consortium_cost")) == 2


async def test_the_page_form_refuses_bad_shares_and_amounts_and_stores_nothing(consortium):
    bad = PAGE_FORM | {"aandeel_3": "10"}
    posted = await consortium.client.post("/billing/gedeelde-kosten", data=bad, headers=consortium.headers())
    assert posted.status_code == 422 and "De aandelen tellen op tot 93,33%, niet tot 100%." in posted.text
    assert "basis points" not in posted.text, "the page speaks Dutch"
    assert "Open dag zorg najaar" in posted.text, "the form keeps what was typed"
    assert await consortium.db["shared_costs"].count_documents({}) == 0
    bad_amount = PAGE_FORM | {"total": "twaalf"}
    posted = await consortium.client.post(
        "/billing/gedeelde-kosten", data=bad_amount, headers=consortium.headers()
    )
    assert posted.status_code == 422 and "Vul het totaalbedrag in euro in" in posted.text
    assert 'value="twaalf"' in posted.text
    other = await consortium.client.post(
        "/billing/gedeelde-kosten", data=PAGE_FORM, headers=consortium.headers(org="BRIN-30RR")
    )
    assert other.status_code == 200, "another provider's finance user records in its own administration"
    assert await consortium.db["shared_costs"].count_documents({"entity_id": "BRIN-25LH"}) == 0
    invoices = await consortium.documents(purpose="consortium_cost")
    assert {d["entity_id"] for d in invoices} == {"BRIN-30RR"} and all(
        "30RR-PRV-" in d["number"] for d in invoices
    )


async def test_partners_follow_the_catalogues_member_list(consortium):
    await consortium.feed(consortium_event(["BRIN-25LH", "BRIN-30RR"], "ConsortiumMembersChanged"))
    left = await record(consortium, LICENCE)
    assert left.status_code == 422 and "NBI-SPRING" in left.json()["detail"]
    two = with_shares(("BRIN-25LH", 5000), ("BRIN-30RR", 5000))
    assert (await record(consortium, two)).status_code == 201
    stored = await consortium.db["shared_costs"].find_one({})
    assert stored["consortium_name"] == "Zorgklas Flevoland", "the name comes from the catalogue"
    again = consortium.published[-1]  # the same event once more: the inbox ignores it
    await consortium.runtime.bus.publish([again])
    await consortium.runtime.bus.drain(timeout=20)
    assert (await consortium.db["consortia"].find_one({"_id": "FLEX-ZORG-FLEVO"}))["members"] == [
        "BRIN-25LH",
        "BRIN-30RR",
    ]


async def test_a_partner_invoice_is_a_valid_peppol_e_invoice(consortium, validator):
    settings = {
        "kvk": "39082468",
        "vat_number": "NL001234567B01",
        "iban": "NL91ABNA0417164300",
        "street": "Educatorenweg 2",
        "city": "Almere",
        "postcode": "1325 AA",
    }
    assert (
        await consortium.client.patch(API, json=settings, headers=consortium.headers())
    ).status_code == 200
    partner = {
        "name": "ROC Friese Poort",
        "kind": "consortium_partner",
        "scheme": "0106",
        "endpoint": "39082468",
        "street": "Bredeweg 3",
        "city": "Drachten",
        "postcode": "9202 AA",
    }
    put = await consortium.client.put(f"{API}/payers/BRIN-30RR", json=partner, headers=consortium.headers())
    assert put.status_code == 200, put.text
    cost = (await record(consortium, LICENCE)).json()
    number = next(s["invoice_number"] for s in cost["shares"] if s["partner_id"] == "BRIN-30RR")
    ubl = await consortium.client.get(f"{API}/documents/{number}/ubl", headers=consortium.headers())
    assert ubl.status_code == 200, ubl.text
    assert b"<cbc:AccountingCost>privaat/licence_fee</cbc:AccountingCost>" in ubl.content
    assert b"<cbc:CityName>Drachten</cbc:CityName>" in ubl.content
    assert validator.xsd_errors(ubl.content) == []
    for rule_set, report in validator.schematron(ubl.content, "peppol").items():
        assert report.fatal == [], f"{rule_set}: {report.fatal}"
