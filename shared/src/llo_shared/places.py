"""The demo regions' municipalities: centroid, region and PC4 ranges, and the distance between two
points. One table for every service (the catalogue's search, matching's demands and candidates), so
a municipality one service knows is never missing in another.

A small shipped table is enough for "within N km of my postcode": the distance is between
centroids (a few km error inside a municipality), which is what a search filter needs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Place:
    municipality: str
    region: str
    lat: float
    lon: float
    pc4_ranges: tuple[tuple[int, int], ...]

    @property
    def pc4(self) -> str:
        return str(self.pc4_ranges[0][0])


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
    Place("Almere", "flevoland", 52.3508, 5.2647, ((1311, 1364),)),
    Place("Lelystad", "flevoland", 52.5185, 5.4714, ((8211, 8245),)),
    Place("Dronten", "flevoland", 52.5250, 5.7180, ((8251, 8256),)),
    Place("Zeewolde", "flevoland", 52.3300, 5.5410, ((3891, 3899),)),
    Place("Noordoostpolder", "flevoland", 52.7110, 5.7490, ((8300, 8317),)),
    Place("Urk", "flevoland", 52.6620, 5.6010, ((8321, 8322),)),
    Place("Sneek", "friesland", 53.0330, 5.6590, ((8600, 8608),)),
    Place("Leeuwarden", "friesland", 53.2012, 5.7999, ((8911, 8941),)),
    Place("Enschede", "twente", 52.2215, 6.8937, ((7511, 7548),)),
    Place("Hengelo", "twente", 52.2658, 6.7931, ((7550, 7559),)),
    Place("Almelo", "twente", 52.3567, 6.6625, ((7600, 7609),)),
    Place("Oldenzaal", "twente", 52.3130, 6.9290, ((7570, 7577),)),
    Place("Den Haag", "haaglanden", 52.0705, 4.3007, ((2491, 2599),)),
    Place("Delft", "haaglanden", 52.0116, 4.3571, ((2611, 2629),)),
    Place("Zoetermeer", "haaglanden", 52.0607, 4.4940, ((2711, 2729),)),
    Place("Westland", "haaglanden", 51.9900, 4.2100, ((2671, 2691),)),
    Place("Rotterdam", "rijnmond", 51.9225, 4.4792, ((3011, 3089),)),
    Place("Schiedam", "rijnmond", 51.9190, 4.3990, ((3111, 3125),)),
    Place("Spijkenisse", "rijnmond", 51.8450, 4.3290, ((3200, 3209),)),
    Place("Ede", "foodvalley", 52.0402, 5.6649, ((6711, 6718),)),
    Place("Veenendaal", "foodvalley", 52.0286, 5.5589, ((3900, 3911),)),
    Place("Arnhem", "foodvalley", 51.9851, 5.8987, ((6811, 6846),)),
    Place("Zaandam", "zaanstreek", 52.4420, 4.8292, ((1501, 1509),)),
    Place("Purmerend", "zaanstreek", 52.5050, 4.9597, ((1441, 1448),)),
    Place("Amsterdam", "zaanstreek", 52.3676, 4.9041, ((1011, 1109),)),
)

_BY_NAME = {p.municipality.casefold(): p for p in PLACES}


def place_of_municipality(name: str) -> Place | None:
    return _BY_NAME.get(name.strip().casefold())


def place_of_postcode(postcode: str) -> Place | None:
    match = re.match(r"^\s*(\d{4})", postcode)
    if not match:
        return None
    number = int(match.group(1))
    return next((p for p in PLACES if any(lo <= number <= hi for lo, hi in p.pc4_ranges)), None)


def locate(where: str) -> Place | None:
    """A postcode (PC4 or full) or a municipality name."""
    return place_of_postcode(where) if re.match(r"^\s*\d{4}", where) else place_of_municipality(where)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat = p2 - p1
    dlon = math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
