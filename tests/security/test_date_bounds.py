"""Every service's input models refuse dates of year 1 or 9999 (and anything outside 2000-2099),
in Dutch, naming the field, before anything is stored (llo_shared.dates)."""

from __future__ import annotations

from typing import Any

import pytest

from llo.embedded import service_factories
from tests.fixtures.apps import bearer, running

CASES = [
    ("catalogue", "provider", "BRIN-25LH", "POST", "/catalogue/api/v1/cohorts",
     {"offering_id": "off-x", "start_date": "0001-01-01"}, "start_date"),
    ("catalogue", None, None, "GET", "/catalogue/api/v1/search?start_until=9999-12-31", None, "start_until"),
    ("matching", "employer", "KVK-39084217", "POST", "/matching/api/v1/demands",
     {"start_from": "9999-12-31"}, "start_from"),
    ("matching", "rmt", "RMT-FLEVOLAND", "POST", "/matching/api/v1/candidates/K-1/consents",
     {"purpose": "matching", "given_on": "0001-01-01"}, "given_on"),
    ("recruitment", "provider", "BRIN-25LH", "POST", "/recruitment/api/v1/campaigns",
     {"starts_on": "0001-01-01", "ends_on": "9999-12-31"}, "starts_on"),
    ("billing", "finance", "BRIN-25LH", "POST", "/billing/api/v1/entities/BRIN-25LH/documents/F-1/payments",
     {"amount_cents": 100, "paid_on": "9999-12-31"}, "paid_on"),
    ("billing", "finance", "BRIN-25LH", "POST", "/billing/api/v1/entities/BRIN-25LH/shared-costs",
     {"incurred_on": "0001-01-01"}, "incurred_on"),
]  # fmt: skip


@pytest.mark.parametrize(("service", "role", "org", "method", "url", "body", "field"), CASES)
async def test_extreme_dates_are_refused_naming_the_field(
    settings_overrides, service, role, org, method, url, body, field
):
    create_app, settings_cls = service_factories()[service]
    settings = settings_cls(**settings_overrides)
    headers: dict[str, Any] = bearer(settings, role, org, "flevoland") if role else {}
    async with running(create_app(settings)) as client:
        response = await client.request(method, url, json=body, headers=headers)
    assert response.status_code == 422, response.text
    messages = {e["field"].split(".")[-1]: e["message"] for e in response.json()["errors"]}
    assert field in messages and "de datum moet tussen" in messages[field], messages
