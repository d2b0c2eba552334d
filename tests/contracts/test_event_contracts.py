"""Consumer-driven contracts: every consumer parses what each producer emits.

For each event a service consumes, the producer's own payload model builds many
instances (polyfactory, within the model's constraints), the producer serialises
them as it would on the wire, and the consumer's tolerant model must parse them.
A producer renaming or dropping a field a consumer needs fails here, not in production.
"""

from __future__ import annotations

import pytest
from polyfactory.factories.pydantic_factory import ModelFactory
from pydantic import BaseModel

from billing import handlers as billing
from catalogue import handlers as catalogue
from llo.schemas import published_models
from llo_shared.envelope import EventEnvelope, EventPayload
from matching import handlers as matching
from recruitment import handlers as recruitment

# (consumer service, event type, the model the consumer parses that event's payload with)
CONSUMED: list[tuple[str, str, type[BaseModel]]] = [
    ("catalogue", "EnrolmentRequested", catalogue.EnrolmentRequested),
    ("catalogue", "EnrolmentWithdrawn", catalogue.EnrolmentWithdrawn),
    ("catalogue", "SurchargeAccepted", catalogue.SurchargeAccepted),
    ("matching", "OfferingPublished", matching.OfferingSeen),
    ("matching", "OfferingUpdated", matching.OfferingSeen),
    ("matching", "OfferingWithdrawn", matching.OfferingGone),
    ("matching", "CohortScheduled", matching.CohortSeen),
    ("matching", "CohortUpdated", matching.CohortSeen),
    ("matching", "SeatReserved", matching.SeatsChanged),
    ("matching", "SeatReleased", matching.SeatsChanged),
    ("matching", "CohortConfirmed", matching.CohortDecided),
    ("matching", "CohortCancelled", matching.CohortDecided),
    ("matching", "CohortDecisionDue", matching.CohortDecided),
    ("recruitment", "CohortScheduled", recruitment.CohortChanged),
    ("recruitment", "CohortUpdated", recruitment.CohortChanged),
    ("recruitment", "SeatReserved", recruitment.SeatAnswer),
    ("recruitment", "SeatRejected", recruitment.SeatAnswer),
    ("recruitment", "SeatReleased", recruitment.SeatAnswer),
    ("recruitment", "CohortDecisionDue", recruitment.DecisionDue),
    ("recruitment", "CohortCancelled", recruitment.CohortEnded),
    ("recruitment", "PlacementAccepted", recruitment.PlacementAccepted),
    ("recruitment", "CandidateErased", recruitment.CandidateErased),
    ("billing", "ParticipantEnrolled", billing.ParticipantEnrolled),
    ("billing", "EnrolmentWithdrawn", billing.EnrolmentWithdrawn),
    ("billing", "CohortScheduled", billing.CohortFacts),
    ("billing", "CohortUpdated", billing.CohortFacts),
    ("billing", "SeatReserved", billing.CohortFacts),
    ("billing", "SeatReleased", billing.CohortFacts),
    ("billing", "CohortConfirmed", billing.CohortConfirmed),
    ("billing", "CohortCancelled", billing.CohortCancelled),
    ("billing", "OfferingPublished", billing.OfferingFacts),
    ("billing", "OfferingUpdated", billing.OfferingFacts),
    ("billing", "ProviderRegistered", billing.ProviderRegistered),
]

PRODUCERS: dict[str, tuple[str, type[EventPayload]]] = {
    model.model_fields["event_type"].default: (service, model)
    for service, models in published_models().items()
    for model in models
}
SAMPLES = 25


def test_every_consumed_event_has_a_producer():
    missing = sorted({event_type for _, event_type, _ in CONSUMED} - PRODUCERS.keys())
    assert missing == []


@pytest.mark.parametrize(
    ("consumer", "event_type", "parser"), CONSUMED, ids=lambda v: getattr(v, "__name__", v)
)
def test_consumer_parses_what_the_producer_emits(consumer, event_type, parser):
    producer, model = PRODUCERS[event_type]
    factory = ModelFactory.create_factory(model, __random_seed__=7)
    for _ in range(SAMPLES):
        instance = factory.build()
        on_the_wire = EventEnvelope.from_bytes(
            instance.envelope(producer=producer, aggregate_id="a-1").to_bytes()
        )
        parsed = parser.model_validate(on_the_wire.payload)
        shared = set(parser.model_fields) & set(model.model_fields) - {"event_type"}
        for field in shared:  # what both sides name, the consumer reads unchanged
            produced, consumed = getattr(instance, field), getattr(parsed, field)
            if isinstance(produced, str | int | bool) and isinstance(consumed, str | int | bool):
                assert consumed == produced, f"{consumer} reads {event_type}.{field} differently"


def test_every_consumer_topic_carries_only_known_event_types():
    """docs/events.md promises the producer owns the catalogue; nothing consumed is unpublished."""
    assert {t for _, t, _ in CONSUMED} <= PRODUCERS.keys()
