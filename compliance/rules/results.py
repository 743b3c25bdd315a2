"""What an evaluation returns: findings and the verdict they add up to (DESIGN.md §6)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from .i18n import Text


class Stage(StrEnum):
    PRE = "pre"
    POST = "post"


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105  (an outcome, not a password)
    FAIL = "fail"
    NA = "n/a"


class Severity(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    WARN = "warn"


class Decision(StrEnum):
    ALLOW = "allow"
    REVIEW = "review"
    BLOCK = "block"
    CLEAR = "clear"
    FLAG = "flag"


class Finding(NamedTuple):
    """One rule's result. A named tuple: built 20 times per evaluation, it must be cheap."""

    rule: str
    outcome: Outcome
    severity: Severity
    message: Text
    citation: str

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAIL

    @property
    def blocks(self) -> bool:
        return self.failed and self.severity is Severity.BLOCK


@dataclass(frozen=True, slots=True)
class Verdict:
    stage: Stage
    decision: Decision
    pack: str
    pack_version: str
    findings: tuple[Finding, ...]
    next_allowed_start: datetime | None = None

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.failed)


def decide(stage: Stage, findings: tuple[Finding, ...]) -> Decision:
    """pre: block > review > allow; post: flag on any failed block/review. warn never decides."""
    failed = {f.severity for f in findings if f.outcome is Outcome.FAIL}
    if stage is Stage.POST:
        return Decision.FLAG if failed & {Severity.BLOCK, Severity.REVIEW} else Decision.CLEAR
    if Severity.BLOCK in failed:
        return Decision.BLOCK
    if Severity.REVIEW in failed:
        return Decision.REVIEW
    return Decision.ALLOW
