"""Demo collectors cover their team's districts in turn (for allocation)."""

from collections_app.demo.staff import TEAMS, covered_districts
from collections_app.roles import Role


def test_every_district_of_a_team_is_covered_and_only_collectors_cover_one():
    plan = [("c1", Role.COLLECTOR, 0), ("c2", Role.COLLECTOR, 0), ("c3", Role.COLLECTOR, 0)]
    plan += [("c4", Role.COLLECTOR, 0), ("p1", Role.COLLECTOR, 1), ("boss", Role.SUPERVISOR, 0)]
    plan += [("officer", Role.COMPLIANCE, None)]

    covered = covered_districts(plan)

    wuhua = TEAMS[0][1]
    assert covered[:4] == [wuhua[0], wuhua[1], wuhua[2], wuhua[0]]
    assert covered[4:] == [TEAMS[1][1][0], "", ""]
