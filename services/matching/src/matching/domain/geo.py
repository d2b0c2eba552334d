"""Great-circle distance (haversine), scalar and vectorised; both give the same kilometres."""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat = p2 - p1
    dlon = math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_km_many(
    lat: float, lon: float, lats_rad: np.ndarray, lons_rad: np.ndarray, cos_lats: np.ndarray
) -> np.ndarray:
    """Distances from one point to many; `cos_lats` is precomputed because it never changes."""
    p1 = math.radians(lat)
    half_dlat = np.sin((lats_rad - p1) * 0.5)
    half_dlon = np.sin((lons_rad - math.radians(lon)) * 0.5)
    a = half_dlat * half_dlat + math.cos(p1) * cos_lats * half_dlon * half_dlon
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
