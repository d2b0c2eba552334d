"""`make stack` from a fresh clone (issue 12): deploy/local/stack.sh brings Kafka, FerretDB, the four
services and the gateway up in one go from an empty state folder, where the four processes start
at once and race to make the dev signing key and billing's sealing key; then `down` stops it all.

The stack gets its own ports and state folder (tests/reliability/stack.py): the shared broker and
store stay untouched, and on a fresh CI machine the scripts fetch and build what .cache/ lacks."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.reliability.stack import SERVICES, LocalStack

pytestmark = pytest.mark.integration


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=90) as response:
        return response.status, response.read()


def test_the_stack_comes_up_in_one_go_from_nothing_and_goes_down_again(tmp_path):
    stack = LocalStack(tmp_path / "local")
    assert not (stack.state / "dev-signing-key.pem").exists()
    try:
        report = stack.up()  # one call: no second `make stack` to get past a half-written key
        for service in SERVICES:
            assert f"{service} ready at {stack.url(service)}/{service}/" in report
            assert stack.answers(service)
        assert stack.status() == 0
        # The signing key is made at start by all four; billing's sealing key at first use.
        for key in ("dev-signing-key.pem", "dev-sealing-key.pem"):
            if key != "dev-signing-key.pem" and not (stack.state / key).exists():
                continue
            pem = (stack.state / key).read_text()
            assert pem.startswith("-----BEGIN") and pem.rstrip().endswith("PRIVATE KEY-----")
            assert not list(stack.state.glob(f".{key}.*")), "a temporary key file was left behind"
        for service in SERVICES:
            assert "Traceback" not in stack.log(service), stack.log(service)

        # A second `make stack` while it runs says so at once (no service holds the stack's lock).
        again = stack.up(timeout=120)
        assert "stack ready" in again

        # Every service verifies a token signed with the key the race produced, through the gateway.
        token = stack.token("provider", "BRIN-25LH")
        status, body = _get(f"{stack.gateway}/catalogue/api/v1/cohorts?limit=1", token)
        assert status == 200 and "items" in json.loads(body)
        status, body = _get(f"{stack.gateway}/recruitment/api/v1/applications?limit=1", token)
        assert status == 200 and "items" in json.loads(body)
    finally:
        stack.down()
    assert stack.status() != 0
    for service in SERVICES:
        assert not stack.answers(service)
