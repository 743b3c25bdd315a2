"""Open cases for delinquent borrowers: assignment history, promises to pay, plans."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractUser

from collections_app.models import (
    Borrower,
    Bucket,
    Case,
    CaseAssignment,
    PromiseToPay,
    Repayment,
    RepaymentPlan,
    RepaymentPlanInstallment,
)

from .people import new_uuid
from .portfolio import LoanDraft, add_months, cents
from .staff import Staffing, TeamStaff

LOCAL = ZoneInfo("Asia/Shanghai")
Reason = Case.OverdueReason
REASONS = (
    (Reason.INCOME_DROP, 20),
    (Reason.UNEMPLOYMENT, 18),
    (Reason.UNKNOWN, 14),
    (Reason.BUSINESS_FAILURE, 10),
    (Reason.ILLNESS, 9),
    (Reason.OVER_INDEBTED, 10),
    (Reason.FAMILY_EVENT, 7),
    (Reason.WILFUL_DEFAULT, 6),
    (Reason.DISPUTE, 3),
    (Reason.FRAUD_SUSPECTED, 1),
)
REASON_NOTES = {
    Reason.INCOME_DROP: ("单位降薪，收入减少约三成", "提成收入下降", "工时减少"),
    Reason.UNEMPLOYMENT: ("原单位裁员，正在找工作", "公司倒闭，待业中"),
    Reason.BUSINESS_FAILURE: ("店铺经营亏损已关停", "工程款未结，资金周转困难", "客户拖欠货款"),
    Reason.ILLNESS: ("本人住院治疗", "家人重病，医疗支出大"),
    Reason.OVER_INDEBTED: ("多头借贷，月供超过收入", "信用卡以卡养卡"),
    Reason.FAMILY_EVENT: ("离婚财产分割中", "子女上学支出增加"),
    Reason.WILFUL_DEFAULT: ("有还款能力但拒绝沟通",),
    Reason.DISPUTE: ("对利息和费用有异议",),
    Reason.FRAUD_SUSPECTED: ("称本人未申请该笔贷款",),
}
MOBILE, WECHAT = Repayment.Channel.MOBILE_BANKING, Repayment.Channel.WECHAT_PAY
HANDOVER_REASONS = ("分案调整", "原催收员离职交接", "区域调整", "工作量均衡")
PROMISE_NOTES = ("上门面谈后承诺还款", "电话沟通承诺", "发工资后还款", "亲属代为承诺", "")


@dataclass
class CaseDraft:
    case: Case
    assignments: list[CaseAssignment] = field(default_factory=list)
    promises: list[PromiseToPay] = field(default_factory=list)
    plans: list[tuple[RepaymentPlan, list[RepaymentPlanInstallment]]] = field(default_factory=list)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


def open_case(
    rng: random.Random,
    *,
    borrower: Borrower,
    district: str,
    runs_business: bool,
    loans: list[LoanDraft],
    staffing: Staffing,
    today: date,
) -> CaseDraft | None:
    """The borrower's open case if any loan is past due; promise payments go onto `loans`."""
    late = [draft for draft in loans if draft.dpd > 0]
    if not late:
        return None
    worst = max(late, key=lambda draft: draft.dpd)
    opened_on = min(worst.overdue_since + timedelta(days=rng.randint(1, 4)), today)
    staff = staffing.by_district[district]
    collector = rng.choices(staff.collectors, weights=staff.weights)[0]
    reason = _reason(rng, borrower, runs_business)
    note = rng.choice(REASON_NOTES.get(reason, ("",))) if rng.random() < 0.6 else ""
    case = Case(
        public_id=new_uuid(rng),
        borrower_id=borrower.pk,
        assigned_collector=collector,
        team=staff.team,
        overdue_reason=reason,
        overdue_reason_note=note,
        priority=_priority(rng, worst.dpd, borrower),
        opened_on=opened_on,
    )
    if rng.random() < 0.65 and opened_on < today:
        day = today - timedelta(days=rng.randint(1, min(30, (today - opened_on).days)))
        case.last_contact_at = at(day, rng.randint(9, 18), rng.choice((0, 15, 30, 45)))
    draft = CaseDraft(case=case)
    draft.assignments = _assignments(rng, staff, collector, opened_on, today)
    if rng.random() < 0.3:
        draft.promises = _promises(rng, worst, collector, opened_on, today)
    if worst.dpd > 60 and rng.random() < 0.08:
        overdue = sum(loan.overdue_c(today) for loan in late)
        draft.plans.append(_plan(rng, overdue, collector, opened_on, today))
    return draft


def attach(drafts: list[CaseDraft]) -> None:
    """Point assignments, promises and plans at their cases once the cases have ids."""
    for draft in drafts:
        for child in (*draft.assignments, *draft.promises, *(plan for plan, _i in draft.plans)):
            child.case_id = draft.case.pk


def _reason(rng: random.Random, borrower: Borrower, runs_business: bool) -> str:
    if borrower.disputed:
        return Reason.DISPUTE
    if borrower.hardship and rng.random() < 0.7:
        return rng.choice((Reason.ILLNESS, Reason.UNEMPLOYMENT, Reason.INCOME_DROP))
    if runs_business and rng.random() < 0.4:
        return Reason.BUSINESS_FAILURE
    return rng.choices(*zip(*REASONS, strict=True))[0]


def _priority(rng: random.Random, dpd: int, borrower: Borrower) -> int:
    Priority = Case.Priority
    bucket = Bucket.for_dpd(dpd)
    if bucket in (Bucket.M1, Bucket.M2):
        priority = rng.choices((Priority.LOW, Priority.NORMAL, Priority.HIGH), (3, 6, 1))[0]
    elif bucket in (Bucket.M3, Bucket.M4):
        priority = rng.choices((Priority.NORMAL, Priority.HIGH, Priority.URGENT), (4, 5, 1))[0]
    else:
        priority = rng.choices((Priority.NORMAL, Priority.HIGH, Priority.URGENT), (3, 4, 3))[0]
    # Vulnerable or deceased borrowers are handled carefully, not pushed.
    if borrower.vulnerable or borrower.deceased:
        priority = min(priority, Priority.NORMAL)
    return priority


def _assignments(
    rng: random.Random, staff: TeamStaff, collector: AbstractUser, opened_on: date, today: date
) -> list[CaseAssignment]:
    start = at(opened_on, 9)
    rows = []
    others = [c for c in staff.collectors if c.pk != collector.pk]
    if others and (today - opened_on).days >= 30 and rng.random() < 0.2:
        handover = at(opened_on + timedelta(days=rng.randint(7, (today - opened_on).days - 1)), 10)
        rows.append(
            CaseAssignment(
                collector=rng.choice(others),
                team=staff.team,
                assigned_by=staff.supervisor,
                started_at=start,
                ended_at=handover,
                reason="新案分配",
            )
        )
        start, reason = handover, rng.choice(HANDOVER_REASONS)
    else:
        reason = "新案分配"
    rows.append(
        CaseAssignment(
            collector=collector,
            team=staff.team,
            assigned_by=staff.supervisor,
            started_at=start,
            reason=reason,
        )
    )
    return rows


def _promises(
    rng: random.Random, loan: LoanDraft, collector: AbstractUser, opened_on: date, today: date
) -> list[PromiseToPay]:
    """One or two promises. All are stored pending: the ledger refresh settles them."""
    promises = []
    history_days = (today - opened_on).days
    if history_days >= 8:
        # A settled promise in the past: kept, partly kept or broken by what was paid.
        promised_on = opened_on + timedelta(days=rng.randint(0, history_days - 8))
        due_on = promised_on + timedelta(days=rng.randint(2, 7))
        amount_c = _yuan(loan.due_c(0) * rng.uniform(0.3, 1.0))
        # Rollers keep their word more often. The same draws whatever the outcome, so the
        # rest of the seed does not depend on the borrowers' latent behaviour.
        weights = (65, 15, 20) if loan.roller else (30, 20, 50)
        outcome = rng.choices(("kept", "partial", "broken"), weights)[0]
        paid_on = promised_on + timedelta(days=rng.randint(0, (due_on - promised_on).days))
        wanted = _yuan(loan.budget_c * rng.uniform(0.3, 0.9))
        if outcome == "kept":
            amount_c = loan.pay_partial(on=paid_on, amount_c=wanted, channel=MOBILE) or amount_c
        elif outcome == "partial":
            loan.pay_partial(on=paid_on, amount_c=_yuan(amount_c * 0.4), channel=WECHAT)
        promises.append(_promise(rng, amount_c, promised_on, due_on, collector))
    if rng.random() < 0.5 or not promises:
        # A live promise: made in the last few days, due soon.
        promised_on = today - timedelta(days=rng.randint(0, min(5, history_days)))
        due_on = today + timedelta(days=rng.randint(1, 14))
        amount_c = _yuan(loan.overdue_c(today) * rng.uniform(0.2, 1.0))
        promises.append(_promise(rng, amount_c, promised_on, due_on, collector))
    return promises


def _yuan(amount_c: float) -> int:
    """Round cents to whole yuan, as people promise round sums; at least one yuan."""
    return max(round(amount_c / 100), 1) * 100


def _promise(
    rng: random.Random, amount_c: int, promised_on: date, due_on: date, collector: AbstractUser
) -> PromiseToPay:
    return PromiseToPay(
        public_id=new_uuid(rng),
        amount=cents(amount_c),
        promised_on=promised_on,
        due_on=due_on,
        recorded_by=collector,
        note=rng.choice(PROMISE_NOTES),
    )


def _plan(
    rng: random.Random, overdue_c: int, collector: AbstractUser, opened_on: date, today: date
) -> tuple[RepaymentPlan, list[RepaymentPlanInstallment]]:
    total_c = max(_yuan(overdue_c), 100 * 100)
    count = rng.choice((3, 6, 6, 9, 12))
    agreed_on = max(today - timedelta(days=rng.randint(0, 20)), opened_on)
    first_due = add_months(agreed_on.replace(day=min(agreed_on.day, 28)), 1)
    share = total_c // count
    amounts = [share] * (count - 1) + [total_c - share * (count - 1)]
    plan = RepaymentPlan(
        public_id=new_uuid(rng),
        total_amount=cents(total_c),
        agreed_on=agreed_on,
        status=RepaymentPlan.Status.ACTIVE if rng.random() < 0.7 else RepaymentPlan.Status.PROPOSED,
        recorded_by=collector,
        note=rng.choice(("分期偿还逾期欠款", "困难客户延期分期", "")),
    )
    installments = [
        RepaymentPlanInstallment(number=n + 1, due_on=add_months(first_due, n), amount=cents(a))
        for n, a in enumerate(amounts)
    ]
    return plan, installments
