"""Consumer-driven contracts: every consumer parses what each producer emits.

What a consumer reads comes from its subscription tables (`TABLES` in each service's
handlers.py: event type -> payload model -> handler), so a new row is checked here at once.

For each event a service consumes, the producer's own payload model builds many
instances (polyfactory, within the model's constraints), the producer serialises
them as it would on the wire, and the consumer's tolerant model must parse them.
A producer renaming or dropping a field a consumer needs fails here, not in production.
"""

from __future__ import annotations

from typing import Any

import pytest
from polyfactory.factories.pydantic_factory import ModelFactory
from pydantic import BaseModel

from billing import handlers as billing
from catalogue import handlers as catalogue
from llo.schemas import published_models
from llo_shared.envelope import EventEnvelope, EventPayload, TolerantModel
from llo_shared.subscriptions import SubscriptionTable
from matching import handlers as matching
from recruitment import handlers as recruitment

# Each consumer's subscription tables (handlers.py), read as data: what it consumes and how.
TABLES: dict[str, tuple[SubscriptionTable[Any, Any], ...]] = {
    "catalogue": catalogue.TABLES,
    "matching": matching.TABLES,
    "recruitment": recruitment.TABLES,
    "billing": billing.TABLES,
}

# (consumer service, event type, the model the consumer parses that event's payload with)
CONSUMED: list[tuple[str, str, type[BaseModel]]] = sorted(
    {
        (service, row.event_type, row.payload)
        for service, tables in TABLES.items()
        for table in tables
        for row in table.rows
    },
    key=lambda entry: (entry[0], entry[1], entry[2].__name__),
)

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


@pytest.mark.parametrize(
    ("consumer", "table"),
    [(service, table) for service, tables in TABLES.items() for table in tables],
    ids=lambda v: getattr(v, "group", v),
)
def test_a_table_reads_only_events_its_topics_producer_publishes(consumer, table):
    """The service that owns a table's topic (`<service>.<aggregate>.v1`) publishes each event type in it."""
    owners = {topic.split(".", 1)[0] for topic in table.topics}
    for event_type in table.event_types:
        assert event_type in PRODUCERS, f"{table.group} reads {event_type}, which nobody publishes"
        assert PRODUCERS[event_type][0] in owners, f"{table.group}: {event_type} is not on {table.topics}"
    assert consumer not in owners, f"{table.group} consumes its own service's topic"


@pytest.mark.parametrize(
    ("consumer", "event_type", "parser"), CONSUMED, ids=lambda v: getattr(v, "__name__", v)
)
def test_consumers_read_payloads_with_tolerant_models(consumer, event_type, parser):
    assert issubclass(parser, TolerantModel), f"{consumer} reads {event_type} with a strict model"


def test_topics_a_service_reads_by_default_are_its_tables_topics():
    """Catalogue and recruitment name their topics in settings (to run beside another version);
    the defaults must be what the tables, and so these contracts, speak of."""
    from catalogue.settings import CatalogueSettings
    from recruitment.settings import RecruitmentSettings

    def default(settings: type[BaseModel], name: str) -> tuple[str]:
        return (settings.model_fields[name].default,)

    assert catalogue.SEAT_EVENTS.topics == default(CatalogueSettings, "application_topic")
    assert catalogue.SURCHARGE_EVENTS.topics == default(CatalogueSettings, "surcharge_topic")
    assert recruitment.COHORT_EVENTS.topics == default(RecruitmentSettings, "cohort_topic")
    assert recruitment.OFFERING_EVENTS.topics == default(RecruitmentSettings, "offering_topic")
    assert recruitment.PLACEMENT_EVENTS.topics == default(RecruitmentSettings, "placement_topic")
    assert recruitment.CANDIDATE_EVENTS.topics == default(RecruitmentSettings, "candidate_topic")
