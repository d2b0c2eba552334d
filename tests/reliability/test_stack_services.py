"""deploy/local/stack.sh with LLO_STACK_SERVICES: only the services a flow needs (bench/recruitment
starts catalogue and recruitment) as their own processes on a broker and store that run already;
up, status and down see only those, and a name it does not know is refused before anything starts."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from typing import Any

import pytest
from pymongo import MongoClient

from tests.fixtures.broker import delete_topics
from tests.reliability.stack import ROOT, STACK_SH, LocalStack

pytestmark = pytest.mark.integration


def test_only_the_named_services_come_up_and_go_down(infra: Any, tmp_path) -> None:
    unique = uuid.uuid4().hex[:10]
    stack = LocalStack(
        tmp_path / "local",
        extra_env={
            "LLO_STACK_SERVICES": "catalogue recruitment",
            "LLO_STACK_KAFKA": infra.kafka,
            "LLO_STACK_MONGO_URL": infra.mongo_url,
            "LLO_STACK_ENVIRONMENT": "test",
            "LLO_KAFKA_NAMESPACE": f"t{unique}.",
            "LLO_CATALOGUE_MONGO_DATABASE": f"t_{unique}_catalogue",
            "LLO_RECRUITMENT_MONGO_DATABASE": f"t_{unique}_recruitment",
        },
    )
    try:
        report = stack.up(timeout=300)
        assert "catalogue ready" in report and "recruitment ready" in report
        assert "matching" not in report and "billing" not in report
        assert stack.answers("catalogue") and stack.answers("recruitment")
        assert not stack.answers("matching") and not stack.answers("billing")
        assert stack.status() == 0  # the services it was asked for all run
    finally:
        stack.down()
        with MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5000) as client:
            for service in ("catalogue", "recruitment"):
                client.drop_database(f"t_{unique}_{service}")
        asyncio.run(delete_topics(infra.kafka, f"t{unique}."))
    assert stack.status() != 0
    assert not stack.answers("catalogue") and not stack.answers("recruitment")


def test_a_service_it_does_not_know_is_refused(tmp_path) -> None:
    stack = LocalStack(tmp_path / "local", extra_env={"LLO_STACK_SERVICES": "catalogue recruitmnet"})
    # `status` (it starts nothing, whatever the script does with the name): the name is checked
    # before any command runs, so `up` refuses it the same way before starting anything.
    result = subprocess.run(
        ["bash", str(STACK_SH), "status"],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unknown service 'recruitmnet'" in result.stderr
