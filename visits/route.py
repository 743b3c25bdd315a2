"""Day route: straight-line distances and a nearest-neighbour order of the day's stops.

Pure Python (no Django; the distance is the rules' own): the agenda passes plain coordinates
in and gets an order back.

The order is a **heuristic**, not the shortest tour: from the start point it always goes to
the closest stop not yet visited. That is quick and usually sensible for the handful of
visits of one day, but it can be longer than the best order, it ignores the visits' booked
times, and distances are great-circle ("as the crow flies"), not road distances.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from compliance.rules.geo import distance_m

Point = tuple[float, float]  # (latitude, longitude) in degrees


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two (lat, lng) points in kilometres."""
    return distance_m(a[0], a[1], b[0], b[1]) / 1000


@dataclass(frozen=True, slots=True)
class Tour:
    """Stops in travel order. `legs[i]` is the distance to `order[i]` from the point before
    it (the start, or the previous stop); without a start the first leg is 0."""

    order: tuple[int, ...]  # indexes into the stops as given
    legs: tuple[float, ...]  # km
    from_start: bool  # False: no start point was given, the tour begins at stop 0

    @property
    def total_km(self) -> float:
        return sum(self.legs)


def nearest_neighbour_tour(stops: Sequence[Point], start: Point | None = None) -> Tour:
    """Visit every stop once, always going next to the nearest one not yet visited.

    Without `start` the tour begins at the first stop. Ties go to the stop given first, so
    the same input always gives the same order (pass stops in booked-time order and an
    equally near earlier visit comes first).
    """
    if not stops:
        return Tour(order=(), legs=(), from_start=start is not None)
    remaining = list(range(len(stops)))
    order: list[int] = []
    legs: list[float] = []
    if start is None:
        here = stops[remaining.pop(0)]
        order.append(0)
        legs.append(0.0)
    else:
        here = start
    while remaining:
        # min() keeps the first of equal keys: the tie rule above.
        nearest = min(remaining, key=lambda i: haversine_km(here, stops[i]))
        legs.append(haversine_km(here, stops[nearest]))
        order.append(nearest)
        remaining.remove(nearest)
        here = stops[nearest]
    return Tour(order=tuple(order), legs=tuple(legs), from_start=start is not None)
