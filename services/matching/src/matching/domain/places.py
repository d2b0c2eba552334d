"""Municipality centroids of the demo regions: where a demand or candidate is, without a map service.

Matching keeps its own small table (services share no code beyond llo_shared); the catalogue
sends each cohort's lat/lon in its events, so only the seekers' side needs this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    municipality: str
    region: str
    lat: float
    lon: float


REGIONS: dict[str, str] = {
    "flevoland": "Flevoland",
    "friesland": "Friesland",
    "twente": "Twente",
    "haaglanden": "Haaglanden",
    "rijnmond": "Rijnmond",
    "foodvalley": "Foodvalley en Arnhem",
    "zaanstreek": "Zaanstreek-Waterland en Amsterdam",
}

PLACES: tuple[Place, ...] = (
    Place("Almere", "flevoland", 52.3508, 5.2647),
    Place("Lelystad", "flevoland", 52.5185, 5.4714),
    Place("Dronten", "flevoland", 52.5250, 5.7180),
    Place("Zeewolde", "flevoland", 52.3300, 5.5410),
    Place("Noordoostpolder", "flevoland", 52.7110, 5.7490),
    Place("Urk", "flevoland", 52.6620, 5.6010),
    Place("Sneek", "friesland", 53.0330, 5.6590),
    Place("Leeuwarden", "friesland", 53.2012, 5.7999),
    Place("Enschede", "twente", 52.2215, 6.8937),
    Place("Hengelo", "twente", 52.2658, 6.7931),
    Place("Almelo", "twente", 52.3567, 6.6625),
    Place("Den Haag", "haaglanden", 52.0705, 4.3007),
    Place("Delft", "haaglanden", 52.0116, 4.3571),
    Place("Zoetermeer", "haaglanden", 52.0607, 4.4940),
    Place("Rotterdam", "rijnmond", 51.9225, 4.4792),
    Place("Schiedam", "rijnmond", 51.9190, 4.3990),
    Place("Ede", "foodvalley", 52.0402, 5.6649),
    Place("Arnhem", "foodvalley", 51.9851, 5.8987),
    Place("Zaandam", "zaanstreek", 52.4420, 4.8292),
    Place("Amsterdam", "zaanstreek", 52.3676, 4.9041),
)

_BY_NAME = {p.municipality.casefold(): p for p in PLACES}


def place(municipality: str) -> Place | None:
    return _BY_NAME.get(municipality.strip().casefold())
