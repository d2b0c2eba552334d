"""A private participant's journey on the real broker and store (issue 11 "must be shown", issue 12
"personal data stays home"): catalogue, recruitment and billing each on Kafka + FerretDB.

Fenna applies on the public form for a derde-leerweg course and says she pays herself, with her
invoice address. The provider takes her through intake and asks the seat (the funding she named),
the catalogue reserves it, recruitment publishes ParticipantEnrolled and billing invoices the seat.
Her invoice details reach billing's consumer sealed, and billing's key opens them to exactly what
she typed. Then every Kafka message written during the run (keys, headers, values, on every
topic) is read back: none holds her name, e-mail address, street or postcode.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pypdf import PdfReader

from billing.app import create_app as billing_app
from billing.handlers import ParticipantEnrolled as BillingView
from billing.settings import BillingSettings
from catalogue.app import create_app as catalogue_app
from catalogue.settings import CatalogueSettings
from llo_shared.sealed import sealing_key, unseal
from recruitment.app import create_app as recruitment_app
from recruitment.settings import RecruitmentSettings
from tests.fixtures.apps import bearer, running
from tests.fixtures.catalogue_data import read_cohorts_from_now, schedule_private_cohort
from tests.fixtures.recruitment_data import INTAKE
from tests.support import eventually

PROVIDER = "BRIN-25LH"
API = "/recruitment/api/v1"
SEAT_PRICE = 640000  # schedule_private_cohort's seat price, the offering's full price


def _letters(unique: str) -> str:
    """The unique suffix as letters only, so the person's data is unlike anything else on the broker."""
    return unique.translate(str.maketrans("0123456789", "ghijklmnop")).capitalize()


@pytest.fixture
def stack(infra, unique, dev_key_file, tmp_path):
    prefix = f"t{unique}."
    common = {
        "environment": "test",
        "storage": "mongo",
        "mongo_url": infra.mongo_url,
        "bus": "kafka",
        "kafka_bootstrap": infra.kafka,
        "dev_key_file": dev_key_file,
        "sealing_key_file": tmp_path / "billing-sealing-key.pem",
        "relay_poll_interval_s": 0.2,
    }
    # Billing reads its topics under a prefix; recruitment publishes its applications there, and
    # the catalogue decides seats from there too.
    application_topic = prefix + "recruitment.application.v1"
    catalogue = CatalogueSettings(
        **common,
        mongo_database=f"t_{unique}_cat",
        application_topic=application_topic,
        consumer_group_suffix=f".t{unique}",
    )
    recruitment = RecruitmentSettings(
        **common,
        mongo_database=f"t_{unique}_rec",
        application_topic=application_topic,
        campaign_topic=f"recruitment.campaign.t{unique}",
        consumer_group_suffix=f".t{unique}",
    )
    billing = BillingSettings(**common, mongo_database=f"t_{unique}_bil", topic_prefix=prefix)
    yield catalogue, recruitment, billing
    from pymongo import MongoClient

    with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
        for name in (f"t_{unique}_cat", f"t_{unique}_rec", f"t_{unique}_bil"):
            client.drop_database(name)


SERVICES = ("catalogue.", "matching.", "recruitment.", "billing.")


def _of_this_run(topic: str, unique: str) -> bool:
    """This run's own topics and the services' standard ones (with their DLQs). Other test runs'
    prefixed topics are left out: on a broker shared by many runs there are thousands."""
    return unique in topic or topic.startswith(SERVICES)


async def _offsets(bootstrap: str, unique: str) -> dict[TopicPartition, int]:
    """The end of every partition of every topic this run may write to, now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if _of_this_run(t, unique)]
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions)) if partitions else {}
    finally:
        await consumer.stop()


async def _written_since(bootstrap: str, unique: str, before: dict[TopicPartition, int]) -> list[Any]:
    """Every message written after `before` was taken, on old and new topics of this run."""
    after = await _offsets(bootstrap, unique)
    todo = {tp: (before.get(tp, 0), end) for tp, end in after.items() if end > before.get(tp, 0)}
    if not todo:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    messages: list[Any] = []
    try:
        consumer.assign(list(todo))
        for tp, (start, _) in todo.items():
            consumer.seek(tp, start)
        while todo:
            batch = await consumer.getmany(timeout_ms=2000, max_records=1000)
            for tp, records in batch.items():
                messages += [r for r in records if r.offset < todo.get(tp, (0, 0))[1]]
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp][1]:
                    del todo[tp]
    finally:
        await consumer.stop()
    return messages


def _text(record: Any) -> str:
    parts = [record.key or b"", record.value or b""] + [v or b"" for _, v in record.headers or ()]
    return " ".join(p.decode("utf-8", "replace") for p in parts)


async def test_a_private_participant_is_enrolled_billed_and_her_data_never_travels_in_plain_text(
    infra, stack, unique, caplog
):
    caplog.set_level(logging.INFO)
    catalogue_settings, settings, billing_settings = stack
    name = f"Fenna {_letters(unique)}"
    email = f"fenna.{unique}@voorbeeld.nl"
    street = f"{_letters(unique)}laan 17"
    postcode = "1315 ZQ"
    before = await _offsets(infra.kafka, unique)
    await read_cohorts_from_now(infra.kafka, "recruitment.cohorts" + settings.consumer_group_suffix)
    cohort_id = f"coh-journey-{unique}"
    provider = bearer(settings, "provider", PROVIDER)
    catalogue, recruitment, billing = (
        catalogue_app(catalogue_settings),
        recruitment_app(settings),
        billing_app(billing_settings),
    )
    async with running(catalogue) as cat_http, running(recruitment) as http, running(billing) as bil_http:
        await schedule_private_cohort(
            cat_http,
            catalogue_settings,
            cohort_id,
            capacity=4,
            break_even=2,
            starts_in_days=90,
            decided_days_before=30,
        )
        store = recruitment.state.recruitment.store
        await eventually(lambda: store.cohort(cohort_id), timeout=60, what="the cohort in recruitment")

        form = {
            "cohort_id": cohort_id,
            "name": name,
            "email": email,
            "consent": "ja",
            "betaler": "ikzelf",
            "factuur_straat": street,
            "factuur_postcode": postcode,
            "factuur_plaats": "Almere",
            "factuur_email": email,
        }
        sent = await http.post("/recruitment/aanmelden", data=form)
        assert sent.status_code == 303, sent.text
        [application] = await store.all_applications({"cohort_id": cohort_id})
        app_id = application.application_id
        for step in (
            {"to": "intake_planned"},
            {"to": "intake_done", "intake": INTAKE},
            {"to": "admitted"},
            {"to": "enrolment_requested"},  # the funding she named: private, paid by herself
        ):
            moved = await http.post(f"{API}/applications/{app_id}/transitions", json=step, headers=provider)
            assert moved.status_code == 200, moved.text

        async def enrolled() -> bool:
            found = await store.application(app_id)
            return found is not None and found[0].stage == "enrolled"

        await eventually(enrolled, timeout=90, what="the seat decision")
        ref = (await store.application(app_id))[0].participant_ref
        invoices = billing.state.runtime.db["documents"]

        async def invoiced() -> bool:
            return await invoices.count_documents({"payer.payer_id": ref}) > 0

        await eventually(invoiced, timeout=90, what="billing's invoice for the seat")
        [invoice] = await invoices.find({"payer.payer_id": ref}).to_list(None)
        assert sum(line["unit_price_cents"] for line in invoice["lines"]) == SEAT_PRICE
        assert invoice["ledger"] == "privaat"
        # issued (numbered) under her own name and address: finance's PDF says so
        finance = bearer(billing_settings, "finance", PROVIDER)
        pdf = await bil_http.get(
            f"/billing/api/v1/entities/{PROVIDER}/documents/{invoice['number']}/pdf", headers=finance
        )
        assert pdf.status_code == 200, pdf.text
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        for shown in (name, street, postcode, "Almere"):
            assert shown in text, shown

    messages = await _written_since(infra.kafka, unique, before)
    enrolments = [
        json.loads(m.value)
        for m in messages
        if m.topic == settings.application_topic and b'"ParticipantEnrolled"' in m.value
    ]
    [event] = [e for e in enrolments if e["payload"]["application_id"] == app_id]
    # What billing's consumer parses, and what its key opens.
    parsed = BillingView.model_validate(event["payload"])
    assert parsed.participant_ref == ref and parsed.seat_price_cents == SEAT_PRICE
    [payer] = event["payload"]["payers"]
    assert (payer["kind"], payer["payer_id"], payer["name"]) == ("participant", ref, ref)
    key = sealing_key(billing_settings.sealing_key_file, create=False)
    assert unseal(payer["sealed_details"], key) == {
        "name": name,
        "street": street,
        "postcode": postcode,
        "city": "Almere",
        "country": "NL",
        "email": email,
    }

    texts = [_text(m) for m in messages]
    assert len(texts) >= 8  # the run's events were read back, not an empty broker
    personal = {
        "name": name,
        "surname": _letters(unique),
        "e-mail": email,
        "street": street,
        "postcode": postcode,
        "postcode without space": postcode.replace(" ", ""),
    }
    hits = {what: sum(value in text for text in texts) for what, value in personal.items()}
    assert hits == dict.fromkeys(personal, 0), hits
    # Nor any log line of the three services (message and every structured field).
    lines = [json.dumps(vars(record), default=str) for record in caplog.records]
    assert len(lines) >= 3
    log_hits = {what: sum(value in line for line in lines) for what, value in personal.items()}
    assert log_hits == dict.fromkeys(personal, 0), log_hits
