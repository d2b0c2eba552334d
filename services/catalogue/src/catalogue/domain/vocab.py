"""The attribute frame of an offering (DOMAIN.md "Offerings") as closed vocabularies.

Values are the Dutch terms of the field in snake_case; `LABELS` holds what pages show.
A value outside these sets is a 4xx at every entry point (API, search filters, import).
"""

from __future__ import annotations

from enum import StrEnum

from llo_shared.skills import load_skills


class ProviderKind(StrEnum):
    roc = "roc"
    aoc = "aoc"
    vakinstelling = "vakinstelling"
    nbi = "nbi"  # niet-bekostigde instelling
    opleidingsbedrijf = "opleidingsbedrijf"
    private_other = "private_other"


FUNDED_PROVIDER_KINDS = frozenset({ProviderKind.roc, ProviderKind.aoc, ProviderKind.vakinstelling})


class CredentialType(StrEnum):
    diploma = "diploma"
    mbo_certificaat = "mbo_certificaat"
    praktijkverklaring = "praktijkverklaring"
    leereenheid = "leereenheid"
    branchecertificaat = "branchecertificaat"
    edubadge = "edubadge"
    cursus = "cursus"
    orientatie = "orientatie"


class Leerweg(StrEnum):
    bol = "bol"
    bbl = "bbl"
    derde_leerweg = "derde_leerweg"
    contractonderwijs = "contractonderwijs"


FUNDED_LEERWEGEN = frozenset({Leerweg.bol, Leerweg.bbl})


class Domain(StrEnum):
    handel = "handel"
    ict_creatief = "ict_creatief"
    mobiliteit_logistiek = "mobiliteit_logistiek"
    specialistisch_vakmanschap = "specialistisch_vakmanschap"
    techniek_gebouwde_omgeving = "techniek_gebouwde_omgeving"
    voedsel_groen_gastvrijheid = "voedsel_groen_gastvrijheid"
    zakelijk_veiligheid = "zakelijk_veiligheid"
    zorg_welzijn_sport = "zorg_welzijn_sport"


class TargetGroup(StrEnum):
    werkenden = "werkenden"
    werkzoekenden = "werkzoekenden"
    zzp = "zzp"
    afstand_arbeidsmarkt = "afstand_arbeidsmarkt"


class LearningMode(StrEnum):
    online = "online"
    klassikaal = "klassikaal"
    werkplekleren = "werkplekleren"
    zelfstudie = "zelfstudie"


class LocationKind(StrEnum):
    school = "school"
    in_company = "in_company"
    online = "online"


class LessonTime(StrEnum):
    dag = "dag"
    avond = "avond"
    weekend = "weekend"


class StartPolicy(StrEnum):
    fixed = "fixed"  # vaste startdata
    continuous = "continuous"  # altijd instromen: modelled as rolling cohorts (see Cohort.rolling)
    minimum_group = "minimum_group"  # start zodra de minimale groep er is


class Registration(StrEnum):
    individual = "individual"
    group = "group"  # via the employer


class VatCode(StrEnum):
    exempt = "E"  # vrijgesteld: beroepsonderwijs door erkende instelling
    standard = "S"  # 21%


class Funding(StrEnum):
    bekostigd = "bekostigd"
    privaat = "privaat"


class Visibility(StrEnum):
    public = "public"
    onderhands = "onderhands"


class OfferingStatus(StrEnum):
    published = "published"
    withdrawn = "withdrawn"


class CohortStatus(StrEnum):
    planned = "planned"
    confirmed = "confirmed"
    cancelled = "cancelled"
    running = "running"
    completed = "completed"


class FundingKind(StrEnum):
    funded_bol = "funded_bol"
    funded_bbl = "funded_bbl"
    private = "private"


SKILL_IDS = load_skills().ids

LABELS: dict[str, dict[str, str]] = {
    "credential_type": {
        "diploma": "Diploma (kwalificatie)",
        "mbo_certificaat": "Mbo-certificaat",
        "praktijkverklaring": "Praktijkverklaring",
        "leereenheid": "Leereenheid / module",
        "branchecertificaat": "Branchecertificaat",
        "edubadge": "Edubadge",
        "cursus": "Cursus of training",
        "orientatie": "Oriëntatie- of voorschakeltraject",
    },
    "leerweg": {
        "bol": "BOL",
        "bbl": "BBL",
        "derde_leerweg": "Derde leerweg",
        "contractonderwijs": "Contractonderwijs",
    },
    "level": {"1": "Niveau 1 (Entree)", "2": "Niveau 2", "3": "Niveau 3", "4": "Niveau 4"},
    "domain": {d.code: d.label for d in load_skills().domains},
    "target_group": {
        "werkenden": "Werkenden",
        "werkzoekenden": "Werkzoekenden",
        "zzp": "Zzp'ers",
        "afstand_arbeidsmarkt": "Afstand tot de arbeidsmarkt",
    },
    "learning_mode": {
        "online": "Online",
        "klassikaal": "Klassikaal",
        "werkplekleren": "Werkplekleren",
        "zelfstudie": "Zelfstudie",
    },
    "location_kind": {"school": "Op school", "in_company": "In het bedrijf", "online": "Online"},
    "lesson_time": {"dag": "Overdag", "avond": "'s Avonds", "weekend": "Weekend"},
    "start_policy": {
        "fixed": "Vaste startdata",
        "continuous": "Altijd instromen",
        "minimum_group": "Start bij voldoende deelnemers",
    },
    "funding": {"bekostigd": "Bekostigd", "privaat": "Privaat"},
    "visibility": {"public": "Openbaar", "onderhands": "Alleen voor uw organisatie"},
    "registration": {"individual": "Individueel", "group": "Als groep via de werkgever"},
    "status": {
        "planned": "Gepland",
        "confirmed": "Start gegarandeerd",
        "cancelled": "Geannuleerd",
        "running": "Loopt",
        "completed": "Afgerond",
    },
    "provider_kind": {
        "roc": "ROC",
        "aoc": "AOC",
        "vakinstelling": "Vakinstelling",
        "nbi": "Niet-bekostigde instelling",
        "opleidingsbedrijf": "Opleidingsbedrijf",
        "private_other": "Private aanbieder",
    },
}


def label(field: str, value: object) -> str:
    return LABELS.get(field, {}).get(str(value), str(value))
