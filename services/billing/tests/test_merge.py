"""A merge: the seats' money follows the people to the target cohort (credit on the old, invoice
on the new at the target's seat price); a later withdrawal credits the new invoice."""

from billing.handlers import ParticipantEnrolled, ref
from tests.fixtures import billing_events as ev


async def test_a_merged_cohorts_seats_are_credited_there_and_invoiced_on_the_target(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published())
    await billing.feed(ev.cohort(), ev.cohort(cohort_id="COH-2", seat_price_cents=240_000))
    await billing.feed(ev.enrolled("ENR-1"), ev.enrolled("ENR-2", funding_kind="funded_bbl"))
    merged = ev.cancelled()
    merged[1].payload["merged_into"] = "COH-2"
    await billing.feed(merged)
    documents = await billing.documents()
    assert sorted((d["kind"], d["cohort_id"], d["total_cents"]) for d in documents) == [
        ("credit_note", "COH-1", 250_000),
        ("invoice", "COH-1", 250_000),
        ("invoice", "COH-2", 240_000),
    ]
    moved = await billing.db["enrolments"].find({}).sort("_id", 1).to_list(None)
    assert [(e["_id"], e["cohort_id"], e["merged_from"]) for e in moved] == [
        ("ENR-1", "COH-2", "COH-1"),
        ("ENR-2", "COH-2", "COH-1"),  # a funded seat moves too (counted for the allocation), unbilled
    ]
    await billing.feed(merged)  # redelivered: nothing more
    assert len(await billing.documents()) == 3
    await billing.feed(ev.withdrawn("ENR-1", cohort_id="COH-2"))
    credits = await billing.documents(kind="credit_note", cohort_id="COH-2")
    assert [c["total_cents"] for c in credits] == [240_000]


async def test_an_enrolment_that_arrives_after_the_merge_follows_it_too(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published())
    await billing.feed(ev.cohort(), ev.cohort(cohort_id="COH-2", seat_price_cents=240_000))
    merged = ev.cancelled()
    merged[1].payload["merged_into"] = "COH-2"
    await billing.feed(merged)
    await billing.feed(ev.enrolled("ENR-LATE"))
    run = [ev.enrolled(f"ENR-BULK-{n}")[1] for n in range(2)]  # the bulk path of a run of enrolments
    await billing.runtime.biller.participants_enrolled(
        [(ParticipantEnrolled.model_validate(e.payload), ref(e)) for e in run]
    )
    documents = await billing.documents(kind="invoice")
    assert sorted((d["enrolment_id"], d["cohort_id"], d["total_cents"]) for d in documents) == [
        ("ENR-BULK-0", "COH-2", 240_000),
        ("ENR-BULK-1", "COH-2", 240_000),
        ("ENR-LATE", "COH-2", 240_000),
    ]


async def test_the_lines_of_a_merge_name_both_start_moments_not_their_ids(billing):
    await billing.feed(ev.provider_registered(), ev.offering_published())
    await billing.feed(ev.cohort(), ev.cohort(cohort_id="COH-2", start_date="2026-11-02"))
    await billing.feed(ev.enrolled("ENR-1"))
    merged = ev.cancelled()
    merged[1].payload["merged_into"] = "COH-2"
    await billing.feed(merged)
    lines = sorted((d["cohort_id"], d["lines"][0]["description"]) for d in await billing.documents())
    training = "Helpende Zorg & Welzijn (derde leerweg)"
    assert lines == [
        (
            "COH-1",
            f"Creditering: startmoment samengevoegd met {training}, start 2 november 2026"
            " (factuur 25LH-PRV-2026-000001)",
        ),
        ("COH-1", f"Opleidingsplaats {training}, start 1 oktober 2026"),
        ("COH-2", f"Opleidingsplaats {training}, start 2 november 2026 (overgezet van start 1 oktober 2026)"),
    ]
