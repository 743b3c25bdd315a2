"""Days past due, buckets and promise outcomes, derived set-based in SQL.

Repayments are allocated to the oldest installments first (by due date, then number).
A loan's DPD on day D is D minus the due date of its oldest installment that is due
before D and not fully paid by repayments made on or before D; 0 when there is none.
The bucket follows from DPD (DESIGN.md §4). A case aggregates its borrower's loans.

Every statement works on the whole scope at once, so refreshing 100,000 loans costs
the same dozen queries as refreshing one. Amounts are summed in integer cents so that
SQLite (which stores decimals as floats) gives exact results too.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from collections_app.models import (
    Borrower,
    Bucket,
    BucketChange,
    Case,
    Installment,
    Loan,
    PromiseToPay,
    Repayment,
)
from collections_app.sql import cents as _cents
from collections_app.sql import days_between as _days_between
from collections_app.sql import table as _t

DERIVED = "fv_loan_derived"


@dataclass(frozen=True)
class RefreshResult:
    loans: int
    bucket_changes: int
    cases_opened: int
    promises_settled: int


def _bucket_case(dpd: str) -> str:
    """SQL for Bucket.for_dpd: M0 at 0, then 30-day steps, M7 beyond 180."""
    steps = " ".join(f"WHEN {dpd} <= {30 * n} THEN 'M{n}'" for n in range(1, 7))
    return f"CASE WHEN {dpd} <= 0 THEN '{Bucket.M0}' {steps} ELSE '{Bucket.M7}' END"


def _in(column: str, ids: list[int] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def ledger_refresh(*, as_of: date, loan_ids: list[int] | None = None) -> RefreshResult:
    """Re-derive installments' paid amounts, loan and case DPD/bucket, and promise outcomes.

    `loan_ids=None` refreshes every loan (the nightly run); a list limits the work to
    those loans and their borrowers' cases and promises (after a repayment).
    """
    if loan_ids is not None and not loan_ids:
        return RefreshResult(0, 0, 0, 0)
    with transaction.atomic(), connection.cursor() as cur:
        _allocate_repayments(cur, as_of, loan_ids)
        loans = _derive_loans(cur, as_of, loan_ids)
        changes = _record_bucket_changes(cur, as_of)
        _update_loans(cur, as_of)
        cur.execute(f"DROP TABLE {DERIVED}")
        borrower_ids = None
        if loan_ids is not None:
            borrower_ids = list(
                Loan.objects.filter(id__in=loan_ids).values_list("borrower_id", flat=True)
            )
        opened = _open_cases(as_of, borrower_ids)
        _update_cases(cur, borrower_ids)
        settled = _settle_promises(cur, as_of, borrower_ids)
    return RefreshResult(loans, changes, opened, settled)


def _allocate_repayments(cur, as_of: date, loan_ids) -> None:
    r_scope, r_params = _in("r.loan_id", loan_ids)
    i_scope, i_params = _in("i.loan_id", loan_ids)
    inst = _t(Installment)
    cur.execute(
        f"""
        WITH paid AS (
            SELECT r.loan_id, SUM({_cents("r.amount")}) AS paid_c
            FROM {_t(Repayment)} r WHERE r.paid_on <= %s{r_scope} GROUP BY r.loan_id
        ), alloc AS (
            SELECT i.id, {_cents("i.amount_due")} AS due_c,
                   SUM({_cents("i.amount_due")}) OVER (
                       PARTITION BY i.loan_id ORDER BY i.due_on, i.number
                       ROWS UNBOUNDED PRECEDING) AS cum_c,
                   COALESCE(p.paid_c, 0) AS paid_c
            FROM {inst} i LEFT JOIN paid p ON p.loan_id = i.loan_id
            WHERE 1 = 1{i_scope}
        ), target AS (
            SELECT id, CASE WHEN paid_c >= cum_c THEN due_c
                            WHEN paid_c <= cum_c - due_c THEN 0
                            ELSE paid_c - (cum_c - due_c) END AS new_c
            FROM alloc
        )
        UPDATE {inst} SET paid_amount = target.new_c / 100.0
        FROM target
        WHERE {inst}.id = target.id AND {_cents(f"{inst}.paid_amount")} <> target.new_c
        """,
        [as_of, *r_params, *i_params],
    )


def _derive_loans(cur, as_of: date, loan_ids) -> int:
    i_scope, i_params = _in("i.loan_id", loan_ids)
    unpaid = _cents("i.amount_due - i.paid_amount")
    cur.execute(f"DROP TABLE IF EXISTS {DERIVED}")
    cur.execute(
        f"""
        CREATE TEMPORARY TABLE {DERIVED} AS
        SELECT loan_id, outstanding_c, overdue_c, oldest_unpaid,
               COALESCE({_days_between("%s", "oldest_overdue")}, 0) AS dpd
        FROM (
            SELECT i.loan_id,
                   SUM({unpaid}) AS outstanding_c,
                   SUM(CASE WHEN i.due_on < %s THEN {unpaid} ELSE 0 END) AS overdue_c,
                   MIN(CASE WHEN {unpaid} > 0 THEN i.due_on END) AS oldest_unpaid,
                   MIN(CASE WHEN {unpaid} > 0 AND i.due_on < %s THEN i.due_on END)
                       AS oldest_overdue
            FROM {_t(Installment)} i WHERE 1 = 1{i_scope} GROUP BY i.loan_id
        ) agg
        """,
        [as_of, as_of, as_of, *i_params],
    )
    cur.execute(f"SELECT COUNT(*) FROM {DERIVED}")
    return cur.fetchone()[0]


def _record_bucket_changes(cur, as_of: date) -> int:
    loan, bucket = _t(Loan), _bucket_case("d.dpd")
    cur.execute(
        f"""
        INSERT INTO {_t(BucketChange)} (loan_id, changed_on, from_bucket, to_bucket, dpd)
        SELECT l.id, %s, l.bucket, {bucket}, d.dpd
        FROM {loan} l JOIN {DERIVED} d ON d.loan_id = l.id
        WHERE l.bucket <> {bucket}
        """,
        [as_of],
    )
    return cur.rowcount


def _update_loans(cur, as_of: date) -> None:
    loan = _t(Loan)
    cur.execute(
        f"""
        UPDATE {loan} SET outstanding_amount = d.outstanding_c / 100.0,
                          overdue_amount = d.overdue_c / 100.0,
                          oldest_unpaid_due_on = d.oldest_unpaid,
                          dpd = d.dpd,
                          bucket = {_bucket_case("d.dpd")},
                          derived_as_of = %s
        FROM {DERIVED} d WHERE {loan}.id = d.loan_id
        """,
        [as_of],
    )


def _open_cases(as_of: date, borrower_ids) -> int:
    """Every borrower with an overdue loan gets an open case (unassigned until allocated)."""
    delinquent = Borrower.objects.filter(loans__dpd__gt=0).exclude(cases__status=Case.Status.OPEN)
    if borrower_ids is not None:
        delinquent = delinquent.filter(id__in=borrower_ids)
    new = [
        Case(borrower_id=pk, opened_on=as_of)
        for pk in delinquent.values_list("id", flat=True).distinct()
    ]
    Case.objects.bulk_create(new, batch_size=5000)
    return len(new)


def _update_cases(cur, borrower_ids) -> None:
    scope, params = _in("l.borrower_id", borrower_ids)
    case = _t(Case)
    cur.execute(
        f"""
        WITH agg AS (
            SELECT l.borrower_id, MAX(l.dpd) AS dpd,
                   SUM({_cents("l.overdue_amount")}) AS overdue_c,
                   SUM({_cents("l.outstanding_amount")}) AS outstanding_c
            FROM {_t(Loan)} l WHERE 1 = 1{scope} GROUP BY l.borrower_id
        )
        UPDATE {case} SET dpd = agg.dpd, bucket = {_bucket_case("agg.dpd")},
                          overdue_amount = agg.overdue_c / 100.0,
                          outstanding_amount = agg.outstanding_c / 100.0
        FROM agg WHERE {case}.borrower_id = agg.borrower_id AND {case}.status = %s
        """,
        [*params, Case.Status.OPEN],
    )


def _settle_promises(cur, as_of: date, borrower_ids) -> int:
    """Pending promises: count repayments from promised_on to due_on; once the due date has
    passed (or the amount is reached earlier) the promise is kept, partly kept or broken."""
    promise, case = _t(PromiseToPay), _t(Case)
    in_borrowers, params = _in("borrower_id", borrower_ids)
    scope = f" AND {promise}.case_id IN (SELECT id FROM {case} WHERE 1 = 1{in_borrowers})"
    if borrower_ids is None:
        scope = ""
    pending = f"{promise}.status = %s AND {promise}.promised_on <= %s{scope}"
    cur.execute(
        f"""
        UPDATE {promise} SET paid_amount = COALESCE((
            SELECT SUM({_cents("r.amount")}) FROM {_t(Repayment)} r
            JOIN {_t(Loan)} l ON l.id = r.loan_id
            JOIN {case} c ON c.borrower_id = l.borrower_id
            WHERE c.id = {promise}.case_id
              AND r.paid_on >= {promise}.promised_on
              AND r.paid_on <= {promise}.due_on AND r.paid_on <= %s
        ), 0) / 100.0
        WHERE {pending}
        """,
        [as_of, PromiseToPay.Status.PENDING, as_of, *params],
    )
    paid, amount = _cents(f"{promise}.paid_amount"), _cents(f"{promise}.amount")
    cur.execute(
        f"""
        UPDATE {promise} SET status = CASE WHEN {paid} >= {amount} THEN %s
                                           WHEN {paid} > 0 THEN %s ELSE %s END
        WHERE {pending} AND ({promise}.due_on < %s OR {paid} >= {amount})
        """,
        [
            PromiseToPay.Status.KEPT,
            PromiseToPay.Status.PARTIAL,
            PromiseToPay.Status.BROKEN,
            PromiseToPay.Status.PENDING,
            as_of,
            *params,
            as_of,
        ],
    )
    return cur.rowcount
