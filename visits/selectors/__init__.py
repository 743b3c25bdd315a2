"""Read side of visits, scoped like the ledger (DESIGN.md §1): out of scope is 404.

One module per area; the functions views use are importable from `visits.selectors`.
"""

from .agenda import WEEK_DAYS, agenda_for_user, team_calendar_for_user
from .dashboard import dashboard_visits, team_dashboard_for_user
from .evidence import (
    evidence_for_visit,
    evidence_get_for_user,
    evidence_may_add,
    evidence_reused_on_other_visits,
)
from .responses import (
    borrower_notice_page,
    borrower_response_for_notice,
    responses_for_case,
    responses_for_visit,
)
from .reviews import reviews_for_user, visit_execution
from .scope import (
    notice_list_for_user,
    override_get_for_user,
    override_list_for_user,
    pending_overrides_for_user,
    refused_attempts_for_case,
    visit_get_for_user,
    visit_list_for_user,
    visit_page,
    visits_for_case,
)

__all__ = [
    "WEEK_DAYS",
    "agenda_for_user",
    "borrower_notice_page",
    "borrower_response_for_notice",
    "dashboard_visits",
    "evidence_for_visit",
    "evidence_get_for_user",
    "evidence_may_add",
    "evidence_reused_on_other_visits",
    "notice_list_for_user",
    "override_get_for_user",
    "override_list_for_user",
    "pending_overrides_for_user",
    "refused_attempts_for_case",
    "responses_for_case",
    "responses_for_visit",
    "reviews_for_user",
    "team_calendar_for_user",
    "team_dashboard_for_user",
    "visit_get_for_user",
    "visit_list_for_user",
    "visit_execution",
    "visit_page",
    "visits_for_case",
]
