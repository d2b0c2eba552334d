"""Demo data for the embedded mode: deterministic (seeded RNG), dates relative to today.

Organisation names come from the sources (DOMAIN.md, seeds/); providers marked FICTIONAL
below are invented to give the regions a realistic breadth and exist nowhere else.
No personal names anywhere. Seeding is idempotent: it does nothing when providers exist.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from catalogue import usecases
from catalogue.domain import geo, rules
from catalogue.domain.model import CohortCreate, ConsortiumCreate, OfferingCreate, ProviderCreate
from catalogue.domain.vocab import CohortStatus, ProviderKind
from catalogue.store import PROVIDERS, CatalogueStore

DEMO_EMPLOYER = "KVK-39084217"  # Zorggroep Almere
OTHER_EMPLOYERS = ("KVK-61843025", "KVK-72019384")  # fictional employers for other onderhands offers
ROC_FLEVOLAND = "BRIN-25LH"

# (provider_id, name, kind, institution_code or kvk, regions, focus domains)
FUNDED = [
    (
        ROC_FLEVOLAND,
        "ROC van Flevoland",
        "roc",
        "25LH",
        ["flevoland"],
        ["zorg", "zorg", "techniek", "logistiek"],
    ),
    (
        "BRIN-25PN",
        "ROC Friese Poort",
        "roc",
        "25PN",
        ["friesland", "flevoland"],
        ["zorg", "techniek", "horeca"],
    ),
    ("BRIN-25PJ", "ROC Mondriaan", "roc", "25PJ", ["haaglanden"], ["zorg", "ict", "handel"]),
    ("BRIN-25LP", "ROC van Twente", "roc", "25LP", ["twente"], ["zorg", "techniek", "logistiek"]),
    ("BRIN-25LN", "ROC A12", "roc", "25LN", ["foodvalley"], ["techniek", "zorg", "zakelijk"]),
    ("BRIN-25LL", "Regio College", "roc", "25LL", ["zaanstreek"], ["techniek", "zorg", "handel"]),
    ("BRIN-25LG", "Zadkine", "roc", "25LG", ["rijnmond"], ["logistiek", "zorg", "horeca"]),
    ("BRIN-25LU", "Albeda", "roc", "25LU", ["rijnmond"], ["zorg", "techniek", "zakelijk"]),
    ("BRIN-25LX", "ROC van Amsterdam", "roc", "25LX", ["zaanstreek"], ["zorg", "ict", "horeca"]),
    ("BRIN-25LM", "ROC Rijn IJssel", "roc", "25LM", ["foodvalley"], ["zorg", "techniek"]),
    ("BRIN-25LR", "Landstede MBO", "roc", "25LR", ["flevoland"], ["zorg", "handel"]),
    ("BRIN-25LW", "Horizon College", "roc", "25LW", ["zaanstreek"], ["zorg", "techniek"]),
    ("BRIN-27UM", "Aeres MBO", "aoc", "27UM", ["flevoland", "foodvalley"], ["groen", "groen", "horeca"]),
    ("BRIN-20MS", "Wellantcollege", "aoc", "20MS", ["rijnmond", "haaglanden"], ["groen", "handel"]),
]
PRIVATE = [
    ("KVK-30172951", "STOC", "nbi", ["haaglanden", "zaanstreek"], ["zorg"]),
    ("KVK-08104857", "Educared", "nbi", ["twente"], ["zorg"]),
    ("KVK-02068340", "Spring Instituut", "nbi", ["foodvalley", "friesland"], ["techniek"]),
    ("KVK-17092514", "Litop", "nbi", ["zaanstreek"], ["techniek"]),
    ("KVK-24351209", "Technicom", "nbi", ["zaanstreek", "rijnmond"], ["techniek", "logistiek"]),
    ("KVK-33058217", "LOI", "nbi", ["twente", "haaglanden"], ["zakelijk", "ict"]),
    # FICTIONAL providers from here on
    ("KVK-90011001", "Polderzorg Academie", "nbi", ["flevoland"], ["zorg"]),
    ("KVK-90011002", "Zorgleerhuis Lelystad", "opleidingsbedrijf", ["flevoland"], ["zorg"]),
    ("KVK-90011003", "Installatiewerkplaats Flevoland", "opleidingsbedrijf", ["flevoland"], ["techniek"]),
    ("KVK-90011004", "Logistiek Leerbedrijf Almere", "opleidingsbedrijf", ["flevoland"], ["logistiek"]),
    ("KVK-90011005", "Twentse Techniekschool", "nbi", ["twente"], ["techniek"]),
    ("KVK-90011006", "Zorgpunt Opleidingen Oost", "nbi", ["twente"], ["zorg"]),
    ("KVK-90011007", "Haagse Zorgacademie", "nbi", ["haaglanden"], ["zorg"]),
    ("KVK-90011008", "Hofstad ICT Training", "private_other", ["haaglanden"], ["ict"]),
    ("KVK-90011009", "Maasstad Logistiek Opleidingen", "opleidingsbedrijf", ["rijnmond"], ["logistiek"]),
    ("KVK-90011010", "Havenvakschool Rijnmond", "nbi", ["rijnmond"], ["techniek", "logistiek"]),
    ("KVK-90011011", "Valleizorg Leerhuis", "nbi", ["foodvalley"], ["zorg"]),
    ("KVK-90011012", "Foodvalley Vakopleidingen", "private_other", ["foodvalley"], ["horeca", "groen"]),
    ("KVK-90011013", "Zaanse Bouwopleiding", "opleidingsbedrijf", ["zaanstreek"], ["techniek"]),
    ("KVK-90011014", "Waterland Zorgtraining", "nbi", ["zaanstreek"], ["zorg"]),
    ("KVK-90011015", "Fryske Soarch Oplieding", "nbi", ["friesland"], ["zorg"]),
    ("KVK-90011016", "Noordelijke Energieschool", "nbi", ["friesland", "flevoland"], ["techniek"]),
    ("KVK-90011017", "Kassa & Klant Academie", "private_other", ["rijnmond", "haaglanden"], ["handel"]),
    (
        "KVK-90011018",
        "Administratief Leercentrum Midden",
        "private_other",
        ["foodvalley", "twente"],
        ["zakelijk"],
    ),
    ("KVK-90011019", "Kinderopvang Leerlijn Almere", "nbi", ["flevoland"], ["zorg"]),
    ("KVK-90011020", "Groen Doen Opleidingen", "opleidingsbedrijf", ["haaglanden", "rijnmond"], ["groen"]),
    (
        "KVK-90011021",
        "Beveiligingsschool Randstad",
        "private_other",
        ["rijnmond", "zaanstreek"],
        ["zakelijk"],
    ),
    ("KVK-90011022", "Horeca Praktijkhuis", "opleidingsbedrijf", ["twente", "friesland"], ["horeca"]),
    ("KVK-90011023", "E-Installatie Opleidingen", "nbi", ["twente", "foodvalley"], ["techniek"]),
    ("KVK-90011024", "Digivaardig Leren", "private_other", ["flevoland", "zaanstreek"], ["ict"]),
    ("KVK-90011025", "Werkplaats Metaal Oost", "opleidingsbedrijf", ["twente"], ["techniek"]),
    ("KVK-90011026", "Thuiszorg Trainingen Nederland", "nbi", ["haaglanden", "foodvalley"], ["zorg"]),
    ("KVK-90011027", "Leerwerkbedrijf Dagbesteding", "opleidingsbedrijf", ["rijnmond"], ["zorg"]),
    ("KVK-90011028", "Transportopleider Vallei", "opleidingsbedrijf", ["foodvalley"], ["logistiek"]),
]


@dataclass(frozen=True)
class Template:
    group: str
    title: str
    credential_type: str
    code: str | None
    level: int
    domain: str
    hours: int
    weeks: int
    skills: tuple[str, ...]
    keywords: tuple[str, ...]
    base_price_eur: int
    diploma_route: bool = False  # may run as BOL/BBL at a funded provider


Z, T, L = "zorg_welzijn_sport", "techniek_gebouwde_omgeving", "mobiliteit_logistiek"
TEMPLATES = [
    Template(
        "zorg",
        "Helpende Zorg en Welzijn",
        "diploma",
        "25498",
        2,
        Z,
        1600,
        52,
        ("zorg.adl", "zorg.persoonlijke_verzorging", "zorg.huishoudelijk"),
        ("helpende", "zorg", "welzijn"),
        3900,
        True,
    ),
    Template(
        "zorg",
        "Verzorgende-IG",
        "diploma",
        "23268",
        3,
        Z,
        2400,
        78,
        ("zorg.adl", "zorg.medicatie", "zorg.voorbehouden_handelingen", "zorg.wondzorg"),
        ("vig", "verzorgende", "ouderenzorg"),
        6400,
        True,
    ),
    Template(
        "zorg",
        "Medewerker maatschappelijke zorg",
        "diploma",
        "23181",
        3,
        Z,
        2400,
        78,
        ("welzijn.specifieke_doelgroepen", "welzijn.methodisch_werken"),
        ("mz", "begeleiding", "gehandicaptenzorg"),
        6200,
        True,
    ),
    Template(
        "zorg",
        "Begeleider specifieke doelgroepen",
        "diploma",
        "25480",
        3,
        Z,
        2400,
        78,
        ("welzijn.specifieke_doelgroepen", "welzijn.agressiehantering"),
        ("begeleider", "ggz"),
        6200,
        True,
    ),
    Template(
        "zorg",
        "Verpleegkundige (mbo)",
        "diploma",
        "25655",
        4,
        Z,
        3200,
        104,
        ("zorg.klinisch_redeneren", "zorg.medicatie", "zorg.voorbehouden_handelingen"),
        ("verpleegkunde", "mbo-v"),
        8900,
        True,
    ),
    Template(
        "zorg",
        "Pedagogisch medewerker kinderopvang",
        "diploma",
        "25487",
        3,
        Z,
        2400,
        78,
        ("welzijn.kinderopvang", "welzijn.begeleiden_groep"),
        ("kinderopvang", "pedagogisch"),
        5900,
        True,
    ),
    Template(
        "zorg",
        "Leereenheid ADL: ondersteunen bij dagelijkse verzorging",
        "leereenheid",
        None,
        2,
        Z,
        120,
        10,
        ("zorg.adl", "zorg.tillen_transfers"),
        ("adl", "verzorging", "module"),
        950,
    ),
    Template(
        "zorg",
        "Leereenheid medicatie en risicovolle handelingen",
        "leereenheid",
        None,
        3,
        Z,
        160,
        12,
        ("zorg.medicatie", "zorg.voorbehouden_handelingen"),
        ("medicatie", "module"),
        1150,
    ),
    Template(
        "zorg",
        "Mbo-certificaat Werken in de thuiszorg",
        "mbo_certificaat",
        "K0905",
        2,
        Z,
        240,
        16,
        ("zorg.observeren_signaleren", "zorg.huishoudelijk"),
        ("thuiszorg", "keuzedeel"),
        1450,
    ),
    Template(
        "zorg",
        "Mbo-certificaat Dementie",
        "mbo_certificaat",
        "K0040",
        3,
        Z,
        240,
        16,
        ("zorg.dementie", "zorg.observeren_signaleren"),
        ("dementie", "psychogeriatrie", "keuzedeel"),
        1450,
    ),
    Template(
        "zorg",
        "Mbo-certificaat Palliatieve zorg",
        "mbo_certificaat",
        "K0232",
        3,
        Z,
        240,
        16,
        ("zorg.palliatief",),
        ("palliatief", "keuzedeel"),
        1450,
    ),
    Template(
        "zorg",
        "Praktijkverklaring Helpende Zorg",
        "praktijkverklaring",
        None,
        2,
        Z,
        400,
        26,
        ("zorg.adl", "zorg.persoonlijke_verzorging"),
        ("praktijkverklaring", "zij-instromer"),
        1900,
    ),
    Template(
        "zorg",
        "Oriëntatietraject Zorg",
        "orientatie",
        None,
        1,
        Z,
        60,
        6,
        ("zorg.hygiene_infectiepreventie", "algemeen.samenwerken"),
        ("orientatie", "zij-instromers", "werkzoekenden"),
        450,
    ),
    Template(
        "techniek",
        "Monteur elektrotechnische installaties",
        "diploma",
        "25407",
        2,
        T,
        1600,
        52,
        ("techniek.elektra", "techniek.nen3140", "techniek.vca"),
        ("elektro", "installatie"),
        5200,
        True,
    ),
    Template(
        "techniek",
        "Eerste monteur elektrotechnische installaties",
        "diploma",
        "25408",
        3,
        T,
        2400,
        78,
        ("techniek.elektra", "techniek.storingsdiagnose", "techniek.plc"),
        ("elektro", "installatie"),
        6800,
        True,
    ),
    Template(
        "techniek",
        "Monteur energietransitie",
        "mbo_certificaat",
        "K1011",
        3,
        T,
        320,
        20,
        ("techniek.warmtepomp", "techniek.zonnepanelen", "techniek.laadpalen"),
        ("energietransitie", "warmtepomp", "duurzaam"),
        2950,
    ),
    Template(
        "techniek",
        "Operator C",
        "diploma",
        "25463",
        3,
        T,
        2400,
        78,
        ("techniek.procesoperator", "techniek.onderhoud"),
        ("operator", "procesindustrie"),
        6500,
        True,
    ),
    Template(
        "techniek",
        "Monteur mechatronica",
        "diploma",
        "25356",
        2,
        T,
        1600,
        52,
        ("techniek.mechatronica", "techniek.tekening_lezen"),
        ("mechatronica", "machines"),
        5200,
        True,
    ),
    Template(
        "techniek",
        "Lassen MIG/MAG",
        "branchecertificaat",
        None,
        2,
        T,
        160,
        10,
        ("techniek.lassen", "techniek.metaalbewerking"),
        ("lassen", "metaal"),
        2100,
    ),
    Template(
        "techniek",
        "NEN 3140 voor vakbekwaam persoon",
        "branchecertificaat",
        None,
        3,
        T,
        24,
        2,
        ("techniek.nen3140",),
        ("nen3140", "veiligheid"),
        650,
    ),
    Template(
        "techniek",
        "VCA Basisveiligheid",
        "cursus",
        None,
        1,
        T,
        16,
        1,
        ("techniek.vca", "algemeen.veilig_werken"),
        ("vca", "veiligheid"),
        260,
    ),
    Template(
        "techniek",
        "Warmtepompen installeren",
        "edubadge",
        None,
        3,
        T,
        80,
        6,
        ("techniek.warmtepomp", "techniek.installatietechniek"),
        ("warmtepomp", "installatie"),
        1250,
    ),
    Template(
        "logistiek",
        "Logistiek medewerker",
        "diploma",
        "25390",
        2,
        L,
        1600,
        52,
        ("logistiek.orderpicking", "logistiek.voorraadbeheer", "logistiek.wms"),
        ("magazijn", "logistiek"),
        4200,
        True,
    ),
    Template(
        "logistiek",
        "Heftruck rijden",
        "branchecertificaat",
        None,
        1,
        L,
        16,
        1,
        ("logistiek.heftruck",),
        ("heftruck", "magazijn"),
        390,
    ),
    Template(
        "logistiek",
        "Praktijkverklaring Orderpicker",
        "praktijkverklaring",
        None,
        1,
        L,
        200,
        12,
        ("logistiek.orderpicking", "logistiek.reachtruck"),
        ("orderpicker", "praktijkverklaring"),
        900,
    ),
    Template(
        "ict",
        "Medewerker ICT support",
        "diploma",
        "25604",
        3,
        "ict_creatief",
        2400,
        78,
        ("ict.servicedesk", "ict.netwerkbeheer"),
        ("ict", "support", "servicedesk"),
        5800,
        True,
    ),
    Template(
        "ict",
        "Basis cybersecurity voor werkenden",
        "cursus",
        None,
        2,
        "ict_creatief",
        40,
        5,
        ("ict.cybersecurity", "ict.digitale_vaardigheden"),
        ("cybersecurity", "digitaal"),
        690,
    ),
    Template(
        "handel",
        "Verkoopspecialist",
        "diploma",
        "25169",
        3,
        "handel",
        2400,
        78,
        ("handel.verkoop", "handel.presentatie"),
        ("verkoop", "retail"),
        5400,
        True,
    ),
    Template(
        "handel",
        "Kassa en klantcontact",
        "praktijkverklaring",
        None,
        1,
        "handel",
        120,
        8,
        ("handel.kassa", "algemeen.klantgericht"),
        ("kassa", "winkel"),
        700,
    ),
    Template(
        "horeca",
        "Zelfstandig werkend kok",
        "diploma",
        "25180",
        3,
        "voedsel_groen_gastvrijheid",
        2400,
        78,
        ("horeca.koken", "horeca.haccp"),
        ("kok", "keuken"),
        6100,
        True,
    ),
    Template(
        "horeca",
        "Sociale hygiëne",
        "branchecertificaat",
        None,
        2,
        "voedsel_groen_gastvrijheid",
        40,
        4,
        ("horeca.bediening",),
        ("horeca", "sociale hygiene"),
        420,
    ),
    Template(
        "groen",
        "Medewerker hovenier",
        "diploma",
        "25233",
        2,
        "voedsel_groen_gastvrijheid",
        1600,
        52,
        ("groen.hovenier", "groen.machines"),
        ("hovenier", "groen"),
        4800,
        True,
    ),
    Template(
        "groen",
        "Mbo-certificaat Teelt",
        "mbo_certificaat",
        "K0412",
        2,
        "voedsel_groen_gastvrijheid",
        240,
        16,
        ("groen.teelt",),
        ("teelt", "kas"),
        1400,
    ),
    Template(
        "zakelijk",
        "Medewerker financiële administratie",
        "diploma",
        "25146",
        3,
        "zakelijk_veiligheid",
        2400,
        78,
        ("zakelijk.administratie",),
        ("administratie", "boekhouden"),
        5200,
        True,
    ),
    Template(
        "zakelijk",
        "Beveiliger",
        "diploma",
        "25410",
        2,
        "zakelijk_veiligheid",
        1600,
        52,
        ("veiligheid.beveiliging",),
        ("beveiliging", "toezicht"),
        4300,
        True,
    ),
    Template(
        "zakelijk",
        "Nederlands op de werkvloer",
        "cursus",
        None,
        1,
        "zakelijk_veiligheid",
        60,
        10,
        ("algemeen.nederlands_werk",),
        ("taal", "nt2"),
        650,
    ),
]
# Partnerships of providers. FLEX-style: funded and non-funded partners together (DOMAIN.md);
# the non-funded partners named here are the FICTIONAL ones above.
CONSORTIA = [
    ConsortiumCreate(
        consortium_id="FLEX-ZORG-FLEVOLAND",
        name="Zorgpact Flevoland (FLEX)",
        members=[ROC_FLEVOLAND, "KVK-90011001", "KVK-90011002"],
        flex_partnership=True,
    ),
    ConsortiumCreate(
        consortium_id="FLEX-TECHNIEK-FLEVOLAND",
        name="Energietransitie Flevoland (FLEX)",
        members=[ROC_FLEVOLAND, "BRIN-27UM", "KVK-90011003", "KVK-90011016"],
        flex_partnership=True,
    ),
    ConsortiumCreate(
        consortium_id="FLEX-TECHNIEK-TWENTE",
        name="Techniekpact Twente (FLEX)",
        members=["BRIN-25LP", "KVK-90011005", "KVK-90011025"],
        flex_partnership=True,
    ),
    ConsortiumCreate(
        consortium_id="ZORG-RIJNMOND",
        name="Zorgalliantie Rijnmond",
        members=["BRIN-25LG", "BRIN-25LU"],
    ),
]
BY_GROUP: dict[str, list[Template]] = {}
for _t in TEMPLATES:
    BY_GROUP.setdefault(_t.group, []).append(_t)


def _office(number: int, regions: list[str], domain: str) -> dict[str, Any]:
    """A fictional office in the provider's first region: visiting address, e-mail and phone."""
    place = next(p for p in geo.PLACES if p.region == regions[0])
    pc4 = place.pc4_ranges[0][0] + number % 5
    return {
        "contact": {
            "website": f"https://www.{domain}.example",
            "email": f"info@{domain}.example",
            "phone": f"088 {100 + number:03d} {4000 + number * 7:04d}",
        },
        "address": {
            "street": f"Onderwijsplein {number + 1}",
            "postcode": f"{pc4} AB",
            "city": place.municipality,
        },
    }


def provider_inputs() -> list[ProviderCreate]:
    providers = [
        ProviderCreate(
            provider_id=pid,
            name=name,
            kind=ProviderKind(kind),
            institution_code=code,
            regions=regions,
            **_office(i, regions, name.lower().replace(" ", "")),
        )
        for i, (pid, name, kind, code, regions, _) in enumerate(FUNDED)
    ]
    providers += [
        ProviderCreate(
            provider_id=pid,
            name=name,
            kind=ProviderKind(kind),
            kvk=pid.removeprefix("KVK-"),
            regions=regions,
            **_office(len(FUNDED) + i, regions, pid.lower()),
        )
        for i, (pid, name, kind, regions, _) in enumerate(PRIVATE)
    ]
    return providers


def _focus(pid: str) -> list[str]:
    for entry in FUNDED:
        if entry[0] == pid:
            return entry[5]
    return next(entry[4] for entry in PRIVATE if entry[0] == pid)


PRIVATE_ROUTE = "Privaat traject (deelnemer of werkgever betaalt)"


def offering_input(rng: random.Random, t: Template, provider: dict[str, Any], index: int) -> OfferingCreate:
    funded = provider["funded"]
    if funded and t.diploma_route:
        leerweg = rng.choice(["bbl", "bbl", "bol", "derde_leerweg"])
    else:
        leerweg = rng.choice(["derde_leerweg", "derde_leerweg", "contractonderwijs"])
    short = t.hours <= 160
    start_policy = (
        "continuous" if short and rng.random() < 0.3 else rng.choice(["fixed", "fixed", "minimum_group"])
    )
    price_eur = int(t.base_price_eur * rng.uniform(0.85, 1.2))
    exam = 0 if t.credential_type in ("cursus", "orientatie") else rng.choice([95, 150, 225])
    place_words = " ".join(geo.REGIONS[r] for r in provider["regions"])
    # The demo's plain values pass the same validation as an API body does.
    return OfferingCreate.model_validate(
        dict(
            offering_id=demo_offering_id(provider, index),
            title=t.title,
            description=(
                f"{t.title} bij {provider['name']} in {place_words}. "
                f"{'Bekostigd traject' if leerweg in ('bol', 'bbl') else PRIVATE_ROUTE} "
                f"op niveau {t.level}, {t.hours} uur studiebelasting in {t.weeks} weken."
            ),
            keywords=list(t.keywords),
            credential_type=t.credential_type,
            code=t.code,
            leerweg=leerweg,
            level=t.level,
            domain=t.domain,
            study_load_hours=t.hours,
            duration_weeks=t.weeks,
            target_groups=rng.sample(
                ["werkenden", "werkzoekenden", "zzp", "afstand_arbeidsmarkt"], rng.randint(1, 3)
            ),
            learning_modes=rng.sample(
                ["online", "klassikaal", "werkplekleren", "zelfstudie"], rng.randint(1, 3)
            ),
            location_kinds=rng.sample(["school", "in_company", "online"], rng.randint(1, 2)),
            lesson_times=rng.sample(["dag", "avond", "weekend"], rng.randint(1, 2)),
            start_policy=start_policy,
            own_pace=rng.random() < 0.3,
            free_module_order=rng.random() < 0.2,
            exemptions_possible=rng.random() < 0.5,
            intake_required=t.credential_type not in ("cursus", "branchecertificaat"),
            stacks_into=[] if t.credential_type == "diploma" else rng.sample(["25498", "23268", "25407"], 1),
            registration=rng.choice([["individual"], ["group"], ["individual", "group"]]),
            requires_workplace=leerweg == "bbl" or rng.random() < 0.2,
            price={
                "tuition_cents": price_eur * 100,
                "exam_cents": exam * 100,
                "materials_cents": rng.choice([0, 75, 150, 250]) * 100,
                "vat_code": "E" if funded or t.credential_type in ("diploma", "mbo_certificaat") else "S",
            },
            funding="bekostigd" if leerweg in ("bol", "bbl") else "privaat",
            skills=list(t.skills),
            visibility="public",
            visible_to=[],
        )
    )


def demo_offering_id(provider: dict[str, Any], index: int) -> str:
    return f"off-{provider['provider_id'].lower()}-{index:03d}"


def cohort_plan(rng: random.Random, today: date, rolling: bool) -> dict[str, Any]:
    start = today + timedelta(days=rng.randint(-90, 270))
    return {"start": start, "rolling": rolling}


async def seed_demo_data(
    store: CatalogueStore, seed: int = 20261122, today: date | None = None
) -> dict[str, int]:
    if await store.db[PROVIDERS].count_documents({}) > 0:
        return {"providers": 0, "consortia": 0, "offerings": 0, "cohorts": 0}
    rng = random.Random(seed)
    today = today or store.today()
    providers = [await usecases.register_provider(store, p) for p in provider_inputs()]
    consortia = [await usecases.create_consortium(store, c) for c in CONSORTIA]
    offerings: list[tuple[dict[str, Any], dict[str, Any], Template]] = []
    for provider in providers:
        count = 12 if provider["funded"] else 6
        for i in range(count):
            group = rng.choice(_focus(provider["provider_id"]))
            template = rng.choice(BY_GROUP[group])
            data = offering_input(rng, template, provider, i)
            if provider["provider_id"] in (ROC_FLEVOLAND, "KVK-90011001") and group == "zorg" and i % 4 == 1:
                data = OfferingCreate.model_validate(
                    data.model_dump()
                    | {
                        "visibility": "onderhands",
                        "visible_to": [DEMO_EMPLOYER],
                        "title": f"{template.title} (maatwerk Zorggroep Almere)",
                    }
                )
            elif not provider["funded"] and i == 5 and rng.random() < 0.4:
                data = OfferingCreate.model_validate(
                    data.model_dump()
                    | {"visibility": "onderhands", "visible_to": [rng.choice(OTHER_EMPLOYERS)]}
                )
            offerings.append(
                (
                    await usecases.publish_offering(store, provider, data, demo_offering_id(provider, i)),
                    provider,
                    template,
                )
            )
    cohorts = 0
    for offering, provider, template in offerings:
        n = 2 if offering["start_policy"] == "continuous" else rng.randint(2, 4)
        for k in range(n):
            await _seed_cohort(store, rng, today, offering, provider, template, k)
            cohorts += 1
    cohorts += await _flevoland_go_no_go_work(store, rng, today, offerings)
    return {
        "providers": len(providers),
        "consortia": len(consortia),
        "offerings": len(offerings),
        "cohorts": cohorts,
    }


def _place(rng: random.Random, provider: dict[str, Any]) -> geo.Place:
    return rng.choice([p for p in geo.PLACES if p.region in provider["regions"]])


async def _seed_cohort(
    store: CatalogueStore,
    rng: random.Random,
    today: date,
    offering: dict[str, Any],
    provider: dict[str, Any],
    template: Template,
    k: int,
    *,
    start: date | None = None,
    decision_in_days: int | None = None,
    taken: int | None = None,
) -> dict[str, Any]:
    rolling = offering["start_policy"] == "continuous"
    start = start or today + timedelta(days=rng.randint(-120, 300))
    weeks = 8 if rolling else min(template.weeks, 104)
    end = start + timedelta(weeks=weeks)
    decision = (
        start - timedelta(days=rng.randint(14, 35))
        if decision_in_days is None
        else today + timedelta(days=decision_in_days)
    )
    capacity = rng.choice([8, 10, 12, 14, 16, 18, 20, 24])
    break_even = 1 if rolling else max(4, min(capacity, int(capacity * rng.uniform(0.5, 0.8))))
    if taken is None:
        taken = rng.randint(0, capacity) if start > today else rng.randint(break_even, capacity)
    status = _status(today, start, end, decision, taken, break_even, early_go=rng.random() < 0.6)
    place = _place(rng, provider)
    prior = _split_seats(rng, taken, offering["funding"])
    data = CohortCreate(
        offering_id=offering["offering_id"],
        start_date=start,
        end_date=end,
        decision_date=min(decision, start),
        municipality=place.municipality,
        postcode=place.pc4,
        capacity=capacity,
        break_even=break_even,
        seat_price_cents=_seat_price(rng, offering),
        rolling=rolling,
    )
    cohort_id = f"coh-{offering['offering_id'].removeprefix('off-')}-{k}"
    return await usecases.schedule_cohort(store, offering, data, cohort_id, status=status, prior_seats=prior)


def _status(
    today: date, start: date, end: date, decision: date, taken: int, break_even: int, early_go: bool
) -> CohortStatus:
    if end < today:
        return CohortStatus.completed
    if start <= today:
        return CohortStatus.running
    if taken >= break_even and (decision <= today or early_go):
        return CohortStatus.confirmed  # providers often confirm early once the group is full enough
    return CohortStatus.planned  # decision pending: the sweep raises CohortDecisionDue


def _seat_price(rng: random.Random, offering: dict[str, Any]) -> int:
    """A private seat costs what the offering's price says (its components added up): the price the
    portal shows is the price billing invoices. One cohort in ten has a price of its own (a shorter
    run, a discount for a partner), which the offering page then names as such."""
    listed = rules.list_price_cents(offering)
    deviation = rng.uniform(0.9, 1.15)
    return int(listed * deviation) // 100 * 100 if deviation < 0.925 else listed


def _split_seats(rng: random.Random, taken: int, funding: str) -> dict[str, int]:
    if funding == "privaat":
        return {"private": taken}
    private = rng.randint(0, taken // 3)
    bbl = rng.randint(0, taken - private)
    return {"private": private, "funded_bbl": bbl, "funded_bol": taken - private - bbl}


async def _flevoland_go_no_go_work(
    store: CatalogueStore,
    rng: random.Random,
    today: date,
    offerings: list[tuple[dict[str, Any], dict[str, Any], Template]],
) -> int:
    """ROC van Flevoland zorg cohorts below break-even with a decision date soon (or today)."""
    zorg = [
        o
        for o in offerings
        if o[1]["provider_id"] == ROC_FLEVOLAND
        and o[2].group == "zorg"
        and o[0]["start_policy"] != "continuous"
    ]
    added = 0
    for n, (offering, provider, template) in enumerate(zorg[:6]):
        decision_in = [0, 3, 5, 7, 10, 14][n]
        start = today + timedelta(days=decision_in + 21)
        await _seed_cohort(
            store,
            rng,
            today,
            offering,
            provider,
            template,
            9,
            start=start,
            decision_in_days=decision_in,
            taken=rng.randint(3, 6),
        )
        added += 1
    return added
