"""Schemathesis against one service's own OpenAPI document, in process, signed in per role.

Every generated request is sent with one of: no token, or a token of each role (for the
organisations the demo users have). A response fails when it is a server error, has a status code
its operation does not declare, or breaks its declared schema or content type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from llo_shared.auth import issue_dev_token
from llo_shared.demo_users import DEMO_USERS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class Findings:
    cases: int = 0
    failures: list[str] = field(default_factory=list)

    def note(self, operation: str, who: str, status: int, error: BaseException) -> None:
        causes = getattr(error, "exceptions", None) or [error]
        what = "; ".join(getattr(c, "title", None) or type(c).__name__ for c in causes)
        found = f"{operation} as {who.split(':')[0]}: {status} {what}"
        if found not in self.failures:
            self.failures.append(found)


def role_headers(settings: Any) -> dict[str, dict[str, str]]:
    """No token, and one token per demo user (each role, its organisation and region)."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for user in DEMO_USERS:
        token = issue_dev_token(settings, role=user.role, org=user.org, region=user.region)
        headers[f"{user.role}:{user.org}"] = {"Authorization": f"Bearer {token}"}
    return headers


@dataclass
class Target:
    """A running app to fuzz: its client, callers, and real resources to aim path parameters at
    (random ids alone only ever meet 404s; half the cases use these)."""

    client: TestClient
    headers: dict[str, dict[str, str]]
    path_values: dict[str, str] = field(default_factory=dict)


def fuzz(target: Target, openapi_url: str, cases: int) -> Findings:
    """At least `cases` generated requests spread over the operations of one OpenAPI document."""
    findings = Findings()
    schema = schemathesis.openapi.from_dict(target.client.get(openapi_url).json())
    operations = [result.ok() for result in schema.get_all_operations()]
    per_mode = max(1, math.ceil(cases / (len(operations) * len(MODES))))
    # Hypothesis runs fewer examples for operations with few inputs: another round with
    # another seed and twice the examples until there were `cases` requests.
    for round_no in range(4):
        for operation in operations:
            for mode in MODES:
                _fuzz_operation(target, operation, mode, per_mode, findings, round_no)
        if findings.cases >= cases:
            break
        per_mode *= 2
    return findings


def fuzz_app(app: FastAPI, openapi_url: str, headers: dict[str, dict[str, str]], cases: int) -> Findings:
    with TestClient(app, raise_server_exceptions=False) as client:
        return fuzz(Target(client, headers), openapi_url, cases)


def _strategy(operation: Any, mode: GenerationMode, path_values: dict[str, str]) -> Any:
    generated = operation.as_strategy(generation_mode=mode)
    names = {parameter.name for parameter in operation.path_parameters}
    pinned = {name: value for name, value in path_values.items() if name in names}
    if not pinned:
        return generated
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=pinned))


def _fuzz_operation(
    target: Target,
    operation: Any,
    mode: GenerationMode,
    examples: int,
    findings: Findings,
    round_no: int,
) -> None:
    @seed(round_no)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=_strategy(operation, mode, target.path_values),
        who=st.sampled_from(sorted(target.headers)),
    )
    def run(case: Any, who: str) -> None:
        findings.cases += 1
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=target.headers[who])
        kwargs.pop("cookies", None)
        response = target.client.request(**kwargs)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, FailureGroup) as error:  # a failed check: record it, go on
            findings.note(operation.label, who, response.status_code, error)

    try:
        run()
    except Unsatisfiable:  # nothing to break in an operation without inputs (negative mode)
        pass
