"""Faults on the real stack, reduced size (issue 12; the full size is bench/reliability/run.py):
60 people enrol over 6 cohorts through the JSON APIs while billing is SIGKILLed three times, the
catalogue is restarted and the broker is stopped and started once. Afterwards every enrolled
person is billed exactly once, every cohort's seat count matches its enrolments and none is
overbooked, every service's outbox is drained and every consumer group is at the end.

The stack is the one `make stack` starts (deploy/local/stack.sh), on its own ports and state
folder (tests/reliability/stack.py)."""

from __future__ import annotations

import pytest

from tests.reliability import faults
from tests.reliability.stack import LocalStack

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(tmp_path):
    # No demo region: the run's own provider, offering and cohorts are all there is.
    local = LocalStack(
        tmp_path / "local", extra_env={"LLO_STACK_ENVIRONMENT": "test", "LLO_RELAY_POLL_INTERVAL_S": "0.2"}
    )
    try:
        local.up()
        yield local
    finally:
        local.down()


async def test_enrolments_survive_killed_billing_a_restart_and_a_broker_outage(stack):
    figures = await faults.run(stack, enrolments=60, cohorts=6, settle_timeout_s=420)
    assert [f["fault"] for f in figures.faults] == [
        "kill billing",
        "restart catalogue",
        "kill billing",
        "broker kafka",
        "kill billing",
    ]
    assert figures.problems() == [], figures.as_dict()
    assert figures.enrolled == 6 * 8 and figures.waitlisted == 60 - 48
    assert figures.billed_once == figures.enrolled and figures.invoices == figures.enrolled
    assert figures.duplicates == 0 and figures.losses == 0
    assert figures.unpublished == dict.fromkeys(faults.OUTBOXES, 0)
    assert figures.consumer_lag == 0 and figures.consumer_groups >= 4
