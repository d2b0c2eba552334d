"""docker-compose.yml (no Docker engine here): valid against the Compose specification's JSON
schema (the copy check-jsonschema ships), and the region's rules hold: explicit topics, a Mongo
replica set of one, healthchecks and start order, every service behind the proxy."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("catalogue", "matching", "recruitment", "billing")


def compose_schema() -> dict[str, Any]:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("compose-spec.json").read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_file_follows_the_compose_specification(compose):
    validator = jsonschema.Draft202012Validator(compose_schema())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_the_schema_check_would_catch_a_mistake(compose):
    broken = json.loads(json.dumps(compose))
    broken["services"]["billing"]["depends_on"]["mongo"] = {"condition": "service_ready"}
    assert not jsonschema.Draft202012Validator(compose_schema()).is_valid(broken)


def test_services_wait_for_topics_and_a_healthy_replica_set_and_report_their_health(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["depends_on"] == {
            "kafka-init": {"condition": "service_completed_successfully"},
            "mongo": {"condition": "service_healthy"},
        }, name
        assert service["build"]["dockerfile"] == f"services/{name}/Dockerfile"
        assert "HEALTHCHECK" in (ROOT / service["build"]["dockerfile"]).read_text()
        assert "replicaSet=rs0" in service["environment"]["LLO_MONGO_URL"]
    assert services["kafka-init"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    healthy = {"condition": "service_healthy"}
    assert services["proxy"]["depends_on"] == dict.fromkeys(APP_SERVICES, healthy)
    for name in ("kafka", "mongo", "proxy"):
        assert "healthcheck" in services[name], name
    assert services["mongo"]["command"][:2] == ["--replSet", "rs0"]
    assert services["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["oidc"]["profiles"] == ["demo"]
    assert set(compose["volumes"]) == {"kafka-data", "mongo-data"}


def test_the_proxy_serves_every_service_by_its_path():
    caddyfile = (ROOT / "deploy" / "proxy" / "Caddyfile").read_text()
    for name in APP_SERVICES:
        assert re.search(rf"handle /{name}/\* \{{\s*reverse_proxy {name}:8000", caddyfile), name


def documented_topics() -> set[str]:
    catalogue = (ROOT / "docs" / "events.md").read_text()
    return set(re.findall(r"^\| `([a-z]+\.[a-z_]+\.v\d+)` \|", catalogue, flags=re.MULTILINE))


def test_the_init_step_creates_every_documented_topic_with_its_dead_letter_topic():
    script = (ROOT / "deploy" / "kafka" / "topics.sh").read_text()
    listed = dict(re.findall(r"^([a-z]+\.[a-z_]+\.v\d+) (\d+)$", script, flags=re.MULTILINE))
    assert set(listed) == documented_topics()
    assert all(int(partitions) >= 3 for partitions in listed.values())
    assert 'create "$topic.dlq"' in script
    assert "retention.ms=" in script and "--if-not-exists" in script
