"""Where a demand or candidate is, without a map service: the shared table of the demo regions'
municipalities (`llo_shared.places`, the same one the catalogue searches with). The catalogue sends
each cohort's lat/lon in its events, so only the seekers' side looks places up here."""

from llo_shared.places import PLACES, REGIONS, Place
from llo_shared.places import place_of_municipality as place

__all__ = ["PLACES", "REGIONS", "Place", "place"]
