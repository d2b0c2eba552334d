"""Demo data for ROC van Flevoland (BRIN-25LH): the administration's settings, payer master
data and cost models. Invoices are not seeded: they arise from the catalogue and recruitment
demo events like in production. Everything here is idempotent (fixed ids, upserts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from billing.domain.costing import CostModel, integral_cost_per_seat
from billing.store import COST_MODELS, ENTITIES, PAYERS
from billing.usecases.facts import entity_defaults, list_price
from billing.usecases.issuing import issue_waiting

DEMO_ENTITY = "BRIN-25LH"
ENTITY_SETTINGS = {
    "kvk": "39082468",
    "vat_number": "NL001234567B01",
    "iban": "NL91ABNA0417164300",
    "bic": "ABNANL2A",
    "account_holder": "Stichting ROC van Flevoland",
    "street": "Educatorenweg 2",
    "city": "Almere",
    "postcode": "1325 AA",
    "billing_moment": "on_confirmation",
    "payment_terms_days": 30,
}
DEMO_PAYERS = [
    {
        "payer_id": "KVK-39084217",
        "kind": "employer",
        "name": "Zorggroep Almere",
        "scheme": "0106",
        "endpoint": "39084217",
        "street": "Hospitaalweg 1",
        "city": "Almere",
        "postcode": "1315 RA",
    },
]
# The commissioners of the matching demo's demands, as finance keeps them: a seat they pay for
# arrives with their KvK or OIN only, the register adds the postal address (NL-R-004).
DEMAND_PAYERS = [
    (
        "KVK-51473920",
        "employer",
        "Woonzorg Flevoland",
        "0106",
        "51473920",
        "Parkwijklaan 2",
        "Almere",
        "1328 AA",
    ),
    ("KVK-62584031", "employer", "Coloriet", "0106", "62584031", "Zwolsestraat 1", "Lelystad", "8221 AA"),
    ("KVK-73695142", "employer", "Kwintes", "0106", "73695142", "Sportweg 10", "Zeist", "3705 AA"),
    ("KVK-84706253", "employer", "Sherpa", "0106", "84706253", "Heideweg 4", "Baarn", "3741 AA"),
    (
        "OIN-00000001003214345000",
        "uwv",
        "UWV Flevoland",
        "0190",
        "00000001003214345000",
        "Stationsplein 10",
        "Almere",
        "1315 KT",
    ),
    (
        "OIN-00000001002220647000",
        "gemeente",
        "Gemeente Almere",
        "0190",
        "00000001002220647000",
        "Stadhuisplein 1",
        "Almere",
        "1315 HR",
    ),
]
DEMO_PAYERS += [
    {
        "payer_id": payer_id,
        "kind": kind,
        "name": name,
        "scheme": scheme,
        "endpoint": endpoint,
        "street": street,
        "city": city,
        "postcode": postcode,
    }
    for payer_id, kind, name, scheme, endpoint, street, city, postcode in DEMAND_PAYERS
]
# Addresses of ROC van Flevoland's partners in the demo's FLEX consortia (catalogue seed), so a
# shared cost's partner invoice passes the Dutch e-invoice rules (NL-R-004 wants the address).
CONSORTIUM_PARTNERS = [
    ("KVK-90011001", "Polderzorg Academie", "Zorgweg 12", "Lelystad", "8232 ZZ"),
    ("KVK-90011002", "Zorgleerhuis Lelystad", "Agorabaan 4", "Lelystad", "8224 JR"),
    ("BRIN-27UM", "Aeres MBO", "Stadhuisplein 5", "Almere", "1315 HR"),
    ("KVK-90011003", "Installatiewerkplaats Flevoland", "Industrieweg 20", "Almere", "1332 BT"),
    ("KVK-90011016", "Noordelijke Energieschool", "Energieweg 3", "Emmeloord", "8304 AA"),
]
DEMO_PAYERS += [
    {
        "payer_id": partner,
        "kind": "consortium_partner",
        "name": name,
        "street": street,
        "city": city,
        "postcode": postcode,
    }
    for partner, name, street, city, postcode in CONSORTIUM_PARTNERS
]


async def seed_demo(runtime: Any) -> None:
    if runtime.settings.environment != "demo":
        return
    db = runtime.db
    defaults = {k: v for k, v in entity_defaults(DEMO_ENTITY).items() if k not in ENTITY_SETTINGS}
    await db[ENTITIES].update_one(
        {"_id": DEMO_ENTITY},
        {"$set": ENTITY_SETTINGS, "$setOnInsert": defaults | {"name": "ROC van Flevoland"}},
        upsert=True,
    )
    for payer in DEMO_PAYERS:
        document = payer | {"entity_id": DEMO_ENTITY, "buyer_reference": None}
        await db[PAYERS].replace_one({"_id": f"{DEMO_ENTITY}|{payer['payer_id']}"}, document, upsert=True)
        # an enrolment handled before this seed waited for the payer's address: issue it now
        await issue_waiting(db, DEMO_ENTITY, payer["payer_id"], datetime.now(UTC).date())
    biller = getattr(runtime, "biller", None)
    if biller is not None:
        biller.after_offering = seed_cost_model


def demo_cost_model(seat_price_cents: int, seats: int = 12) -> CostModel:
    """A plausible cost model whose integral cost lies about 15% under the list price."""
    base = seat_price_cents * 85 // 100 * 100 // 112  # before 12% overhead
    group_total = base * 75 // 100 * seats  # teaching 70%, rooms 15%, development 15%
    return CostModel(
        teaching_hours=max(1, group_total * 70 // 100 // 8_500),
        hourly_cost_cents=8_500,
        materials_cents_per_seat=base * 15 // 100,
        rooms_cents=group_total * 15 // 100,
        examination_cents_per_seat=base * 10 // 100,
        development_cents=group_total * 15 // 100 * 4,
        development_runs=4,
        overhead_bp=1_200,
        seats_basis=seats,
    )


async def seed_cost_model(db: Any, offering: dict[str, Any]) -> None:
    if offering.get("provider_id") != DEMO_ENTITY:
        return
    price = list_price(offering)
    if not price:
        return
    model = demo_cost_model(price)
    key = f"{DEMO_ENTITY}|offering|{offering['_id']}"
    await db[COST_MODELS].update_one(
        {"_id": key},
        {
            "$setOnInsert": {
                "entity_id": DEMO_ENTITY,
                "scope": "offering",
                "ref": offering["_id"],
                "model": model.model_dump(),
                "integral_cost_per_seat_cents": integral_cost_per_seat(model),
                "seat_price_cents": price,
                "override": None,
                "updated_by": "demo",
                "updated_at": datetime.now(UTC).isoformat(),
            }
        },
        upsert=True,
    )
