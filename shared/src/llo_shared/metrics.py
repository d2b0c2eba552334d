"""Prometheus metrics shared by every service (one registry, `service` where it matters)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_LATENCY = Histogram(
    "llo_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
    registry=REGISTRY,
)
EVENTS_HANDLED = Counter(
    "llo_events_handled_total",
    "Events delivered to handlers, by outcome",
    ["group", "topic", "outcome"],
    registry=REGISTRY,
)
DLQ_MESSAGES = Counter(
    "llo_dlq_messages_total",
    "Messages sent to a dead-letter topic",
    ["topic"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "llo_consumer_lag",
    "Messages not yet handled by a consumer group",
    ["group", "topic", "partition"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "llo_outbox_backlog",
    "Aggregates with events not yet acknowledged by the bus",
    ["service", "collection"],
    registry=REGISTRY,
)
OUTBOX_RELAYED = Counter(
    "llo_outbox_relayed_total",
    "Events the outbox relay published",
    ["service"],
    registry=REGISTRY,
)


def render() -> bytes:
    return generate_latest(REGISTRY)
