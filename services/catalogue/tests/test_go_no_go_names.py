"""The go/no-go page names the payers that accepted a surcharge by the names the SurchargeAccepted
event carries (`payers[].name`, each payer of a demand), never by their KvK number or id."""

from datetime import date

from catalogue.handlers import SURCHARGE_TOPIC
from tests.support import eventually

from .test_events import envelope, publish

PAGE = "/catalogue/aanbieder/besluiten"
COLORIET = {"payer_id": "KVK-62584031", "kind": "employer", "name": "Coloriet", "share_bp": 5000}
FUND = {"payer_id": "OO-PZW", "kind": "oo_fonds", "name": "Fonds Zorg en Welzijn", "share_bp": 5000}


async def test_payers_of_an_accepted_surcharge_are_named_as_the_event_names_them(
    catalogue, client, as_flevoland
):
    bus = client.app.state.runtime.bus
    await bus.start()
    oid = (await catalogue.offering())["offering_id"]
    cid = (await catalogue.cohort(oid, capacity=12, break_even=8, seat_price_cents=100000))["cohort_id"]
    store = client.app.state.catalogue_store
    store.today = lambda: date(2030, 1, 15)  # the decision is due
    payload = {
        "cohort_id": cid,
        "demand_id": "D-1",
        "payer": {"payer_id": "KVK-62584031", "kind": "employer"},  # v1's first payer, unnamed
        "payers": [COLORIET, FUND],
        "seats": 2,
        "cap_cents": 900_000,
    }
    await publish(bus, SURCHARGE_TOPIC, envelope("SurchargeAccepted", cid, payload))

    async def accepted():
        return bool((await store.cohort(cid))["surcharge_acceptances"])

    await eventually(accepted, what="acceptance recorded")
    page = await client.get(PAGE, headers=as_flevoland)
    assert page.status_code == 200
    # 8 - 0 seats short x € 1.000,00, shared half and half by the demand's two payers
    assert "Geaccepteerd door Coloriet: € 4.000,00" in page.text
    assert "Geaccepteerd door Fonds Zorg en Welzijn: € 4.000,00" in page.text
    assert "KvK 62584031" not in page.text and "KVK-" not in page.text
