"""Personal data stays home (issue 12), shown across the journeys that carry it, twice: on the
embedded stack with its in-process broker, and with the same four services each on its own client
of the real Kafka broker, under a namespace of the test's own (integration tier).

Three people go through every cross-service flow that holds personal data:
- Ysolde applies on the public form, pays herself (invoice name, street, postcode, e-mail), the
  provider writes intake notes with her phone number, birth date and BSN, enrols her, billing
  invoices her seat, finance imports the bank statement with her name and IBAN, and she is erased.
- Wobbe is registered by a mobility team with consent (the page for one of his details, the API
  for his own invoice details and an exemption reference that names him), placed in a group
  proposal, enrolled and invoiced, and then erased in matching, which every service follows.
- Jorieke is registered on the mobility team's page, applies through the team and drops out with a
  note naming her and her phone number.
Refused input holding their data, and a correlation id made of an e-mail address, are sent too.

Every value of theirs is distinctive. Afterwards every message on every topic (the DLQs too: key,
headers, envelope and payload, with base64 in it decoded; on Kafka read back from the beginning of
every topic of the namespace), every log record of every level (message, arguments, structured
fields, traceback; the Kafka client's own too) and every log line as the services write it is
searched for them, in any letter case: none may hold one. Sealed invoice details
(llo_shared.sealed, a JWE only billing opens) are the one way a person's data travels, and they
cannot be read on the way."""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from llo.embedded import EmbeddedApp
from llo_shared.auth import TOKEN_COOKIE, issue_dev_token
from llo_shared.bus import Message
from tests.fixtures.apps import bearer
from tests.fixtures.broker import everything_in_namespace
from tests.fixtures.catalogue_data import PRIVATE_OFFERING
from tests.support import eventually

PROVIDER = "BRIN-25LH"
CATALOGUE = "/catalogue/api/v1"
RECRUITMENT = "/recruitment/api/v1"
MATCHING = "/matching/api/v1"
BILLING = f"/billing/api/v1/entities/{PROVIDER}"

# Ysolde, who applies on the public form and pays herself.
YSOLDE = {
    "name": "Ysolde Quakernaat",
    "surname": "Quakernaat",
    "e-mail": "ysolde.quakernaat@voorbeeld.nl",
    "invoice e-mail": "facturen.quakernaat@voorbeeld.nl",
    "phone": "06-12873645",
    "phone, digits": "0612873645",
    "phone, spaced": "06 12873645",
    "phone, international": "+31612873645",
    "phone, international spaced": "+31 6 12873645",
    "birth date, ISO": "1987-03-14",
    "birth date, Dutch": "14-03-1987",
    "birth date, written": "14 maart 1987",
    "BSN": "123456782",
    "BSN, dotted": "1234.56.782",
    "street": "Zilverreigerhof 41",
    "postcode": "1358 QX",
    "postcode, compact": "1358QX",
    "IBAN": "NL21RABO0312847569",
    "IBAN, grouped": "NL21 RABO 0312 8475 69",
}
# Wobbe, whom a mobility team registers and places.
WOBBE = {
    "name": "Wobbe Tjallingii",
    "surname": "Tjallingii",
    "e-mail": "wobbe.tjallingii@voorbeeld.nl",
    "phone": "06-29384756",
    "phone, digits": "0629384756",
    "phone, international": "+31629384756",
    "birth date, ISO": "1979-11-02",
    "birth date, Dutch": "02-11-1979",
    "BSN": "111222333",
    "street": "Kemphaanpad 88",
    "postcode": "8232 RW",
    "postcode, compact": "8232RW",
    "IBAN": "NL19INGB0007418529",
}
# A third person the mobility team registers through its page only.
JORIEKE = {
    "name": "Jorieke Brinkerink",
    "surname": "Brinkerink",
    "e-mail": "jorieke.brinkerink@voorbeeld.nl",
    "phone": "06-55119922",
}
MARKERS = {
    f"{who}: {what}": value
    for who, person in (("Ysolde", YSOLDE), ("Wobbe", WOBBE), ("Jorieke", JORIEKE))
    for what, value in person.items()
}
# Services and libraries log under these names; the test client's own request log (httpx) is
# not a service's log, so it is left out.
NOT_SERVICE_LOGGERS = ("httpx", "httpcore")


def cohort_body(offering_id: str) -> dict[str, Any]:
    start = date.today() + timedelta(days=120)
    return {
        "cohort_id": "coh-privacy",
        "offering_id": offering_id,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=300)).isoformat(),
        "decision_date": (start - timedelta(days=30)).isoformat(),
        "municipality": "Almere",
        "postcode": "1315",
        "capacity": 12,
        "break_even": 2,
        "seat_price_cents": 640_000,
    }


def _decoded(segment: str) -> str:
    """A base64 or base64url segment as text, or "" when it is not one."""
    if len(segment) < 8 or not re.fullmatch(r"[A-Za-z0-9+/_-]+=*", segment):
        return ""
    try:
        raw = base64.urlsafe_b64decode(
            segment.replace("+", "-").replace("/", "_") + "=" * (-len(segment) % 4)
        )
    except (binascii.Error, ValueError):
        return ""
    return raw.decode("utf-8", "ignore")


def sealed(value: str) -> bool:
    """A compact JWE (llo_shared.sealed): five parts, a header naming its encryption."""
    parts = value.split(".")
    return len(parts) == 5 and '"enc"' in _decoded(parts[0])


def texts_of(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, each base64 piece of it also decoded; a sealed value
    contributes nothing readable (that is its point)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from texts_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts_of(item)
    elif isinstance(value, str):
        if sealed(value):
            return
        yield value
        yield from (_decoded(piece) for piece in re.split(r"[.\s:;,]", value))
    elif value is not None:
        yield str(value)


def message_text(message: Any) -> str:
    key = message.key if isinstance(message.key, str) else (message.key or b"").decode("utf-8", "replace")
    value = (
        message.value.decode("utf-8", "replace") if isinstance(message.value, bytes) else str(message.value)
    )
    try:
        body = list(texts_of(json.loads(value)))
    except ValueError:
        body = [value]
    headers = [
        f"{k}={v.decode('utf-8', 'replace') if isinstance(v, bytes) else v}"
        for k, v in (message.headers or {}).items()
    ]
    return "\n".join([message.topic, key, *headers, *body])


def record_text(record: logging.LogRecord) -> str:
    """A log record as any handler could write it: message, arguments, every field, traceback."""
    formatted = logging.Formatter().format(record)
    return formatted + "\n" + json.dumps(vars(record), default=str, ensure_ascii=False)


def hits(texts: list[str]) -> dict[str, int]:
    folded = [t.casefold() for t in texts]
    found = {what: sum(value.casefold() in text for text in folded) for what, value in MARKERS.items()}
    return {what: count for what, count in found.items() if count}


class Journeys:
    """The three people's journeys through the four services, step by step."""

    def __init__(self, app: EmbeddedApp, http: httpx.AsyncClient) -> None:
        self.app = app
        self.http = http
        settings = app.apps["catalogue"].state.settings
        self.provider = bearer(settings, "provider", PROVIDER, "flevoland")
        self.finance = bearer(settings, "finance", PROVIDER, "flevoland")
        self.rmt = bearer(settings, "rmt", "RMT-FLEVOLAND", "flevoland")
        self.rmt_cookie = issue_dev_token(settings, role="rmt", org="RMT-FLEVOLAND", region="flevoland")

    async def call(self, method: str, url: str, headers: dict[str, str], **kwargs: Any) -> Any:
        answer = await self.http.request(method, url, headers=headers, **kwargs)
        assert answer.is_success, f"{method} {url}: {answer.status_code} {answer.text[:500]}"
        return answer.json()

    async def a_private_course(self) -> None:
        provider = {"provider_id": PROVIDER, "name": "ROC van Flevoland", "kind": "roc"}
        await self.call(
            "POST",
            f"{CATALOGUE}/providers",
            self.provider,
            json=provider | {"institution_code": "25LH", "regions": ["flevoland"]},
        )
        offering = await self.call("POST", f"{CATALOGUE}/offerings", self.provider, json=PRIVATE_OFFERING)
        await self.call(
            "POST", f"{CATALOGUE}/cohorts", self.provider, json=cohort_body(offering["offering_id"])
        )
        recruitment = self.app.apps["recruitment"].state.recruitment
        await eventually(lambda: recruitment.cohort("coh-privacy"), what="the start moment in recruitment")
        await self.app.settle()

    # Ysolde -------------------------------------------------------------------------------------
    async def ysolde_applies_on_the_form(self) -> str:
        form = {
            "cohort_id": "coh-privacy",
            "name": YSOLDE["name"],
            "email": YSOLDE["e-mail"],
            "phone": YSOLDE["phone"],
            "postcode": YSOLDE["postcode"],
            "consent": "ja",
            "betaler": "ikzelf",
            "factuur_straat": YSOLDE["street"],
            "factuur_postcode": YSOLDE["postcode"],
            "factuur_plaats": "Almere",
            "factuur_email": YSOLDE["invoice e-mail"],
        }
        sent = await self.http.post(
            "/recruitment/aanmelden", data=form, headers={"x-correlation-id": YSOLDE["e-mail"]}
        )
        assert sent.status_code == 303, sent.text
        listed = await self.call("GET", f"{RECRUITMENT}/applications", self.provider)
        [mine] = [a for a in listed["items"] if a["source"] == "portal"]
        return str(mine["application_id"])

    async def ysolde_types_it_wrong_first(self) -> None:
        """Refused input holding her data (a 422 page or problem) is not logged, nor is a correlation
        id made of her e-mail address copied into any event."""
        form = {
            "cohort_id": "coh-privacy",
            "name": YSOLDE["name"],
            "email": YSOLDE["e-mail"],
            "consent": "ja",
        }
        wrong = form | {"phone": f"BSN {YSOLDE['BSN']}", "postcode": YSOLDE["birth date, Dutch"]}
        refused = await self.http.post(
            "/recruitment/aanmelden", data=wrong, headers={"x-correlation-id": YSOLDE["e-mail"]}
        )
        assert refused.status_code == 422
        body = {"cohort_id": "coh-privacy", "applicant": form | {"phone": YSOLDE["IBAN"]}, "consent": True}
        refused = await self.http.post(f"{RECRUITMENT}/applications", json=body, headers=self.rmt)
        assert refused.status_code == 422

    async def intake_with_notes_and_enrolment(self, app_id: str) -> None:
        note = (
            f"Gebeld op {YSOLDE['phone']} ({YSOLDE['phone, international spaced']}); geboren "
            f"{YSOLDE['birth date, Dutch']} ({YSOLDE['birth date, written']}), BSN {YSOLDE['BSN, dotted']}."
        )
        intake = {
            "scores": [{"name": "motivatie", "value": 80}],
            "exemptions": [],
            "notes": f"{YSOLDE['name']}, {YSOLDE['birth date, ISO']}, BSN {YSOLDE['BSN']}, "
            f"IBAN {YSOLDE['IBAN']}",
        }
        for step in (
            {"to": "intake_planned", "note": note},
            {"to": "intake_done", "intake": intake, "note": f"belt terug op {YSOLDE['phone, digits']}"},
            {"to": "admitted", "note": f"woont {YSOLDE['street']}, {YSOLDE['postcode']}"},
            {"to": "enrolment_requested"},
        ):
            await self.call(
                "POST", f"{RECRUITMENT}/applications/{app_id}/transitions", self.provider, json=step
            )

    async def invoices(self) -> list[dict[str, Any]]:
        listed = await self.call("GET", f"{BILLING}/invoices", self.finance)
        return list(listed["items"])

    async def both_pay_by_bank(self) -> None:
        """Each pays their invoice; Ysolde also sends an amount the bank cannot match."""
        today = date.today().isoformat()
        first, second = sorted(invoice["number"] for invoice in await self.invoices())
        statement = "\n".join(
            [
                "date;amount;reference;counterparty;iban",
                f"{today};6400,00;{first};{YSOLDE['name']};{YSOLDE['IBAN']}",
                f"{today};6400,00;factuur {second} {WOBBE['name']};{WOBBE['name']};{WOBBE['IBAN']}",
                f"{today};12,50;{YSOLDE['name']} {YSOLDE['birth date, Dutch']};"
                f"Y. {YSOLDE['surname']};{YSOLDE['IBAN, grouped']}",
            ]
        )
        preview = await self.call("POST", f"{BILLING}/payment-imports", self.finance, json={"csv": statement})
        booked = await self.call(
            "POST", f"{BILLING}/payment-imports/{preview['import_id']}/book", self.finance
        )
        assert len(booked["rows"]) == 3, booked

    async def ysolde_is_erased(self, app_id: str) -> None:
        await self.call("DELETE", f"{RECRUITMENT}/applications/{app_id}/personal-data", self.provider)

    # Wobbe and Jorieke -------------------------------------------------------------------------
    async def jorieke_is_registered_on_the_page(self) -> None:
        form = {
            "display_name": JORIEKE["name"],
            "email": JORIEKE["e-mail"],
            "phone": JORIEKE["phone"],
            "municipality": "Almere",
            "max_distance_km": "30",
            "available_from": (date.today() + timedelta(days=7)).isoformat(),
            "available_until": (date.today() + timedelta(days=400)).isoformat(),
            "target_level": "3",
            "budget_euro": "7.000,00",
            "consent": "ja",
        }
        self.http.cookies.set(TOKEN_COOKIE, self.rmt_cookie)
        try:
            sent = await self.http.post("/matching/mobiliteitsteam/kandidaat", data=form)
        finally:
            self.http.cookies.clear()
        assert sent.status_code == 303, sent.text[:2000]

    async def jorieke_applies_through_the_team_and_drops_out(self) -> None:
        """The mobility team registers her for the course (API); she drops out, the note says why."""
        body = {
            "cohort_id": "coh-privacy",
            "applicant": {"name": JORIEKE["name"], "email": JORIEKE["e-mail"], "phone": JORIEKE["phone"]},
            "consent": True,
        }
        created = await self.call("POST", f"{RECRUITMENT}/applications", self.rmt, json=body)
        step = {
            "to": "withdrawn",
            "reason": "personal_circumstances",
            "note": f"{JORIEKE['name']} ({JORIEKE['phone']}) belde af",
        }
        url = f"{RECRUITMENT}/applications/{created['application_id']}/transitions"
        await self.call("POST", url, self.provider, json=step)

    async def wobbe_is_registered(self) -> str:
        invoice = {
            "name": WOBBE["name"],
            "street": WOBBE["street"],
            "postcode": WOBBE["postcode"],
            "city": "Lelystad",
            "email": WOBBE["e-mail"],
        }
        body = {
            "region": "flevoland",
            "location": {"municipality": "Lelystad"},
            "max_distance_km": 60,
            "available_from": (date.today() + timedelta(days=7)).isoformat(),
            "available_until": (date.today() + timedelta(days=400)).isoformat(),
            "goal_essential_skills": [],
            "target_level": 3,
            "domain": "zorg_welzijn_sport",
            "funding_eligibility": ["private"],
            "payers": [
                {"payer_id": "ik", "kind": "participant", "name": WOBBE["name"], "invoice_details": invoice}
            ],
            "consent": {"purpose": "matching", "given_on": date.today().isoformat()},
            "evidence": [
                {
                    "module_code": "ADL",
                    "praktijkscan_pct": 70,
                    "exemption": "granted",
                    "exemption_decided_on": date.today().isoformat(),
                    "exemption_reference": (
                        f"besluit {WOBBE['name']} geb. {WOBBE['birth date, Dutch']} BSN {WOBBE['BSN']}"
                    ),
                }
            ],
            "personal": {
                "display_name": WOBBE["name"],
                "email": WOBBE["e-mail"],
                "phone": WOBBE["phone"],
                "postcode": WOBBE["postcode"],
            },
        }
        created = await self.call("POST", f"{MATCHING}/candidates", self.rmt, json=body)
        ref = str(created["candidate_ref"])
        await self.call(
            "POST",
            f"{MATCHING}/candidates/{ref}/consents",
            self.rmt,
            json={"purpose": "sharing_with_provider", "given_on": date.today().isoformat()},
        )
        return ref

    async def wobbe_is_placed(self, ref: str) -> None:
        await self.call("POST", f"{MATCHING}/group-proposals/runs", self.rmt, json={"region": "flevoland"})
        proposals = await self.call("GET", f"{MATCHING}/group-proposals", self.rmt)
        [proposal] = [
            p
            for p in proposals["items"]
            if p["cohort_id"] == "coh-privacy" and any(m.get("ref") == ref for m in p["members"])
        ]
        await self.call(
            "POST",
            f"{MATCHING}/group-proposals/{proposal['proposal_id']}/accept",
            self.rmt,
            json={"candidate_ref": ref, "candidate_agreed": True},
        )

    async def the_provider_enrols_wobbe(self) -> None:
        """A person a mobility team placed arrives in recruitment; where the provider is the one to
        ask for the seat (admitted, on the intake worklist), it does."""
        recruitment = self.app.apps["recruitment"].state.recruitment

        async def placed() -> list[Any]:
            return await recruitment.store.all_applications({"source": "placement"})

        await eventually(placed, what="Wobbe's application in recruitment")
        [application] = await placed()
        if application.stage == "admitted":
            url = f"{RECRUITMENT}/applications/{application.application_id}/transitions"
            await self.call("POST", url, self.provider, json={"to": "enrolment_requested"})

    async def wobbe_is_erased(self, ref: str) -> None:
        await self.call("DELETE", f"{MATCHING}/candidates/{ref}", self.rmt)


async def everything_stored(app: EmbeddedApp) -> list[str]:
    """Every document of every service's database, as text."""
    texts = []
    for service_app in app.apps.values():
        db = service_app.state.runtime.db
        for collection in await db.list_collection_names():
            documents = await db[collection].find({}).to_list(None)
            texts += [json.dumps(d, default=str, ensure_ascii=False) for d in documents]
    return texts


async def everything_published(app: EmbeddedApp) -> list[Message]:
    """Every message on the broker the services used, from its first."""
    settings = app.apps["catalogue"].state.settings
    if settings.bus == "kafka":
        return await everything_in_namespace(settings.kafka_bootstrap, settings.kafka_namespace)
    return [m for log in app.bus.broker.logs.values() for partition in log for m in partition]


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.integration)])
async def embedded(request, settings_overrides, tmp_path, unique):
    """The embedded stack on its in-process bus, or each service on its own client of the real
    broker under a namespace of this test's own."""
    broker = {}
    if request.param == "kafka":
        infra = request.getfixturevalue("infra")
        broker = {"bus": "kafka", "kafka_bootstrap": infra.kafka, "kafka_namespace": f"t{unique}."}
    app = EmbeddedApp(
        environment="test",
        dev_key_file=settings_overrides["dev_key_file"],
        sealing_key_file=tmp_path / "sealing.pem",
        **broker,
    )
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as http:
            yield app, http


@pytest.fixture
def service_log(embedded) -> Iterator[io.StringIO]:
    """The log lines the services write (llo_shared.observability's handler, one JSON object a
    line, to stderr in a service process), exactly as written, while the test runs."""
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_llo", False)]
    assert handlers, "the services' log handler is not installed"
    written = io.StringIO()
    before = [h.setStream(written) for h in handlers]
    yield written
    for handler, stream in zip(handlers, before, strict=True):
        if stream is not None:
            handler.setStream(stream)


async def test_no_persons_data_in_any_event_or_log_line_across_the_journeys(
    embedded, service_log, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    app, http = embedded
    journeys = Journeys(app, http)
    await journeys.a_private_course()

    await journeys.ysolde_types_it_wrong_first()
    ysolde = await journeys.ysolde_applies_on_the_form()
    await journeys.intake_with_notes_and_enrolment(ysolde)
    await eventually(lambda: journeys.invoices(), what="Ysolde's invoice issued")

    await journeys.jorieke_is_registered_on_the_page()
    await journeys.jorieke_applies_through_the_team_and_drops_out()
    wobbe = await journeys.wobbe_is_registered()
    await journeys.wobbe_is_placed(wobbe)
    await journeys.the_provider_enrols_wobbe()

    async def both_invoiced() -> bool:
        return len(await journeys.invoices()) == 2

    await eventually(both_invoiced, timeout=60, what="Wobbe's invoice issued")
    await journeys.both_pay_by_bank()
    await app.settle()
    # The people's data did reach the services (the scan below would find it where it is kept),
    # and the self-payers' invoice details travelled sealed.
    stored = await everything_stored(app)
    assert {"Ysolde: BSN, dotted", "Ysolde: IBAN", "Wobbe: BSN", "Wobbe: street", "Jorieke: phone"} <= set(
        hits(stored)
    )
    on_the_broker = await everything_published(app)
    enrolled = [json.loads(m.value) for m in on_the_broker if m.topic == "recruitment.application.v1"]
    payers = [p for e in enrolled if e["event_type"] == "ParticipantEnrolled" for p in e["payload"]["payers"]]
    assert len(payers) == 2 and all(sealed(p["sealed_details"]) for p in payers), payers
    await journeys.ysolde_is_erased(ysolde)
    await journeys.wobbe_is_erased(wobbe)
    await app.settle()

    messages = await everything_published(app)
    # read back: at least what was there before the erasures, and more (the erasures' events)
    assert len(messages) > len(on_the_broker) > 0, (len(on_the_broker), len(messages))
    topics = {m.topic for m in messages}
    # every flow published: the journeys ran, the scan reads what they wrote
    assert {
        "recruitment.application.v1",
        "matching.candidate.v1",
        "matching.placement.v1",
        "billing.invoice.v1",
        "billing.payment.v1",
    } <= topics, topics
    events = " ".join(
        json.loads(m.value).get("event_type", "") for m in messages if not m.topic.endswith(".dlq")
    )
    for event_type in (
        "ApplicationReceived",
        "IntakeCompleted",
        "ParticipantEnrolled",
        "ParticipantErased",
        "CandidateErased",
        "PlacementAccepted",
        "PaymentRecorded",
    ):
        assert event_type in events, event_type

    assert hits([message_text(m) for m in messages]) == {}, "personal data on the broker"
    records = [r for r in caplog.records if not r.name.startswith(NOT_SERVICE_LOGGERS)]
    assert records, "no log record captured: the scan would prove nothing"
    assert hits([record_text(r) for r in records]) == {}, "personal data in the logs"
    # each line read back and written again with its letters unescaped, as a person reads it
    written = [json.loads(line) for line in service_log.getvalue().splitlines()]
    lines = [
        json.dumps(w, ensure_ascii=False) for w in written if not w["logger"].startswith(NOT_SERVICE_LOGGERS)
    ]
    assert lines, "the services' log lines were not captured"
    assert hits(lines) == {}, "personal data in the services' log lines"
    printed = capsys.readouterr()
    assert hits([printed.out, printed.err]) == {}, "personal data printed"
