"""The credit profile panel of the case dossier: the borrower's history at a glance.

Borrower-wide, like the loans and repayments of the dossier (a borrower's earlier cases are
part of their history):

- Due vs paid per month, for the 24 calendar months ending with `today`'s month: "due" is
  the scheduled amount of the installments falling due in the month (whole month, so the
  current month shows what is still to come), "paid" the repayments received in the month.
  Paid is what arrived, not what was allocated to that month's installments, so a catch-up
  payment shows in the month it was made.
- Promises: kept / settled, where settled is kept + partly kept + broken (pending and
  cancelled promises have no verdict yet, or never will).
- Visits: done visits (reported, approved or returned) counted per report outcome, and the
  latest done visit.
- Bucket history: every bucket change of the borrower's loans in the 24 months, newest first.

Five queries whatever the history: months are grouped in SQL (TruncMonth on date fields,
the same on SQLite and PostgreSQL), never a query per month.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth

from visits.models import Outcome, Visit
from visits.selectors.dashboard import DONE

from .models import Borrower, BucketChange, Installment, PromiseToPay, Repayment

MONTHS = 24
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SETTLED = (PromiseToPay.Status.KEPT, PromiseToPay.Status.PARTIAL, PromiseToPay.Status.BROKEN)


def _money(value) -> Decimal:
    # SQLite sums decimals as floats: round back to cents.
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def _month_starts(today: date, count: int = MONTHS) -> list[date]:
    """First days of the `count` months ending with today's month, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


@dataclass(frozen=True)
class MonthRow:
    month: date  # the first day
    due: Decimal
    paid: Decimal


@dataclass(frozen=True)
class OutcomeCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class LastVisit:
    planned_start: datetime
    outcome: str

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label if self.outcome in Outcome.values else ""


@dataclass(frozen=True)
class CreditProfile:
    months: list[MonthRow]
    promises_kept: int
    promises_settled: int
    promises_pending: int
    visits_done: int
    outcomes: list[OutcomeCount]  # every outcome, in the order of the report form
    last_visit: LastVisit | None
    bucket_changes: list[BucketChange]  # with their loan

    @property
    def kept_ratio(self) -> Decimal | None:
        """Kept / settled as a percentage with one decimal; None when nothing is settled."""
        if not self.promises_settled:
            return None
        ratio = Decimal(self.promises_kept) * 100 / Decimal(self.promises_settled)
        return ratio.quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def total_due(self) -> Decimal:
        return sum((row.due for row in self.months), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum((row.paid for row in self.months), ZERO)


def _per_month(queryset, date_field: str, amount_field: str, start: date, end: date) -> dict:
    rows = (
        queryset.filter(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
        .annotate(month=TruncMonth(date_field))
        .values("month")
        .order_by("month")
        .annotate(total=Sum(amount_field))
    )
    return {row["month"]: _money(row["total"]) for row in rows}


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def credit_profile_for_borrower(*, borrower: Borrower, today: date) -> CreditProfile:
    """The panel's figures; `today` is the user's local date (it picks the 24 months)."""
    months = _month_starts(today)
    start, end = months[0], _next_month(months[-1])
    due = _per_month(
        Installment.objects.filter(loan__borrower=borrower), "due_on", "amount_due", start, end
    )
    paid = _per_month(
        Repayment.objects.filter(loan__borrower=borrower), "paid_on", "amount", start, end
    )

    promises = PromiseToPay.objects.filter(case__borrower=borrower).aggregate(
        kept=Count("pk", filter=Q(status=PromiseToPay.Status.KEPT)),
        settled=Count("pk", filter=Q(status__in=SETTLED)),
        pending=Count("pk", filter=Q(status=PromiseToPay.Status.PENDING)),
    )

    # One row per outcome with its latest visit: the counts and the last visit in one query.
    by_outcome = list(
        Visit.objects.filter(borrower=borrower, status__in=DONE)
        .values("report__outcome")
        .order_by()
        .annotate(count=Count("pk"), latest=Max("planned_start"))
    )
    counts = {row["report__outcome"] or "": row["count"] for row in by_outcome}
    last = max(by_outcome, key=lambda row: row["latest"], default=None)

    changes = list(
        BucketChange.objects.filter(loan__borrower=borrower, changed_on__gte=start)
        .select_related("loan")
        .order_by("-changed_on", "-id")
    )
    return CreditProfile(
        months=[MonthRow(m, due.get(m, ZERO), paid.get(m, ZERO)) for m in months],
        promises_kept=promises["kept"],
        promises_settled=promises["settled"],
        promises_pending=promises["pending"],
        visits_done=sum(counts.values()),
        outcomes=[
            OutcomeCount(code, label, counts.get(code, 0)) for code, label in Outcome.choices
        ],
        last_visit=LastVisit(last["latest"], last["report__outcome"] or "") if last else None,
        bucket_changes=changes,
    )
