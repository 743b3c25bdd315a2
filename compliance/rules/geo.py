"""Great-circle distance, shared by the presence and evidence rules and the day route."""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_000


def distance_m(a_lat: float, a_lng: float, b_lat: float, b_lng: float) -> float:
    """Haversine distance in metres between two points given in degrees."""
    lat1, lng1, lat2, lng2 = map(radians, (a_lat, a_lng, b_lat, b_lng))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))
