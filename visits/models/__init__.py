"""Visits: the plan and its members, the notice outbox, the borrower's answers."""

from .notices import (
    BorrowerResponse,
    Notice,
    NoticeChannel,
    NoticeKind,
    NoticeStatus,
    ResponseKind,
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
