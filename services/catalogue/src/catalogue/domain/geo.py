"""Map-free distance for the catalogue's search: the shared table of the demo regions'
municipalities (centroids, PC4 ranges) and haversine, from `llo_shared.places`."""

from llo_shared.places import (
    PLACES,
    REGIONS,
    Place,
    haversine_km,
    locate,
    place_of_municipality,
    place_of_postcode,
)

__all__ = [
    "PLACES",
    "REGIONS",
    "Place",
    "haversine_km",
    "locate",
    "place_of_municipality",
    "place_of_postcode",
]
