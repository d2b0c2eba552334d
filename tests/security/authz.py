"""The authorisation matrix: every operation of the four OpenAPI documents, called as nobody, as each
role of the organisation that owns the demo resource in its path, and as the same role of another
organisation. A call "gets through" when the answer is neither 401, 403 nor 404 (someone else's
resource does not exist for you). Write operations are sent an empty body: what refuses them before
the body is read is the role and the tenancy of the path; what comes after is input validation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from llo_shared.auth import issue_dev_token

REFUSED = frozenset({401, 403, 404})
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Caller:
    key: str
    role: str | None
    org: str | None
    region: str | None = None


# The owners of the demo data's resources, and a second organisation of each kind.
CALLERS = (
    Caller("anonymous", None, None),
    Caller("employer", "employer", "KVK-39084217", "flevoland"),
    Caller("provider", "provider", "BRIN-25LH", "flevoland"),
    Caller("finance", "finance", "BRIN-25LH", "flevoland"),
    Caller("rmt", "rmt", "RMT-FLEVOLAND", "flevoland"),
    Caller("admin", "admin", "LLO-BEHEER"),
    Caller("other employer", "employer", "KVK-11223344", "twente"),
    Caller("other provider", "provider", "BRIN-25LP", "twente"),
    Caller("other finance", "finance", "BRIN-25LP", "twente"),
    Caller("other rmt", "rmt", "RMT-TWENTE", "twente"),
)

# A resource of the owners above for each path parameter (the embedded demo's data).
PATH_VALUES = {
    "provider_id": "BRIN-25LH",
    "consortium_id": "FLEX-ZORG-FLEVOLAND",
    "offering_id": "off-brin-25lh-000",
    "cohort_id": "coh-brin-25lh-000-0",
    "demand_id": "D-DEMO-001",
    "ref": "K-DEMO-001",
    "purpose": "matching",
    "region": "flevoland",
    "campaign_id": "demo-coh-brin-25lh-000-0",
    "application_id": "demo-coh-brin-25lh-000-0-0",
    "entity_id": "BRIN-25LH",
    # the demo's first private invoice, addressed to the employer above (Zorggroep Almere)
    "number": f"25LH-PRV-{date.today().year}-000001",
}


def operations(spec: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "X"), path)


def headers_for(caller: Caller, settings: Any) -> dict[str, str]:
    if caller.role is None or caller.org is None:
        return {}
    token = issue_dev_token(settings, role=caller.role, org=caller.org, region=caller.region)
    return {"Authorization": f"Bearer {token}"}


async def status_of(client: httpx.AsyncClient, operation: str, headers: dict[str, str]) -> int:
    method, path = operation.split(" ", 1)
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    response = await client.request(method, concrete(path), **kwargs)
    return response.status_code
