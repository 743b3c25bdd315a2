"""Features per borrower at a date, computed set-based, from data on or before that date.

One SQL statement (SQLite and PostgreSQL) aggregates every borrower in scope at once:
the ledger as of `as_of` (repayments allocated oldest-first, as services.ledger does),
promises to pay, visit reports and calls. Python only turns the aggregates into ratios.

What the model may see is the whitelist FEATURES. The statement never reads the borrower
table: no name, gender, date of birth, national ID (nor the region of birth coded in it),
ethnicity or address can reach the model (docs/scoring.md explains why).

The label ("pays at least one instalment within 30 days", docs/scoring.md) comes from the
same statement, from repayments after `as_of`; it is only used for training.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection

from collections_app.models import CallRecord, Case, Installment, Loan, PromiseToPay, Repayment
from collections_app.sql import cents as _cents
from collections_app.sql import days_between as _days
from collections_app.sql import table as _t
from visits.models import Visit, VisitReport
from visits.models.reports import Outcome

HORIZON_DAYS = 30  # the label window: (as_of, as_of + 30 days]
NO_PAYMENT_DAYS = 365  # days_since_payment when nothing was paid (or longer ago)
RATIO_CAP = 2.0  # paying ahead counts, but at most twice what fell due

FEATURES = (
    "dpd",
    "dpd_change_30d",
    "bucket",
    "overdue_log",
    "paid_ratio_3m",
    "paid_ratio_6m",
    "days_since_payment",
    "paid_last_30d",
    "promises_kept",
    "promises_broken",
    "promise_pending",
    "visits_90d",
    "last_visit_positive",
    "last_visit_refused",
    "calls_connected_90d",
    "loan_age_months",
    "loans",
    "has_credit_card",
    "has_business_loan",
    "has_mortgage",
)
POSITIVE_OUTCOMES = (Outcome.PAID, Outcome.PROMISE_TO_PAY, Outcome.PLAN_AGREED)
REFUSED_OUTCOMES = (Outcome.REFUSED, Outcome.DISPUTE_RAISED)


class Population:
    DELINQUENT = "delinquent"  # borrowers past due at as_of: who had an open case then
    OPEN_CASES = "open_cases"  # borrowers with an open case now: who is scored


@dataclass(frozen=True)
class FeatureFrame:
    as_of: date
    borrower_ids: list[int]
    matrix: np.ndarray  # rows: borrowers; columns: FEATURES
    labels: np.ndarray  # 1 when the borrower paid an instalment within 30 days (training)

    def column(self, name: str) -> np.ndarray:
        return self.matrix[:, FEATURES.index(name)]

    def __len__(self) -> int:
        return len(self.borrower_ids)


def features_at(
    *, as_of: date, population: str = Population.DELINQUENT, borrower_ids: list[int] | None = None
) -> FeatureFrame:
    """Features (and the label) for every borrower of `population` at `as_of`."""
    sql, params = _statement(as_of, population, borrower_ids)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    rows.sort(key=lambda row: row[0])
    ids = [row[0] for row in rows]
    matrix = np.array([_vector(row) for row in rows], dtype=float).reshape(len(rows), len(FEATURES))
    labels = np.array([_label(row) for row in rows], dtype=int)
    return FeatureFrame(as_of, ids, matrix, labels)


# Row layout of the statement's SELECT, after borrower_id.
_COLUMNS = (
    "dpd",
    "dpd_30",
    "overdue_c",
    "due_3m",
    "paid_3m",
    "due_6m",
    "paid_6m",
    "since_payment",
    "kept",
    "broken",
    "pending",
    "visits",
    "last_outcome",
    "calls",
    "age_days",
    "loans",
    "credit_card",
    "business",
    "mortgage",
    "target_c",
    "paid_next_c",
)
_AT = {name: n + 1 for n, name in enumerate(_COLUMNS)}


def _vector(row) -> list[float]:
    def get(name):
        return row[_AT[name]] or 0

    dpd = int(get("dpd"))
    outcome = row[_AT["last_outcome"]] or ""
    since = row[_AT["since_payment"]]
    return [
        dpd,
        dpd - int(get("dpd_30")),
        _bucket_index(dpd),
        math.log1p(get("overdue_c") / 100),
        _ratio(get("paid_3m"), get("due_3m")),
        _ratio(get("paid_6m"), get("due_6m")),
        NO_PAYMENT_DAYS if since is None else min(int(since), NO_PAYMENT_DAYS),
        1 if since is not None and int(since) < 30 else 0,
        get("kept"),
        get("broken"),
        1 if get("pending") else 0,
        get("visits"),
        1 if outcome in POSITIVE_OUTCOMES else 0,
        1 if outcome in REFUSED_OUTCOMES else 0,
        get("calls"),
        int(get("age_days")) // 30,
        get("loans"),
        get("credit_card"),
        get("business"),
        get("mortgage"),
    ]


def _label(row) -> int:
    target = row[_AT["target_c"]]
    return int(bool(target) and (row[_AT["paid_next_c"]] or 0) >= target)


def _ratio(paid_c: int, due_c: int) -> float:
    """Share of what fell due in the window that was paid in it; nothing due: 1 if anything
    was paid (arrears of a matured loan being paid down), else 0."""
    if due_c <= 0:
        return 1.0 if paid_c > 0 else 0.0
    return min(paid_c / due_c, RATIO_CAP)


def _bucket_index(dpd: int) -> int:
    """M0 at 0 days, M1 … M6 in 30-day steps, M7 beyond 180 (DESIGN.md §4)."""
    if dpd <= 0:
        return 0
    return min((dpd - 1) // 30 + 1, 7)


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.TIME_ZONE))


# SQL


def _statement(as_of: date, population: str, borrower_ids: list[int] | None) -> tuple[str, dict]:
    params = {
        "a": as_of,
        "a30": as_of - timedelta(days=30),
        "a90": as_of - timedelta(days=90),
        "a180": as_of - timedelta(days=180),
        "next": as_of + timedelta(days=HORIZON_DAYS),
        # Visits and calls are timestamps: "on or before as_of" is before the next local day.
        "end_at": local_day_start(as_of + timedelta(days=1)),
        "from_at": local_day_start(as_of - timedelta(days=89)),
        "open": Case.Status.OPEN,
        "cancelled": PromiseToPay.Status.CANCELLED,
        "credit_card": Loan.Product.CREDIT_CARD,
        "business": Loan.Product.BUSINESS,
        "mortgage": Loan.Product.MORTGAGE,
    }
    scope = ""
    if population == Population.OPEN_CASES:
        scope = (
            f" AND l.borrower_id IN (SELECT borrower_id FROM {_t(Case)} WHERE status = %(open)s)"
        )
    if borrower_ids is not None:
        marks = ", ".join(f"%(b{n})s" for n in range(len(borrower_ids))) or "NULL"
        scope += f" AND l.borrower_id IN ({marks})"
        params |= {f"b{n}": pk for n, pk in enumerate(borrower_ids)}
    where = "b.oldest_a IS NOT NULL" if population == Population.DELINQUENT else "1 = 1"
    amount = _cents("r.amount")
    case, visit, report = _t(Case), _t(Visit), _t(VisitReport)
    sql = f"""
    WITH lo AS (
        SELECT l.id AS loan_id, l.borrower_id, l.product, l.disbursed_on
        FROM {_t(Loan)} l WHERE l.disbursed_on <= %(a)s{scope}
    ), pay AS (
        SELECT r.loan_id,
               SUM(CASE WHEN r.paid_on <= %(a)s THEN {amount} ELSE 0 END) AS paid_a,
               SUM(CASE WHEN r.paid_on <= %(a30)s THEN {amount} ELSE 0 END) AS paid_a30,
               SUM(CASE WHEN r.paid_on > %(a90)s AND r.paid_on <= %(a)s
                        THEN {amount} ELSE 0 END) AS paid_3m,
               SUM(CASE WHEN r.paid_on > %(a180)s AND r.paid_on <= %(a)s
                        THEN {amount} ELSE 0 END) AS paid_6m,
               SUM(CASE WHEN r.paid_on > %(a)s THEN {amount} ELSE 0 END) AS paid_next,
               MAX(CASE WHEN r.paid_on <= %(a)s THEN r.paid_on END) AS last_paid
        FROM {_t(Repayment)} r JOIN lo ON lo.loan_id = r.loan_id
        WHERE r.paid_on <= %(next)s
        GROUP BY r.loan_id
    ), inst AS (
        SELECT i.loan_id, i.due_on, {_cents("i.amount_due")} AS due_c,
               SUM({_cents("i.amount_due")}) OVER (
                   PARTITION BY i.loan_id ORDER BY i.due_on, i.number
                   ROWS UNBOUNDED PRECEDING) AS cum_c
        FROM {_t(Installment)} i JOIN lo ON lo.loan_id = i.loan_id
    ), per_loan AS (
        SELECT inst.loan_id,
               MIN(CASE WHEN inst.due_on < %(a)s AND inst.cum_c > COALESCE(p.paid_a, 0)
                        THEN inst.due_on END) AS oldest_a,
               MIN(CASE WHEN inst.due_on < %(a30)s AND inst.cum_c > COALESCE(p.paid_a30, 0)
                        THEN inst.due_on END) AS oldest_a30,
               SUM(CASE WHEN inst.due_on < %(a)s THEN inst.due_c ELSE 0 END) AS due_before,
               SUM(CASE WHEN inst.due_on > %(a90)s AND inst.due_on <= %(a)s
                        THEN inst.due_c ELSE 0 END) AS due_3m,
               SUM(CASE WHEN inst.due_on > %(a180)s AND inst.due_on <= %(a)s
                        THEN inst.due_c ELSE 0 END) AS due_6m,
               -- The first instalment not fully paid by as_of: the one the money reaches.
               MIN(CASE WHEN inst.cum_c - inst.due_c <= COALESCE(p.paid_a, 0)
                         AND inst.cum_c > COALESCE(p.paid_a, 0)
                        THEN inst.due_c END) AS first_unpaid_c
        FROM inst LEFT JOIN pay p ON p.loan_id = inst.loan_id
        GROUP BY inst.loan_id
    ), loans AS (
        SELECT lo.borrower_id, lo.loan_id, lo.product, lo.disbursed_on,
               pl.oldest_a, pl.oldest_a30, pl.due_3m, pl.due_6m, pl.first_unpaid_c,
               CASE WHEN pl.due_before > COALESCE(p.paid_a, 0)
                    THEN pl.due_before - COALESCE(p.paid_a, 0) ELSE 0 END AS overdue_c,
               COALESCE(p.paid_3m, 0) AS paid_3m, COALESCE(p.paid_6m, 0) AS paid_6m,
               COALESCE(p.paid_next, 0) AS paid_next, p.last_paid
        FROM lo JOIN per_loan pl ON pl.loan_id = lo.loan_id
        LEFT JOIN pay p ON p.loan_id = lo.loan_id
    ), b AS (
        SELECT borrower_id, MIN(oldest_a) AS oldest_a, MIN(oldest_a30) AS oldest_a30,
               SUM(overdue_c) AS overdue_c, SUM(due_3m) AS due_3m, SUM(paid_3m) AS paid_3m,
               SUM(due_6m) AS due_6m, SUM(paid_6m) AS paid_6m, MAX(last_paid) AS last_paid,
               MIN(disbursed_on) AS first_disbursed, COUNT(*) AS loans,
               MAX(CASE WHEN product = %(credit_card)s THEN 1 ELSE 0 END) AS credit_card,
               MAX(CASE WHEN product = %(business)s THEN 1 ELSE 0 END) AS business,
               MAX(CASE WHEN product = %(mortgage)s THEN 1 ELSE 0 END) AS mortgage,
               -- Label money: only what reached loans that were overdue at as_of.
               SUM(CASE WHEN oldest_a IS NOT NULL THEN paid_next ELSE 0 END) AS paid_next_c
        FROM loans GROUP BY borrower_id
    ), target AS (
        SELECT borrower_id, first_unpaid_c FROM (
            SELECT borrower_id, first_unpaid_c, ROW_NUMBER() OVER (
                PARTITION BY borrower_id ORDER BY oldest_a, loan_id) AS n
            FROM loans WHERE oldest_a IS NOT NULL
        ) ranked WHERE n = 1
    ), promise_paid AS (
        SELECT pr.id, SUM({amount}) AS paid_c
        FROM {_t(PromiseToPay)} pr
        JOIN {case} c ON c.id = pr.case_id
        JOIN {_t(Loan)} l ON l.borrower_id = c.borrower_id
        JOIN {_t(Repayment)} r ON r.loan_id = l.id
             AND r.paid_on >= pr.promised_on AND r.paid_on <= pr.due_on
        WHERE pr.due_on < %(a)s AND pr.status <> %(cancelled)s
        GROUP BY pr.id
    ), promises AS (
        SELECT c.borrower_id,
               SUM(CASE WHEN pr.due_on < %(a)s
                         AND COALESCE(pp.paid_c, 0) >= {_cents("pr.amount")}
                        THEN 1 ELSE 0 END) AS kept,
               SUM(CASE WHEN pr.due_on < %(a)s
                         AND COALESCE(pp.paid_c, 0) < {_cents("pr.amount")}
                        THEN 1 ELSE 0 END) AS broken,
               SUM(CASE WHEN pr.due_on >= %(a)s THEN 1 ELSE 0 END) AS pending
        FROM {_t(PromiseToPay)} pr
        JOIN {case} c ON c.id = pr.case_id
        LEFT JOIN promise_paid pp ON pp.id = pr.id
        WHERE pr.promised_on <= %(a)s AND pr.status <> %(cancelled)s
        GROUP BY c.borrower_id
    ), reported AS (
        SELECT v.borrower_id, v.planned_start, vr.outcome,
               ROW_NUMBER() OVER (
                   PARTITION BY v.borrower_id ORDER BY v.planned_start DESC, v.id DESC) AS n
        FROM {visit} v JOIN {report} vr ON vr.visit_id = v.id
        WHERE vr.submitted_at < %(end_at)s
    ), visits AS (
        SELECT borrower_id,
               SUM(CASE WHEN planned_start >= %(from_at)s THEN 1 ELSE 0 END) AS held,
               MAX(CASE WHEN n = 1 THEN outcome END) AS last_outcome
        FROM reported GROUP BY borrower_id
    ), calls AS (
        SELECT borrower_id, SUM(CASE WHEN connected THEN 1 ELSE 0 END) AS connected
        FROM {_t(CallRecord)}
        WHERE at >= %(from_at)s AND at < %(end_at)s
        GROUP BY borrower_id
    )
    SELECT b.borrower_id,
           COALESCE({_days("%(a)s", "b.oldest_a")}, 0),
           COALESCE({_days("%(a30)s", "b.oldest_a30")}, 0),
           b.overdue_c, b.due_3m, b.paid_3m, b.due_6m, b.paid_6m,
           {_days("%(a)s", "b.last_paid")},
           pr.kept, pr.broken, pr.pending,
           vi.held, vi.last_outcome, ca.connected,
           {_days("%(a)s", "b.first_disbursed")},
           b.loans, b.credit_card, b.business, b.mortgage,
           t.first_unpaid_c, b.paid_next_c
    FROM b
    LEFT JOIN target t ON t.borrower_id = b.borrower_id
    LEFT JOIN promises pr ON pr.borrower_id = b.borrower_id
    LEFT JOIN visits vi ON vi.borrower_id = b.borrower_id
    LEFT JOIN calls ca ON ca.borrower_id = b.borrower_id
    WHERE {where}
    """
    return sql, params
