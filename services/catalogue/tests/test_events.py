"""Events in and out: enrolment requests through the bus become SeatReserved/SeatRejected on the
cohort topic; payloads parse with the owned models; surcharge acceptances feed the decision."""

import json

from catalogue import events as ev
from catalogue.handlers import APPLICATION_TOPIC, SURCHARGE_TOPIC
from llo_shared.bus import Message, Subscription
from llo_shared.envelope import EventEnvelope
from tests.support import eventually

from .conftest import API


def envelope(event_type, aggregate_id, payload):
    return EventEnvelope(
        event_type=event_type, producer="recruitment", aggregate_id=aggregate_id, payload=payload
    )


async def publish(bus, topic, env):
    await bus.publish([Message(topic=topic, key=env.aggregate_id, value=env.to_bytes())])


def collect(bus, topic):
    seen = []

    async def handler(env):
        seen.append(env)

    bus.subscribe(Subscription(f"test.{topic}", (topic,), handler))
    return seen


async def test_enrolment_requests_over_the_bus_end_in_seat_events(catalogue, client):
    bus = client.app.state.runtime.bus
    seen = collect(bus, ev.COHORT_TOPIC)
    await bus.start()
    oid = (await catalogue.offering())["offering_id"]
    cid = (await catalogue.cohort(oid, capacity=2, break_even=2))["cohort_id"]
    requests = [
        envelope(
            "EnrolmentRequested",
            f"app-{n}",
            {
                "enrolment_id": f"enr-{n}",
                "application_id": f"app-{n}",
                "cohort_id": cid,
                "participant_ref": f"ref-{n}",
                "funding_kind": "private",
                "payers": [],
            },
        )
        for n in range(3)
    ]
    for request in requests:
        await publish(bus, APPLICATION_TOPIC, request)
    await publish(bus, APPLICATION_TOPIC, requests[0])  # redelivery of the same event
    await eventually(
        lambda: sum(e.event_type in ("SeatReserved", "SeatRejected") for e in seen) == 3,
        what="three seat decisions",
    )
    decisions = {e.payload["enrolment_id"]: e.event_type for e in seen if e.event_type.startswith("Seat")}
    assert sorted(decisions.values()) == ["SeatRejected", "SeatReserved", "SeatReserved"]
    cohort = (await client.get(f"{API}/cohorts/{cid}")).json()
    assert (cohort["seats_taken"], cohort["seats_left"]) == (2, 0)
    for e in seen:
        model = next(m for m in ev.CATALOGUE_EVENTS if m.model_fields["event_type"].default == e.event_type)
        model.from_envelope(e)  # every payload parses with its owned model
    withdrawn = envelope(
        "EnrolmentWithdrawn",
        "app-x",
        {
            "enrolment_id": next(k for k, v in decisions.items() if v == "SeatReserved"),
            "application_id": "app-x",
            "cohort_id": cid,
            "reason": "x",
        },
    )
    await publish(bus, APPLICATION_TOPIC, withdrawn)
    await eventually(lambda: any(e.event_type == "SeatReleased" for e in seen), what="SeatReleased")
    assert (await client.get(f"{API}/search")).json()["items"][0]["cohorts"][0]["seats_left"] == 1


async def test_surcharge_acceptance_enables_go_with_surcharge(catalogue, client, as_flevoland):
    bus = client.app.state.runtime.bus
    seen = collect(bus, ev.COHORT_TOPIC)
    await bus.start()
    oid = (await catalogue.offering())["offering_id"]
    cid = (await catalogue.cohort(oid, capacity=12, break_even=8, seat_price_cents=100000))["cohort_id"]
    payer = {
        "payer_id": "KVK-39084217",
        "kind": "employer",
        "name": "Zorggroep Almere",
        "scheme": "0106",
        "endpoint": "39084217",
    }
    await publish(
        bus,
        SURCHARGE_TOPIC,
        envelope(
            "SurchargeAccepted", cid, {"cohort_id": cid, "payer": payer, "seats": 3, "cap_cents": 900000}
        ),
    )
    store = client.app.state.catalogue_store

    async def accepted():
        return bool((await store.cohort(cid))["surcharge_acceptances"])

    await eventually(accepted, what="acceptance recorded")
    decided = await client.post(
        f"{API}/cohorts/{cid}/decision", json={"decision": "go_with_surcharge"}, headers=as_flevoland
    )
    assert decided.status_code == 200, decided.text
    await eventually(lambda: any(e.event_type == "CohortConfirmed" for e in seen), what="CohortConfirmed")
    confirmed = next(e for e in seen if e.event_type == "CohortConfirmed").payload
    assert confirmed["decision"] == "go_with_surcharge"
    assert confirmed["surcharge"]["total_cents"] == 8 * 100000
    assert confirmed["surcharge"]["payers"][0]["payer_id"] == "KVK-39084217"


async def test_published_events_carry_no_personal_data_fields(catalogue, client):
    bus = client.app.state.runtime.bus
    seen = collect(bus, ev.OFFERING_TOPIC)
    await bus.start()
    await catalogue.offering()
    await eventually(lambda: seen, what="OfferingPublished")
    payload = json.dumps(seen[0].payload)
    assert seen[0].event_type == "OfferingPublished" and "25498" in payload
    assert ev.OfferingPublished.from_envelope(seen[0]).price.tuition_cents == 390000


async def test_only_seat_events_of_the_application_topic_take_an_inbox_claim(catalogue, client):
    """The topic carries every funnel step; the others would cost a claim and its release each."""
    bus, db = client.app.state.runtime.bus, client.app.state.runtime.db
    seen = collect(bus, ev.COHORT_TOPIC)
    await bus.start()
    oid = (await catalogue.offering())["offering_id"]
    cid = (await catalogue.cohort(oid, capacity=2, break_even=2))["cohort_id"]
    step = envelope("IntakeCompleted", "app-1", {"application_id": "app-1", "cohort_id": cid})
    request = envelope(
        "EnrolmentRequested",
        "app-1",
        {"enrolment_id": "enr-1", "application_id": "app-1", "cohort_id": cid, "funding_kind": "private"},
    )
    for event in (step, request):
        await publish(bus, APPLICATION_TOPIC, event)
    await eventually(lambda: any(e.event_type == "SeatReserved" for e in seen), what="SeatReserved")
    claims = await db["inbox"].find({"consumer": {"$regex": "seats"}}).to_list(None)
    assert [c["event_id"] for c in claims] == [str(request.event_id)]
