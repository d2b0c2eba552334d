"""Request bodies the service tests share (loaded by path from conftest's folder)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

EMPLOYER_PAYER = {
    "payer_id": "KVK-39084217",
    "kind": "employer",
    "name": "Zorggroep Almere",
    "scheme": "0106",
    "endpoint": "39084217",
    "share_bp": 10000,
}


def campaign_body(cohort_id: str | None, today: date, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Werving VIG voorjaar",
        "cohort_id": cohort_id,
        "target_groups": ["zij_instromers", "herintreders"],
        "channels": ["uwv", "employer_visit", "website_form"],
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "goal_seats": 6,
        "budget_cents": 300_000,
        "cost_shares": [
            {"partner_id": "BRIN-25LH", "name": "ROC van Flevoland", "share_bp": 6667},
            {"partner_id": "LWL-FLEVOLAND", "name": "Leerwerkloket Flevoland", "share_bp": 3333},
        ],
        **changes,
    }


def applicant_body(cohort_id: str, n: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "cohort_id": cohort_id,
        "channel": "uwv",
        "applicant": {"name": f"Test Persoon {n}", "email": f"persoon{n}@voorbeeld.nl", "postcode": "1315ab"},
        "consent": True,
        **changes,
    }


INTAKE = {
    "scores": [{"name": "motivatie", "value": 80}, {"name": "studievaardigheden", "value": 70}],
    "exemptions": [{"unit": "Leereenheid ADL", "basis": "praktijkscan en instaptoets >= 80%"}],
}
PRIVATE = {"funding_kind": "private", "payers": [EMPLOYER_PAYER]}
