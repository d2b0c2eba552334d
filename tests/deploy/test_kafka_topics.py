"""deploy/kafka/topics.sh, the init step of docker-compose.yml: it asks for every documented topic
and its dead-letter topic with partitions, replication and retention set explicitly, idempotently;
and the real broker accepts exactly those settings (created here under a test prefix)."""

from __future__ import annotations

import itertools
import os
import shlex
import subprocess
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tests.deploy.test_compose import documented_topics

ROOT = Path(__file__).resolve().parents[2]


def requested_topics(tmp_path: Path, **environment: str) -> list[dict[str, object]]:
    """Runs topics.sh with kafka-topics.sh replaced by a recorder; gives what it asked for."""
    calls = tmp_path / "calls"
    recorder = tmp_path / "kafka-topics.sh"
    recorder.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    recorder.chmod(0o755)
    env = os.environ | {"KAFKA_TOPICS_BIN": str(recorder)} | environment
    subprocess.run(["sh", str(ROOT / "deploy" / "kafka" / "topics.sh")], env=env, check=True, timeout=60)
    requests = []
    for line in calls.read_text().splitlines():
        words = shlex.split(line)
        options = dict(itertools.pairwise(words))  # each option with the word after it
        configs = dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "--config")
        assert "--create" in words and "--if-not-exists" in words
        requests.append(
            {
                "topic": options["--topic"],
                "partitions": int(options["--partitions"]),
                "replication": int(options["--replication-factor"]),
                "bootstrap": options["--bootstrap-server"],
                "configs": configs,
            }
        )
    return requests


def test_every_topic_and_its_dead_letter_topic_with_explicit_settings(tmp_path):
    requests = requested_topics(
        tmp_path, KAFKA_BOOTSTRAP="broker:9092", REPLICATION_FACTOR="3", MIN_INSYNC_REPLICAS="2"
    )
    by_topic = {r["topic"]: r for r in requests}
    topics = documented_topics()
    assert set(by_topic) == topics | {f"{t}.dlq" for t in topics}
    for request in requests:
        assert request["bootstrap"] == "broker:9092" and request["replication"] == 3
        assert request["configs"]["min.insync.replicas"] == "2"
        assert int(request["configs"]["retention.ms"]) > 0
    for topic in topics:
        event, dead = by_topic[topic], by_topic[f"{topic}.dlq"]
        assert int(dead["configs"]["retention.ms"]) > int(event["configs"]["retention.ms"])


async def test_the_broker_accepts_those_settings(infra, unique, tmp_path):
    requests = requested_topics(tmp_path)  # compose's defaults: one broker
    prefix = f"it.{unique}."
    wanted = [r for r in requests if r["topic"] in ("catalogue.cohort.v1", "catalogue.cohort.v1.dlq")]
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    prefix + str(r["topic"]),
                    int(r["partitions"]),  # type: ignore[call-overload]
                    int(r["replication"]),  # type: ignore[call-overload]
                    topic_configs=r["configs"],
                )
                for r in wanted
            ]
        )
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, prefix + str(r["topic"])) for r in wanted]
        )
        partitions = {
            t["topic"]: len(t["partitions"])
            for t in await admin.describe_topics([prefix + str(r["topic"]) for r in wanted])
        }
    finally:
        await admin.close()
    configs_of = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}
        for response in described
        for resource in response.resources
    }
    for request in wanted:
        name = prefix + str(request["topic"])
        asked: dict[str, str] = request["configs"]  # type: ignore[assignment]
        assert {key: configs_of[name][key] for key in asked} == asked
        assert partitions[name] == request["partitions"]
