"""Findings as screens show them: failing first (block, review, warn), in the viewer's language.

Works for a fresh verdict (rules' Finding with a Text message) and for a stored check (the
model's Finding, whose message_data re-renders in any language).
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from compliance.rules.i18n import Text

SEVERITY_ORDER = {"block": 0, "review": 1, "warn": 2}


@dataclass(frozen=True)
class FindingRow:
    rule: str
    outcome: str
    severity: str
    message: str
    citation: str

    @property
    def failed(self) -> bool:
        return self.outcome == "fail"


def finding_rows(findings) -> list[FindingRow]:
    rows = [
        FindingRow(
            rule=x.rule,
            outcome=str(x.outcome),
            severity=str(x.severity),
            message=_message(x),
            citation=x.citation,
        )
        for x in findings
    ]
    # Stable sort: within a group the rules keep the engine's order.
    return sorted(rows, key=lambda r: (not r.failed, SEVERITY_ORDER.get(r.severity, 3)))


def _message(finding) -> str:
    if isinstance(finding.message, Text):
        return finding.message.render(gettext)
    data = getattr(finding, "message_data", None)
    return Text.from_json(data).render(gettext) if data else finding.message
