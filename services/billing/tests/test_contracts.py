"""Consumer-driven contract: billing parses what catalogue and recruitment actually emit
(their own payload models, built the way they build them) and bills from it."""

from datetime import UTC, datetime

from catalogue import events as catalogue
from recruitment import events as recruitment
from recruitment.domain.funding import FundingKind, Payer

PROVIDER = "BRIN-25LH"
EMPLOYER = Payer(
    payer_id="KVK-39084217",
    kind="employer",
    name="Zorggroep Almere",
    scheme="0106",
    endpoint="39084217",
    share_bp=10_000,
)


def cohort_payload(model, **changes):  # type: ignore[no-untyped-def]
    values = dict(
        cohort_id="coh-brin-25lh-001-1",
        offering_id="off-brin-25lh-001",
        provider_id=PROVIDER,
        region="flevoland",
        municipality="Almere",
        postcode="1315 RA",
        lat=52.37,
        lon=5.22,
        start_date="2026-10-01",
        end_date="2027-03-31",
        decision_date="2026-09-15",
        capacity=16,
        break_even=12,
        seat_price_cents=240_000,
        status="planned",
        seats_taken=8,
        seats_left=8,
    )
    return model(**(values | changes))


def produced(topic, payload, aggregate_id):  # type: ignore[no-untyped-def]
    return topic, payload.envelope(producer=topic.split(".")[0], aggregate_id=aggregate_id)


async def test_billing_bills_from_the_producers_own_events(billing):
    provider = catalogue.ProviderRegistered(
        provider_id=PROVIDER,
        name="ROC van Flevoland",
        kind="roc",
        funded=True,
        kvk="39082468",
        institution_code="25LH",
        regions=["flevoland"],
    )
    offering = catalogue.OfferingPublished(
        offering_id="off-brin-25lh-001",
        provider_id=PROVIDER,
        title="Helpende Zorg & Welzijn",
        credential_type="diploma",
        code="25498",
        leerweg="derde_leerweg",
        level=2,
        domain="zorg",
        skills=[],
        visibility="public",
        visible_to=[],
        funding="private",
        price=catalogue.PriceOut(tuition_cents=240_000, exam_cents=0, materials_cents=0, vat_code="E"),
        study_load_hours=400,
        duration_weeks=26,
        start_policy="fixed",
        version=1,
    )
    enrolled = recruitment.ParticipantEnrolled(
        enrolment_id="enr-1",
        application_id="app-1",
        cohort_id="coh-brin-25lh-001-1",
        offering_id="off-brin-25lh-001",
        provider_id=PROVIDER,
        participant_ref="pref-1",
        funding_kind=FundingKind.private,
        payers=[EMPLOYER],
        seat_price_cents=240_000,
        enrolled_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    surcharge = catalogue.Surcharge(
        total_cents=4 * 240_000,
        empty_seats=4,
        payers=[
            catalogue.SurchargePayer(
                payer_id="KVK-39084217",
                kind="employer",
                name="Zorggroep Almere",
                scheme="0106",
                endpoint="39084217",
                seats=8,
                cap_cents=2_000_000,
                amount_cents=960_000,
            )
        ],
    )
    confirmed = catalogue.CohortConfirmed(
        cohort_id="coh-brin-25lh-001-1",
        provider_id=PROVIDER,
        offering_id="off-brin-25lh-001",
        decision="go_with_surcharge",
        enrolled=8,
        break_even=12,
        seat_price_cents=240_000,
        surcharge=surcharge,
        decided_by="provider:BRIN-25LH",
    )
    await billing.feed(
        produced(catalogue.PROVIDER_TOPIC, provider, PROVIDER),
        produced(catalogue.OFFERING_TOPIC, offering, offering.offering_id),
        produced(catalogue.COHORT_TOPIC, cohort_payload(catalogue.CohortScheduled), "coh-brin-25lh-001-1"),
        produced(recruitment.APPLICATION_TOPIC, enrolled, "app-1"),
        produced(catalogue.COHORT_TOPIC, confirmed, "coh-brin-25lh-001-1"),
    )
    documents = await billing.documents()
    assert {(d["purpose"], d["total_cents"]) for d in documents} == {
        ("seat", 240_000),
        ("surcharge", 960_000),
    }
    assert await billing.runtime.bus.dead_letters() == []
    filled = cohort_payload(catalogue.CohortUpdated, status="confirmed", seats_taken=10, seats_left=6)
    await billing.feed(produced(catalogue.COHORT_TOPIC, filled, "coh-brin-25lh-001-1"))
    [credit] = await billing.documents(kind="credit_note")
    assert credit["total_cents"] == 480_000


async def test_billing_keeps_consortia_from_the_catalogues_own_events(billing):
    formed = catalogue.ConsortiumFormed(
        consortium_id="FLEX-ZORG-FLEVOLAND",
        name="Zorgpact Flevoland (FLEX)",
        members=[PROVIDER, "KVK-90011001"],
        funded_members=[PROVIDER],
        flex_partnership=True,
    )
    changed = catalogue.ConsortiumMembersChanged(
        consortium_id="FLEX-ZORG-FLEVOLAND",
        name="Zorgpact Flevoland (FLEX)",
        members=[PROVIDER, "KVK-90011001", "KVK-90011002"],
        funded_members=[PROVIDER],
        flex_partnership=True,
        added=["KVK-90011002"],
    )
    topic = catalogue.CONSORTIUM_TOPIC
    await billing.feed(produced(topic, formed, "FLEX-ZORG-FLEVOLAND"))
    await billing.feed(produced(topic, changed, "FLEX-ZORG-FLEVOLAND"))
    kept = await billing.db["consortia"].find_one({"_id": "FLEX-ZORG-FLEVOLAND"})
    assert kept["members"] == [PROVIDER, "KVK-90011001", "KVK-90011002"]
    assert kept["name"] == "Zorgpact Flevoland (FLEX)"
