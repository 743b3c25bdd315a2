"""What an evidence pack says: the JSON documents and the timeline's entries.

Times are written in the borrower's zone (ISO 8601 with the offset, so they stay exact).
Borrower identifiers are masked as on every workbench page; notices keep the text as sent,
because that text is the proof of notice. Collectors' positions are left out: the distance to
the address is what the rules use and what the audit trail records.
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from collections_app import mask
from compliance.display import finding_rows
from compliance.models import AuditEvent, ComplianceCheck
from compliance.rules.i18n import Text
from compliance.selectors.evidence_packs import PackRecords
from visits.models import NoticeChannel


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # css hook and filter key: visit, check, notice, response, …
    title: str
    lines: list[str] = field(default_factory=list)
    member: str = ""  # the ZIP member with the details
    alert: bool = False


def local(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def user_label(user) -> str | None:
    if user is None:
        return None
    profile = getattr(user, "staff_profile", None)
    number = getattr(profile, "employee_number", "")
    name = user.get_full_name() or user.get_username()
    return f"{name} ({number})" if number else name


def mask_recipient(channel: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if channel == NoticeChannel.SMS:
        return mask.mask_mobile(value)
    if channel == NoticeChannel.EMAIL and "@" in value:
        local_part, domain = value.rsplit("@", 1)
        return f"{local_part[:1]}***@{domain}"
    return value[:6] + mask.MASK * 4  # a postal address: the province and city only


def check_member_name(number: int, check: ComplianceCheck) -> str:
    return f"checks/{number:03d}-{check.stage}-{check.decision}.json"


def check_document(check: ComplianceCheck, zone: ZoneInfo) -> dict:
    return {
        "public_id": str(check.public_id),
        "stage": check.stage,
        "decision": check.decision,
        "checked_at": local(check.checked_at, zone),
        "checked_by": user_label(check.checked_by),
        "visit": str(check.visit.public_id) if check.visit else None,
        "pack": {
            "jurisdiction": check.pack.jurisdiction,
            "version": check.pack_version,
            "effective_from": local(check.pack.effective_from, zone),
        },
        "next_allowed_start": local(check.next_allowed_start, zone),
        "findings": [
            {
                "position": x.position,
                "rule": x.rule,
                "outcome": x.outcome,
                "severity": x.severity,
                "message": _finding_message(x),
                "message_as_decided": x.message,
                "message_data": x.message_data,
                "citation": x.citation,
            }
            for x in check.findings.all()
        ],
        "facts": check.facts,
    }


def notices_document(records: PackRecords, zone: ZoneInfo) -> list[dict]:
    return [
        {
            "public_id": str(n.public_id),
            "visit": str(n.visit.public_id),
            "kind": n.kind,
            "channel": n.channel,
            "status": n.status,
            "language": n.language,
            "states_purpose": n.states_purpose,
            "recipient": mask_recipient(n.channel, n.recipient),
            "subject": n.subject,
            "text_as_sent": n.body,
            "gateway": n.gateway,
            "gateway_reference": n.provider_ref,
            "attempts": n.attempts,
            "last_error": n.last_error,
            "created_at": local(n.created_at, zone),
            "sent_at": local(n.sent_at, zone),
            "delivered_at": local(n.delivered_at, zone),
        }
        for n in records.notices
    ]


def responses_document(records: PackRecords, zone: ZoneInfo) -> list[dict]:
    return [
        {
            "public_id": str(r.public_id),
            "visit": str(r.visit.public_id),
            "notice": str(r.notice.public_id),
            "kind": r.kind,
            "message": r.message,
            "proposed_times": r.proposed_times,
            "received_at": local(r.received_at, zone),
            "seen_by": user_label(r.seen_by),
            "seen_at": local(r.seen_at, zone),
        }
        for r in records.responses
    ]


def reports_document(records: PackRecords, zone: ZoneInfo) -> list[dict]:
    reviews: dict[int, list[dict]] = {}
    for review in records.reviews:
        reviews.setdefault(review.visit_id, []).append(
            {
                "decision": review.decision,
                "reviewer": user_label(review.reviewer),
                "comment": review.comment,
                "at": local(review.at, zone),
            }
        )
    presences: dict[int, list[dict]] = {}
    for p in records.presences:
        presences.setdefault(p.visit_id, []).append(
            {
                "kind": p.kind,
                "at": local(p.at, zone),
                "by": user_label(p.by),
                "distance_m": p.distance_m,
                "accuracy_m": p.accuracy_m,
                "position_recorded": p.lat is not None,
                "problem": p.problem,
            }
        )
    reports = {r.visit_id: r for r in records.reports}
    out = []
    for visit in records.visits:
        report = reports.get(visit.pk)
        out.append(
            {
                "visit": str(visit.public_id),
                "status": visit.status,
                "planned_start": local(visit.planned_start, zone),
                "planned_end": local(visit.planned_end, zone),
                "location_type": visit.location_type,
                "purpose": visit.purpose,
                "collectors": [user_label(m.collector) for m in visit.memberships.all()],
                "check_in_out": presences.get(visit.pk, []),
                "report": _report(report, zone) if report else None,
                "reviews": reviews.get(visit.pk, []),
            }
        )
    return out


def audit_document(events: list[AuditEvent], verification, tail, zone: ZoneInfo) -> dict:
    return {
        "chain_verification": {
            "ok": verification.ok,
            "events_checked": verification.checked,
            "first_broken_id": verification.first_broken_id,
            "reason": verification.reason,
        },
        # The newest hash at build time: a later verification that reaches it proves that
        # nothing in this pack's part of the chain changed since.
        "chain_tail": {"id": tail.pk, "hash": tail.hash} if tail else None,
        "events": [
            {
                "id": e.pk,
                "at": local(e.at, zone),
                "at_utc": e.at.isoformat(),
                "actor_id": e.actor_id,
                "actor": e.actor_label,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "data": e.data,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
    }


def timeline_entries(records: PackRecords, check_members: dict[int, str]) -> list[TimelineEntry]:
    """Every dated thing in the pack, oldest first."""
    entries: list[TimelineEntry] = []
    for visit in records.visits:
        entries.append(
            TimelineEntry(
                visit.created_at,
                "visit",
                _("Visit planned for %(start)s (now %(status)s)")
                % {
                    "start": _short(visit.planned_start, records),
                    "status": visit.get_status_display(),
                },
                [visit.get_location_type_display(), visit.purpose],
            )
        )
    for check in records.checks:
        failed = [row for row in finding_rows(check.findings.all()) if row.failed]
        entries.append(
            TimelineEntry(
                check.checked_at,
                "check",
                _("Compliance check (%(stage)s): %(decision)s, pack %(version)s")
                % {
                    "stage": check.get_stage_display(),
                    "decision": check.get_decision_display(),
                    "version": check.pack_version,
                },
                [f"{row.rule}: {row.message}" for row in failed],
                member=check_members[check.pk],
                alert=bool(failed),
            )
        )
    for n in records.notices:
        lines = [
            _("To %(recipient)s, status %(status)s")
            % {
                "recipient": mask_recipient(n.channel, n.recipient) or "—",
                "status": n.get_status_display(),
            }
        ]
        if n.sent_at:
            lines.append(_("Sent %(at)s") % {"at": _short(n.sent_at, records)})
        if n.delivered_at:
            lines.append(_("Delivered %(at)s") % {"at": _short(n.delivered_at, records)})
        entries.append(
            TimelineEntry(
                n.created_at,
                "notice",
                _("Notice: %(kind)s by %(channel)s")
                % {"kind": n.get_kind_display(), "channel": n.get_channel_display()},
                lines,
                member="notices.json",
                alert=n.status == "failed",
            )
        )
    for r in records.responses:
        entries.append(
            TimelineEntry(
                r.received_at,
                "response",
                _("Borrower answered: %(kind)s") % {"kind": r.get_kind_display()},
                [r.message] if r.message else [],
                member="responses.json",
            )
        )
    for p in records.presences:
        entries.append(
            TimelineEntry(
                p.at,
                "presence",
                p.get_kind_display(),
                [
                    _("Distance to the address: %(m)s m") % {"m": p.distance_m}
                    if p.distance_m is not None
                    else p.get_problem_display()
                ],
                member="reports.json",
            )
        )
    for report in records.reports:
        if report.submitted_at:
            entries.append(
                TimelineEntry(
                    report.submitted_at,
                    "report",
                    _("Report submitted: %(outcome)s") % {"outcome": report.get_outcome_display()},
                    [report.notes] if report.notes else [],
                    member="reports.json",
                )
            )
    for review in records.reviews:
        entries.append(
            TimelineEntry(
                review.at,
                "review",
                _("Report review: %(decision)s") % {"decision": review.get_decision_display()},
                [review.comment] if review.comment else [],
                member="reports.json",
            )
        )
    for e in records.evidence:
        entries.append(
            TimelineEntry(
                e.received_at,
                "evidence",
                _("Evidence received: %(kind)s") % {"kind": e.get_kind_display()},
                [f"SHA-256 {e.sha256}"],
                member="manifest.json",
            )
        )
    for flag in records.flags:
        lines = [flag.summary]
        if flag.resolved_at:
            lines.append(
                _("Resolved %(at)s: %(disposition)s")
                % {
                    "at": _short(flag.resolved_at, records),
                    "disposition": flag.get_disposition_display(),
                }
            )
        if flag.corrective_action:
            lines.append(_("Corrective action: %(text)s") % {"text": flag.corrective_action})
        entries.append(
            TimelineEntry(
                flag.created_at,
                "flag",
                _("Flag raised: %(rule)s (%(severity)s), %(status)s")
                % {
                    "rule": flag.rule,
                    "severity": flag.get_severity_display(),
                    "status": flag.get_status_display(),
                },
                lines,
                alert=True,
            )
        )
    for c in records.complaints:
        lines = [c.get_category_display()]
        if c.closed_at:
            lines.append(_("Closed %(at)s") % {"at": _short(c.closed_at, records)})
        entries.append(
            TimelineEntry(
                c.received_at,
                "complaint",
                _("Complaint received (%(channel)s), %(status)s")
                % {"channel": c.get_channel_display(), "status": c.get_status_display()},
                lines,
                alert=True,
            )
        )
    for o in records.overrides:
        lines = [o.justification]
        if o.decided_at:
            lines.append(
                _("Decided %(at)s by %(who)s")
                % {"at": _short(o.decided_at, records), "who": user_label(o.decided_by)}
            )
        entries.append(
            TimelineEntry(
                o.created_at,
                "override",
                _("Override requested: %(status)s") % {"status": o.get_status_display()},
                lines,
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


def _report(report, zone: ZoneInfo) -> dict:
    return {
        "outcome": report.outcome,
        "submitted_at": local(report.submitted_at, zone),
        "submitted_by": user_label(report.submitted_by),
        "present": [user_label(u) for u in report.present.all()],
        "checklist": report.checklist,
        "notes": report.notes,
        "amount_paid": report.amount_paid,
        "receipt_number": report.receipt_number,
        "vulnerability_observed": report.vulnerability_observed,
        "vulnerability_note": report.vulnerability_note,
        "promise_amount": report.promise_amount,
        "promise_due_on": report.promise_due_on,
        "plan_installments": report.plan_installments,
        "complaint_category": report.complaint_category,
        "complaint": str(report.complaint.public_id) if report.complaint else None,
    }


def _finding_message(finding) -> str:
    data = finding.message_data
    return Text.from_json(data).render(_) if data else finding.message


def _short(value: datetime, records: PackRecords) -> str:
    return value.astimezone(ZoneInfo(records.borrower.timezone)).strftime("%Y-%m-%d %H:%M")
