"""Pure compliance rules: no Django, no ORM, no clock, no I/O (tests/compliance/rules enforce it)."""

from .engine import POST_RULES, PRE_RULES, TIME_BASED, evaluate, next_allowed_start
from .facts import Facts
from .policy import PackError, Policy, policy_from_pack
from .results import Decision, Finding, Outcome, Severity, Stage, Verdict

__all__ = [
    "POST_RULES",
    "PRE_RULES",
    "TIME_BASED",
    "Decision",
    "Facts",
    "Finding",
    "Outcome",
    "PackError",
    "Policy",
    "Severity",
    "Stage",
    "Verdict",
    "evaluate",
    "next_allowed_start",
    "policy_from_pack",
]
