"""Demo data: demands of employers, UWV, gemeenten and the mobility team, and pseudonymous candidates.

Organisation names come from the sources (004: Flevoland zorg); their ids other than the demo
users' are fictional. People are pseudonymous ("Kandidaat 007"); no names from the sources.
Seeding is idempotent (fixed ids; an existing one is left alone) and goes through the same use
cases as the API, so every demand and candidate is announced by its event.
"""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta
from typing import Any

from llo_shared.auth import Principal
from matching.schemas import CandidateCreate, DemandCreate
from matching.store import CANDIDATES, DEMANDS, PROPOSALS
from matching.usecases import Matching

log = logging.getLogger(__name__)

DEMO_EMPLOYER = "KVK-39084217"
DEMO_RMT = "RMT-FLEVOLAND"
DEMO_REGIONS = ("flevoland", "twente")
SYSTEM = Principal("system:demo", "admin", "LLO-BEHEER")

HELPENDE = ["zorg.adl", "zorg.persoonlijke_verzorging"]
VIG = ["zorg.adl", "zorg.medicatie", "zorg.voorbehouden_handelingen"]
BEGELEIDER = ["welzijn.specifieke_doelgroepen"]
TECHNIEK = ["techniek.elektra", "techniek.installatietechniek"]
LOGISTIEK = ["logistiek.orderpicking", "logistiek.heftruck"]

# (id, org, kind, name, title, municipality, participants, level, essential, optional, extra)
DEMANDS_SPEC: list[tuple[str, str, str, str, str, str, int, int | None, list[str], list[str], dict]] = [
    (
        "D-DEMO-001",
        DEMO_EMPLOYER,
        "employer",
        "Zorggroep Almere",
        "Helpenden voor onze woonlocaties",
        "Almere",
        5,
        2,
        HELPENDE,
        ["zorg.dementie"],
        {"delivery_wishes": ["evening"]},
    ),
    (
        "D-DEMO-002",
        DEMO_EMPLOYER,
        "employer",
        "Zorggroep Almere",
        "Zij-instromers Verzorgende-IG (BBL)",
        "Almere",
        3,
        3,
        VIG,
        ["zorg.wondzorg"],
        {"code": "23268", "funding_kinds": ["funded_bbl", "private"]},
    ),
    (
        "D-DEMO-003",
        "KVK-51473920",
        "employer",
        "Woonzorg Flevoland",
        "Helpenden voor de thuiszorg",
        "Lelystad",
        4,
        2,
        HELPENDE,
        [],
        {},
    ),
    (
        "D-DEMO-004",
        "KVK-62584031",
        "employer",
        "Coloriet",
        "Helpenden voor verpleeghuizen",
        "Lelystad",
        3,
        2,
        HELPENDE,
        ["zorg.eten_drinken"],
        {},
    ),
    (
        "D-DEMO-005",
        "KVK-73695142",
        "employer",
        "Kwintes",
        "Begeleiders voor beschermd wonen",
        "Almere",
        2,
        3,
        BEGELEIDER,
        ["welzijn.ggz"],
        {},
    ),
    (
        "D-DEMO-006",
        "KVK-84706253",
        "employer",
        "Sherpa",
        "Begeleiders gehandicaptenzorg",
        "Almere",
        2,
        3,
        BEGELEIDER,
        ["welzijn.gehandicaptenzorg"],
        {},
    ),
    (
        "D-DEMO-007",
        "OIN-00000001003214345000",
        "uwv",
        "UWV Flevoland",
        "Werkzoekenden naar de zorg",
        "Lelystad",
        6,
        2,
        HELPENDE,
        [],
        {"allow_split": True, "funding_kinds": ["private"]},
    ),
    (
        "D-DEMO-008",
        "OIN-00000001002220647000",
        "gemeente",
        "Gemeente Almere",
        "Statushouders richting zorg",
        "Almere",
        4,
        2,
        HELPENDE,
        [],
        {"allow_split": True, "funding_kinds": ["private", "funded_bol"]},
    ),
    (
        "D-DEMO-009",
        DEMO_RMT,
        "rmt",
        "Mobiliteitsteam Flevoland",
        "Zij-instromers installatietechniek",
        "Lelystad",
        3,
        2,
        TECHNIEK,
        [],
        {
            "allow_split": True,
            "funding_kinds": ["private"],
            "payers": [
                {
                    "payer_id": "OIN-00000001003214345000",
                    "kind": "uwv",
                    "name": "UWV Flevoland",
                    "scheme": "0190",
                    "endpoint": "00000001003214345000",
                    "share_bp": 10000,
                }
            ],
        },
    ),
    (
        "D-DEMO-010",
        "KVK-95817364",
        "employer",
        "Logistiek bedrijf Twente",
        "Orderpickers en heftruckchauffeurs",
        "Hengelo",
        6,
        2,
        LOGISTIEK,
        [],
        {"region": "twente"},
    ),
]


def demand_body(spec: tuple, today: date) -> DemandCreate:
    _, _, kind, name, title, municipality, participants, level, essential, optional, extra = spec
    body: dict[str, Any] = {
        "title": title,
        "commissioner_kind": kind,
        "commissioner_name": name,
        "region": "flevoland",
        "location": {"municipality": municipality},
        "max_distance_km": 45,
        "domain": None,
        "level": level,
        "essential_skills": essential,
        "optional_skills": optional,
        "participants": participants,
        "start_from": (today + timedelta(days=7)).isoformat(),
        "start_until": (today + timedelta(days=300)).isoformat(),
        "budget_per_participant_cents": 650_000,
    } | extra
    return DemandCreate.model_validate(body)


MUNICIPALITIES = {
    "flevoland": [
        "Almere",
        "Almere",
        "Lelystad",
        "Lelystad",
        "Dronten",
        "Zeewolde",
        "Noordoostpolder",
        "Urk",
    ],
    "twente": ["Enschede", "Hengelo", "Almelo"],
}
GOALS = [(2, HELPENDE), (3, VIG), (3, BEGELEIDER), (2, TECHNIEK), (2, LOGISTIEK)]


def candidate_body(n: int, region: str, rng: random.Random, today: date) -> CandidateCreate:
    level, goal = GOALS[rng.randrange(len(GOALS))] if region == "flevoland" else GOALS[rng.choice([3, 4])]
    evidence = []
    if goal is HELPENDE and rng.random() < 0.5:
        scan = rng.choice([65, 82, 90])
        evidence.append(
            {
                "module_code": "ADL",
                "praktijkscan_pct": scan,
                "instaptoets_pct": rng.choice([None, 78, 86]) if scan >= 80 else None,
            }
        )
    return CandidateCreate.model_validate(
        {
            "region": region,
            "location": {"municipality": rng.choice(MUNICIPALITIES[region])},
            "max_distance_km": rng.choice([20, 30, 45]),
            "available_from": (today + timedelta(days=rng.randint(0, 30))).isoformat(),
            "available_until": (today + timedelta(days=rng.randint(120, 360))).isoformat(),
            "skills": rng.sample(["algemeen.samenwerken", "algemeen.klantgericht", "algemeen.rekenen"], 2),
            "goal_essential_skills": goal,
            "prior_level": level - 1,
            "target_level": level,
            "funding_eligibility": rng.choice([["private"], ["private", "funded_bol"], ["funded_bol"]]),
            "budget_cents": rng.choice([None, 500_000, 800_000]),
            "delivery_wishes": rng.choice([[], ["evening"], ["daytime"]]),
            "consent": {
                "purpose": "matching",
                "given_on": (today - timedelta(days=rng.randint(1, 60))).isoformat(),
            },
            "evidence": evidence,
            "personal": {"display_name": f"Kandidaat {n:03d}", "postcode": ""},
        }
    )


async def seed_demo(matching: Matching, today: date | None = None) -> None:
    today = today or date.today()
    for spec in DEMANDS_SPEC:
        if await matching.store.get(DEMANDS, spec[0]):
            continue
        body = demand_body(spec, today)
        owner = Principal("system:demo", "rmt" if spec[2] == "rmt" else "employer", spec[1], body.region)
        await matching.post_demand(owner, body, demand_id=spec[0])
    rng = random.Random(20261122)
    numbered = [("flevoland", n) for n in range(1, 25)] + [("twente", n) for n in range(25, 31)]
    for region, n in numbered:
        ref = f"K-DEMO-{n:03d}"
        candidate = candidate_body(n, region, rng, today)
        if await matching.store.get(CANDIDATES, ref):
            continue
        team = Principal("system:demo", "rmt", DEMO_RMT if region == "flevoland" else "RMT-TWENTE", region)
        await matching.register_candidate(team, candidate, ref=ref)
    log.info("matching demo data seeded", extra={"demands": len(DEMANDS_SPEC), "candidates": len(numbered)})


async def ensure_demo_proposals(matching: Matching, region: str) -> None:
    """Demo pages show proposals at once: pool a region the first time it is looked at."""
    if await matching.store.find(PROPOSALS, {"region": region}):
        return
    index = await matching.cohort_index.current()
    if not any(c.region == region for c in index.cohorts):
        return  # the catalogue's cohorts have not arrived yet; try again on the next visit
    await matching.run_pooling(SYSTEM, region)
