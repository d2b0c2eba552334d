from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import ValidationError

from llo_shared.context import set_correlation_id
from llo_shared.envelope import EventEnvelope, EventPayload


class SeatReserved(EventPayload):
    event_type: Literal["SeatReserved"] = "SeatReserved"
    cohort_id: str
    seats_left: int


def test_round_trip_keeps_every_field():
    original = EventEnvelope(event_type="X", producer="p", aggregate_id="a", payload={"k": [1, 2]})
    assert EventEnvelope.from_bytes(original.to_bytes()) == original


def test_consumers_ignore_fields_they_do_not_know():
    raw = json.loads(EventEnvelope(event_type="X", producer="p", aggregate_id="a").to_bytes())
    raw["added_in_a_later_release"] = True
    assert EventEnvelope.model_validate(raw).event_type == "X"


def test_payload_models_build_and_read_envelopes_tolerantly():
    envelope = SeatReserved(cohort_id="c1", seats_left=3).envelope(producer="catalogue", aggregate_id="c1")
    assert envelope.event_type == "SeatReserved" and envelope.payload == {"cohort_id": "c1", "seats_left": 3}
    newer = envelope.model_copy(update={"payload": {**envelope.payload, "new_field": "x"}})
    assert SeatReserved.from_envelope(newer) == SeatReserved(cohort_id="c1", seats_left=3)


def test_the_correlation_id_of_the_request_flows_into_events():
    set_correlation_id("req-123")
    try:
        assert EventEnvelope(event_type="X", producer="p", aggregate_id="a").correlation_id == "req-123"
    finally:
        set_correlation_id(None)


def test_an_envelope_without_type_is_refused():
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({"producer": "p", "aggregate_id": "a"})


def test_service_settings_fall_back_to_the_shared_llo_prefix(monkeypatch):
    from pydantic_settings import SettingsConfigDict

    from llo_shared.settings import ServiceSettings

    class BillingLike(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="LLO_BILLINGLIKE_", extra="ignore")

    monkeypatch.setenv("LLO_KAFKA_BOOTSTRAP", "shared:9092")
    monkeypatch.setenv("LLO_MONGO_URL", "mongodb://shared")
    monkeypatch.setenv("LLO_BILLINGLIKE_MONGO_URL", "mongodb://own")
    settings = BillingLike()
    assert (settings.kafka_bootstrap, settings.mongo_url) == ("shared:9092", "mongodb://own")
