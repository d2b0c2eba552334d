"""Great-circle distance (haversine), scalar and vectorised; both give the same kilometres."""

from __future__ import annotations

import math

import numpy as np

from llo_shared.places import EARTH_RADIUS_KM, haversine_km

__all__ = ["EARTH_RADIUS_KM", "haversine_km", "haversine_km_many"]


def haversine_km_many(
    lat: float, lon: float, lats_rad: np.ndarray, lons_rad: np.ndarray, cos_lats: np.ndarray
) -> np.ndarray:
    """Distances from one point to many; `cos_lats` is precomputed because it never changes."""
    p1 = math.radians(lat)
    half_dlat = np.sin((lats_rad - p1) * 0.5)
    half_dlon = np.sin((lons_rad - math.radians(lon)) * 0.5)
    a = half_dlat * half_dlat + math.cos(p1) * cos_lats * half_dlon * half_dlon
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
