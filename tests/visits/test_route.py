"""visits.route: haversine distances and the nearest-neighbour order (pure, no DB)."""

from math import cos, hypot, pi, radians

import pytest

from compliance.rules.geo import EARTH_RADIUS_M
from visits.route import haversine_km, nearest_neighbour_tour

EARTH_RADIUS_KM = EARTH_RADIUS_M / 1000

KM_PER_DEGREE = pi * EARTH_RADIUS_KM / 180  # 111.195 km along a meridian

# Kunming: the demo district centres (collections_app/demo/geo.py) and the team office.
OFFICE = (25.040, 102.710)
WUHUA = (25.043, 102.704)
PANLONG = (25.071, 102.720)
GUANDU = (25.015, 102.744)
XISHAN = (25.038, 102.664)
CHENGGONG = (24.889, 102.821)


def flat_km(a, b) -> float:
    """Equirectangular approximation: within metres of haversine over a few kilometres."""
    mid = radians((a[0] + b[0]) / 2)
    return KM_PER_DEGREE * hypot(b[0] - a[0], (b[1] - a[1]) * cos(mid))


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((25.0, 102.7), (26.0, 102.7), KM_PER_DEGREE),  # one degree of latitude
        ((0.0, 0.0), (0.0, 1.0), KM_PER_DEGREE),  # one degree of longitude on the equator
        ((0.0, 0.0), (0.0, 90.0), pi * EARTH_RADIUS_KM / 2),  # a quarter of the equator
        ((0.0, 0.0), (0.0, 180.0), pi * EARTH_RADIUS_KM),  # antipodes (asin clamped)
        ((90.0, 0.0), (-90.0, 0.0), pi * EARTH_RADIUS_KM),  # pole to pole
        (WUHUA, WUHUA, 0.0),
        # One degree of longitude at Kunming's latitude: 2R·asin(cos 25.04° · sin 0.5°) ≈ 100.74 km.
        ((25.04, 102.0), (25.04, 103.0), 100.74),
    ],
)
def test_known_distances(a, b, km):
    assert haversine_km(a, b) == pytest.approx(km, abs=0.01)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        # By hand: north-south 111.195 km/degree, east-west that times cos(mean latitude).
        (WUHUA, GUANDU, 5.09),  # 3.11 km south, 4.03 km east
        (OFFICE, PANLONG, 3.59),  # 3.45 km north, 1.01 km east
        (WUHUA, XISHAN, 4.07),  # 0.56 km south, 4.03 km west
        (OFFICE, CHENGGONG, 20.18),  # 16.79 km south, 11.19 km east
    ],
)
def test_kunming_distances(a, b, km):
    assert haversine_km(a, b) == pytest.approx(km, abs=0.01)
    assert haversine_km(a, b) == pytest.approx(flat_km(a, b), abs=0.01)
    assert haversine_km(b, a) == haversine_km(a, b)


def test_empty_day():
    tour = nearest_neighbour_tour([], OFFICE)
    assert (tour.order, tour.legs, tour.total_km, tour.from_start) == ((), (), 0, True)
    assert nearest_neighbour_tour([]).from_start is False


def test_single_stop_from_the_office():
    tour = nearest_neighbour_tour([GUANDU], OFFICE)
    assert tour.order == (0,)
    assert tour.legs == (pytest.approx(haversine_km(OFFICE, GUANDU)),)
    assert tour.total_km == tour.legs[0]


def test_single_stop_without_office_is_a_zero_tour():
    tour = nearest_neighbour_tour([GUANDU])
    assert (tour.order, tour.legs, tour.total_km, tour.from_start) == ((0,), (0.0,), 0.0, False)


def test_nearest_first_from_the_office():
    # Given in booked order: Chenggong first, but the office is next to Wuhua.
    stops = [CHENGGONG, PANLONG, WUHUA, XISHAN]
    tour = nearest_neighbour_tour(stops, OFFICE)
    # Office → Wuhua (0.69 km) → Panlong (3.51, nearer than Xishan at 4.07) → Xishan (6.73)
    # → Chenggong (22.91).
    assert tour.order == (2, 1, 3, 0)
    assert tour.legs == pytest.approx((0.69, 3.51, 6.73, 22.91), abs=0.01)
    assert tour.total_km == pytest.approx(sum(tour.legs))
    assert sorted(tour.order) == list(range(len(stops)))  # every stop exactly once


def test_without_office_the_tour_starts_at_the_first_stop():
    stops = [CHENGGONG, PANLONG, WUHUA, XISHAN]
    tour = nearest_neighbour_tour(stops)
    assert tour.order[0] == 0 and tour.legs[0] == 0.0
    # From Chenggong: Wuhua (20.79 km; Panlong 22.65, Xishan 22.91), then Panlong, Xishan.
    assert tour.order == (0, 2, 1, 3)
    assert tour.legs == pytest.approx((0.0, 20.79, 3.51, 6.73), abs=0.01)


def test_ties_go_to_the_stop_given_first():
    # Two stops the same distance east and west of the start: the first given wins, and a
    # second visit to the same place follows at once with a zero leg.
    east, west = (25.0, 102.8), (25.0, 102.6)
    start = (25.0, 102.7)
    assert nearest_neighbour_tour([east, west], start).order == (0, 1)
    assert nearest_neighbour_tour([west, east], start).order == (0, 1)
    same = nearest_neighbour_tour([GUANDU, WUHUA, GUANDU], OFFICE)
    assert same.order == (1, 0, 2)
    assert same.legs[2] == 0.0


def test_nearest_neighbour_is_a_heuristic_not_the_shortest_tour():
    # On a line: start at 0, stops at +1, -1.5 and +3 (degrees of longitude on the equator).
    # Greedy: +1 (1 away), then +3 (2 away, nearer than -1.5 at 2.5), then -1.5 (4.5): 7.5
    # degrees. Going to -1.5 first, then +1 and +3, is 1.5 + 2.5 + 2 = 6. The greedy order
    # is longer than the best one: the page calls it a suggestion.
    stops = [(0.0, 1.0), (0.0, -1.5), (0.0, 3.0)]
    tour = nearest_neighbour_tour(stops, (0.0, 0.0))
    assert tour.order == (0, 2, 1)
    assert tour.total_km == pytest.approx(7.5 * KM_PER_DEGREE)
    best = (1.5 + 4.5) * KM_PER_DEGREE
    assert tour.total_km > best
