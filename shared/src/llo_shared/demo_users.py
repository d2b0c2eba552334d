"""The "sign in as" users of the demo pages; their organisations exist in the demo data."""

from __future__ import annotations

from dataclasses import dataclass

from llo_shared.dutch import rol


@dataclass(frozen=True)
class DemoUser:
    key: str
    name: str  # the person
    role: str
    org: str
    org_name: str
    region: str | None = None

    @property
    def label(self) -> str:
        """ "Sanne de Vries, werkgever bij Zorggroep Almere" (the sign-in menu and page)."""
        return f"{self.name}, {rol(self.role)} bij {self.org_name}"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("werkgever", "Sanne de Vries", "employer", "KVK-39084217", "Zorggroep Almere", "flevoland"),
    DemoUser(
        "werkgever-woonzorg", "Peter Jansen", "employer", "KVK-51473920", "Woonzorg Flevoland", "flevoland"
    ),
    DemoUser("werkgever-coloriet", "Fatima El Amrani", "employer", "KVK-62584031", "Coloriet", "flevoland"),
    DemoUser("aanbieder", "Mark Visser", "provider", "BRIN-25LH", "ROC van Flevoland", "flevoland"),
    DemoUser(
        "rmt", "Anouk Bakker", "rmt", "RMT-FLEVOLAND", "Regionaal Mobiliteitsteam Flevoland", "flevoland"
    ),
    DemoUser("financien", "Ruud Smit", "finance", "BRIN-25LH", "ROC van Flevoland", "flevoland"),
    DemoUser("beheer", "Lotte Mulder", "admin", "LLO-BEHEER", "Beheer LLO-match", None),
)

ORGANISATION_NAMES: dict[str, str] = {u.org: u.org_name for u in DEMO_USERS}


def demo_user(key: str) -> DemoUser | None:
    return next((u for u in DEMO_USERS if u.key == key), None)


def demo_user_of(subject: str) -> DemoUser | None:
    """The demo user behind a demo token's subject ("demo:<key>")."""
    return demo_user(subject.removeprefix("demo:")) if subject.startswith("demo:") else None
