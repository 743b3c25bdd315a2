"""Visits: the plan and its members, the notice outbox, the borrower's answers."""

from .notices import (
    BorrowerResponse,
    Notice,
    NoticeChannel,
    NoticeKind,
    NoticeStatus,
    ResponseKind,
)
from .reports import (
    CHECKLIST_FIELDS,
    Evidence,
    Outcome,
    ReportReview,
    VisitPresence,
    VisitReport,
)
from .visits import (
    COUNTING,
    HISTORY_STATUS,
    OPEN_STATUSES,
    Visit,
    VisitMember,
    VisitQuerySet,
    VisitStatus,
    VisitTarget,
)

__all__ = [
    "CHECKLIST_FIELDS",
    "Evidence",
    "Outcome",
    "ReportReview",
    "VisitPresence",
    "VisitReport",
    "COUNTING",
    "HISTORY_STATUS",
    "OPEN_STATUSES",
    "BorrowerResponse",
    "Notice",
    "NoticeChannel",
    "NoticeKind",
    "NoticeStatus",
    "ResponseKind",
    "Visit",
    "VisitMember",
    "VisitQuerySet",
    "VisitStatus",
    "VisitTarget",
]
