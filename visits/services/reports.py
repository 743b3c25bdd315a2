"""The visit report (DESIGN.md §5 steps 4–6): drafts, submission with the post-visit check,
and the supervisor's review.

A draft saves whatever was typed. Submission validates what the outcome requires, writes the
agreed promise / repayment plan / complaint to the ledger, runs the `post` check, opens a Flag
for every failing block or review finding, marks an observed vulnerability on the borrower,
and sends the borrower a summary through the outbox. A submitted report changes only after a
supervisor returns it; resubmission re-runs the check.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.models import Borrower, PromiseToPay, RepaymentPlan, RepaymentPlanInstallment
from compliance.display import finding_rows
from compliance.models import Complaint, ComplianceCheck, Flag
from compliance.services.audit import audit_record
from compliance.services.checks import compliance_check_report, compliance_record
from compliance.services.complaints import complaint_record
from visits.models import (
    NoticeKind,
    ReportReview,
    Visit,
    VisitMember,
    VisitPresence,
    VisitReport,
    VisitStatus,
)
from visits.models.reports import Outcome

from .notices import notice_enqueue
from .status import visit_transition

EDITABLE = (VisitStatus.IN_PROGRESS, VisitStatus.RETURNED)
CENT = Decimal("0.01")
FLAGGED_SEVERITIES = ("block", "review")


@dataclass(frozen=True)
class Submission:
    check: ComplianceCheck
    flags: list[Flag]


def plan_schedule(*, total: Decimal, count: int, first_due: date) -> list[dict]:
    """`count` monthly instalments from `first_due` summing exactly to `total` (the last one
    takes the cents the others could not split evenly)."""
    if count < 1 or total <= 0:
        raise ValidationError({"plan_installments": _("Give a positive total and count.")})
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return [
        {"due_on": _add_months(first_due, n).isoformat(), "amount": str(amount)}
        for n, amount in enumerate(amounts)
    ]


def report_save(*, visit: Visit, by, fields: dict, present: list) -> VisitReport:
    """Save the draft (or the returned report being fixed) exactly as typed."""
    with transaction.atomic():
        visit = _editable(visit, by)
        report, _created = VisitReport.objects.get_or_create(visit=visit)
        for name, value in fields.items():
            setattr(report, name, value)
        report.full_clean()
        report.save()
        report.present.set(present)
        return report


def report_submit(*, visit: Visit, by, now: datetime) -> Submission:
    """Submit the saved report: validate, record what was agreed, check, flag, notify."""
    with transaction.atomic():
        Borrower.objects.select_for_update().get(pk=visit.borrower_id)
        visit = _editable(visit, by)
        report = VisitReport.objects.filter(visit=visit).first()
        if report is None:
            raise ValidationError(_("Save the report before submitting it."), code="no_report")
        _require_complete(visit, report)
        resubmission = visit.status == VisitStatus.RETURNED
        _record_agreements(visit, report, by, now)
        report.submitted_at = now
        report.submitted_by = by
        report.save()
        visit_transition(
            visit=visit,
            to=VisitStatus.REPORTED,
            by=by,
            now=now,
            data={"outcome": report.outcome, "resubmission": resubmission},
        )
        outcome = compliance_check_report(visit=visit, now=now)
        check = compliance_record(
            outcome=outcome, borrower=visit.borrower, case=visit.case, visit=visit, by=by
        )
        flags = _raise_flags(visit, check, now)
        if report.vulnerability_observed:
            _set_borrower_flag(visit.borrower, "vulnerable", now, report)
        if not visit.notices.filter(kind=NoticeKind.SUMMARY).exists():
            notice_enqueue(visit=visit, kind=NoticeKind.SUMMARY, now=now)
        return Submission(check, flags)


def report_review(*, visit: Visit, by, now: datetime, approve: bool, comment: str) -> ReportReview:
    """Approve, or return with what to fix. The reviewer is not one of the visit's members."""
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what needs fixing.")})
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.status != VisitStatus.REPORTED:
            raise ValidationError(
                _("Only a submitted report can be reviewed."), code="not_reported"
            )
        if VisitMember.objects.filter(visit=visit, collector=by).exists():
            raise ValidationError(_("You cannot review a visit you went on."), code="own_visit")
        decision = ReportReview.Decision.APPROVED if approve else ReportReview.Decision.RETURNED
        review = ReportReview.objects.create(
            visit=visit, reviewer=by, decision=decision, comment=comment, at=now
        )
        visit_transition(
            visit=visit,
            to=VisitStatus.APPROVED if approve else VisitStatus.RETURNED,
            by=by,
            now=now,
            data={"review": review.pk, "comment": comment},
        )
        return review


# Validation by outcome


def _editable(visit: Visit, by) -> Visit:
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("borrower", "case")
        .get(pk=visit.pk)
    )
    if not VisitMember.objects.filter(visit=visit, collector=by).exists():
        raise ValidationError(
            _("Only the collectors who went on this visit can write its report."),
            code="not_member",
        )
    if visit.status not in EDITABLE:
        raise ValidationError(
            _("The report can be changed only during the visit or after it was returned."),
            code="not_editable",
        )
    return visit


def _require_complete(visit: Visit, report: VisitReport) -> None:
    errors: dict[str, list[str]] = {}

    def need(field: str, ok: bool, message: str) -> None:
        if not ok:
            errors.setdefault(field, []).append(message)

    need(
        "outcome",
        bool(report.outcome),
        _("Choose the outcome."),
    )
    need(
        "present",
        report.present.exists(),
        _("Tick the collectors who were there."),
    )
    need(
        "present",
        not report.present.exclude(visit_memberships__visit=visit).exists(),
        _("Only the visit's collectors can be marked present."),
    )
    need(
        "consent_to_enter",
        not report.entered_premises or report.consent_to_enter is not None,
        _("Say whether the borrower agreed to let you in."),
    )
    need(
        "vulnerability_note",
        not report.vulnerability_observed or bool(report.vulnerability_note.strip()),
        _("Describe the vulnerability you observed."),
    )
    need(
        "complaint_text",
        not report.complaint_category or bool(report.complaint_text.strip()),
        _("Write down the borrower's complaint."),
    )
    visit_day = visit.planned_start.date()
    if report.outcome == Outcome.PAID:
        need("amount_paid", bool(report.amount_paid), _("Enter the amount paid."))
        need(
            "receipt_number",
            bool(report.receipt_number.strip()),
            _("Enter the receipt number of the official payment channel."),
        )
    if report.outcome == Outcome.PROMISE_TO_PAY:
        need("promise_amount", bool(report.promise_amount), _("Enter the promised amount."))
        need(
            "promise_due_on",
            report.promise_due_on is not None and report.promise_due_on >= visit_day,
            _("Enter the date promised, not before the visit."),
        )
    if report.outcome == Outcome.PLAN_AGREED:
        _require_plan(report.plan_installments, visit_day, need)
    if not visit.presences.filter(kind=VisitPresence.Kind.CHECK_OUT).exists():
        errors.setdefault("__all__", []).append(_("Check out before submitting the report."))
    if errors:
        raise ValidationError(errors)


def _require_plan(rows, visit_day: date, need) -> None:
    try:
        dues = [date.fromisoformat(row["due_on"]) for row in rows]
        amounts = [Decimal(str(row["amount"])) for row in rows]
    except (KeyError, TypeError, ValueError, ArithmeticError):
        need("plan_installments", False, _("Every instalment needs a date and an amount."))
        return
    need("plan_installments", len(rows) >= 1, _("Add the plan's instalments."))
    need("plan_installments", all(a > 0 for a in amounts), _("Amounts must be positive."))
    need(
        "plan_installments",
        dues == sorted(set(dues)) and all(d >= visit_day for d in dues),
        _("Instalment dates must be in order, one per date, not before the visit."),
    )


# What submission writes


def _record_agreements(visit: Visit, report: VisitReport, by, now: datetime) -> None:
    """Promise, plan and complaint in the ledger; a resubmission updates the same rows."""
    today = now.date()
    if report.outcome == Outcome.PROMISE_TO_PAY:
        promise = report.promise or PromiseToPay(case=visit.case, recorded_by=by, promised_on=today)
        promise.amount, promise.due_on = report.promise_amount, report.promise_due_on
        promise.full_clean()
        promise.save()
        report.promise = promise
    if report.outcome == Outcome.PLAN_AGREED:
        report.plan = _plan(visit, report, by, today)
    if report.complaint_category and report.complaint is None:
        # The register starts the statutory clock and sets the borrower's complaint_open flag.
        report.complaint = complaint_record(
            borrower=visit.borrower,
            case=visit.case,
            visit=visit,
            channel=Complaint.Channel.VISIT,
            category=report.complaint_category,
            description=report.complaint_text,
            received_at=now,
            by=by,
            now=now,
        )


def _plan(visit: Visit, report: VisitReport, by, today: date) -> RepaymentPlan:
    rows = report.plan_installments
    total = sum((Decimal(str(row["amount"])) for row in rows), Decimal(0))
    plan = report.plan or RepaymentPlan(case=visit.case, recorded_by=by, agreed_on=today)
    plan.total_amount = total
    plan.full_clean()
    plan.save()
    plan.installments.all().delete()
    RepaymentPlanInstallment.objects.bulk_create(
        RepaymentPlanInstallment(
            plan=plan,
            number=n,
            due_on=date.fromisoformat(row["due_on"]),
            amount=Decimal(str(row["amount"])),
        )
        for n, row in enumerate(rows, start=1)
    )
    return plan


def _raise_flags(visit: Visit, check: ComplianceCheck, now: datetime) -> list[Flag]:
    """One open flag per failing block/review rule of this visit (a resubmission that fails
    the same rule again keeps the flag already open)."""
    open_rules = set(
        Flag.objects.filter(visit=visit)
        .exclude(status=Flag.Status.RESOLVED)
        .values_list("rule", flat=True)
    )
    failing = check.findings.filter(outcome="fail", severity__in=FLAGGED_SEVERITIES)
    flags = []
    for finding in failing.order_by("position"):
        if finding.rule in open_rules:
            continue
        flag = Flag.objects.create(
            borrower=visit.borrower,
            case=visit.case,
            visit=visit,
            finding=finding,
            rule=finding.rule,
            severity=finding.severity,
            summary=finding_rows([finding])[0].message,
        )
        audit_record(
            actor=None,
            action="flag.raised",
            obj=flag,
            data={"rule": flag.rule, "visit": str(visit.public_id)},
            at=now,
        )
        flags.append(flag)
    return flags


def _set_borrower_flag(borrower: Borrower, flag: str, now: datetime, report: VisitReport) -> None:
    borrower = Borrower.objects.get(pk=borrower.pk)
    if getattr(borrower, flag):
        return
    setattr(borrower, flag, True)
    borrower.save(update_fields=[flag, "updated_at"])
    audit_record(
        actor=report.submitted_by,
        action="borrower.flag_set",
        obj=borrower,
        data={
            "flag": flag,
            "from": False,
            "to": True,
            "source": "visit_report",
            "visit": str(report.visit.public_id),
        },
        at=now,
    )


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))
