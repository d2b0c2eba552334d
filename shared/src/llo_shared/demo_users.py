"""The "sign in as" users of the demo pages; their organisations exist in the demo data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUser:
    key: str
    label: str
    role: str
    org: str
    region: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("werkgever", "Werkgever: Zorggroep Almere", "employer", "KVK-39084217", "flevoland"),
    DemoUser("aanbieder", "Aanbieder: ROC van Flevoland", "provider", "BRIN-25LH", "flevoland"),
    DemoUser("rmt", "Mobiliteitsteam Flevoland", "rmt", "RMT-FLEVOLAND", "flevoland"),
    DemoUser("financien", "Financiën: ROC van Flevoland", "finance", "BRIN-25LH", "flevoland"),
    DemoUser("beheer", "Beheerder", "admin", "LLO-BEHEER", None),
)


def demo_user(key: str) -> DemoUser | None:
    return next((u for u in DEMO_USERS if u.key == key), None)
