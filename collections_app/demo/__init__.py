"""Deterministic demo data: a Kunming collections portfolio for a given seed and day.

`seed_demo` is the one entry point (the `seed_demo` command is its interface). The
same (borrowers, seed, today) always yields the same people, loans, payments and
cases, because every draw comes from one `random.Random(seed)` in a fixed order.
Rows are written with bulk_create, a chunk of borrowers at a time, and the derived
figures (DPD, buckets, promise outcomes) come from the real ledger refresh.
"""

import gc
import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.models import (
    Address,
    BucketChange,
    Case,
    CaseAssignment,
    ContactPerson,
    Installment,
    Loan,
    PromiseToPay,
    Repayment,
    RepaymentPlan,
    RepaymentPlanInstallment,
    SensitiveDate,
)
from collections_app.models import Borrower as BorrowerModel
from collections_app.services.ledger import ledger_refresh

from . import borrowers, casework, portfolio
from .bookings import book_demo_visits
from .history import History, record_demo_history
from .people import IdentityMint
from .reset import DemoResetRefused, demo_data_present, demo_reset
from .staff import DEMO_PASSWORD, Staffing, create_credentials, create_staff
from .two_factor import create_demo_devices

__all__ = [
    "DEMO_PASSWORD",
    "DemoDataPresent",
    "DemoResetRefused",
    "SeedSummary",
    "demo_reset",
    "seed_demo",
]

BATCH = 5000
CHUNK = 2000  # borrowers generated and written per round; bounds memory at 100k


class DemoDataPresent(Exception):
    """The database already holds ledger data; seeding needs reset=True."""


@dataclass(frozen=True)
class SeedSummary:
    borrowers: int
    loans: int
    installments: int
    repayments: int
    open_cases: int
    promises: int
    plans: int
    users: int
    seconds: float
    case_buckets: dict[str, int]
    logins: tuple[str, ...]
    visits_booked: int = 0
    visits_pending: int = 0  # awaiting a supervisor's approval
    history: History = field(default_factory=History)  # the past six weeks' visits


@dataclass
class _Run:
    """What every chunk shares: the one generator, the uniqueness mints, running counts."""

    rng: random.Random
    today: date
    mint: IdentityMint
    accounts: portfolio.AccountMint
    references: portfolio.ReferenceMint
    staffing: Staffing
    behaviour: random.Random  # the borrowers' latent repayment behaviour (portfolio.py)
    loans: int = 0
    installments: int = 0
    repayments: int = 0
    cases: int = 0
    promises: int = 0
    plans: int = 0


def seed_demo(
    *, borrowers: int, seed: int, today: date, reset: bool = False, history: bool = True
) -> SeedSummary:
    """Create `borrowers` borrowers with loans, payments, cases, teams, demo logins, a few
    visits booked over the next days and (unless `history` is off) six weeks of past visits
    with their reports."""
    if borrowers < 1:
        raise ValueError(_("The number of borrowers must be at least 1."))
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic(), _no_gc():
        if reset:
            demo_reset()
        elif demo_data_present():
            raise DemoDataPresent(
                _("The database already holds data; run again with --reset to replace it.")
            )
        mint = IdentityMint(rng, today)
        staffing = create_staff(rng, mint)
        create_credentials(rng, staffing, today)
        create_demo_devices()
        run = _Run(
            rng,
            today,
            mint,
            portfolio.AccountMint(rng),
            portfolio.ReferenceMint(),
            staffing,
            random.Random(f"behaviour-{seed}"),
        )
        for first in range(0, borrowers, CHUNK):
            _seed_chunk(run, min(CHUNK, borrowers - first))
        ledger_refresh(as_of=today)
        visits = book_demo_visits(staffing, today)
        past = (
            record_demo_history(rng=rng, staffing=staffing, today=today, references=run.references)
            if history
            else History()
        )
    buckets = Counter(Case.objects.filter(status=Case.Status.OPEN).values_list("bucket", flat=True))
    return SeedSummary(
        borrowers=borrowers,
        loans=run.loans,
        installments=run.installments,
        repayments=run.repayments,
        open_cases=run.cases,
        promises=run.promises,
        plans=run.plans,
        users=len(staffing.users),
        seconds=time.perf_counter() - started,
        case_buckets=dict(sorted(buckets.items())),
        logins=staffing.logins,
        visits_booked=visits.booked,
        visits_pending=visits.pending,
        history=past,
    )


def _seed_chunk(run: _Run, size: int) -> None:
    rng, today = run.rng, run.today
    dossiers = [borrowers.make_dossier(rng, run.mint, today) for _n in range(size)]
    BorrowerModel.objects.bulk_create([d.borrower for d in dossiers], batch_size=BATCH)
    borrowers.attach(dossiers)
    Address.objects.bulk_create([a for d in dossiers for a in d.addresses], batch_size=BATCH)
    ContactPerson.objects.bulk_create([c for d in dossiers for c in d.contacts], batch_size=BATCH)
    SensitiveDate.objects.bulk_create(
        [s for d in dossiers for s in d.sensitive_dates], batch_size=BATCH
    )

    loans, cases = [], []
    for dossier in dossiers:
        drafts = portfolio.make_loans(
            rng,
            run.accounts,
            borrower_id=dossier.borrower.pk,
            bucket=portfolio.draw_bucket(rng),
            runs_business=dossier.runs_business,
            today=today,
            propensity=run.behaviour.gauss(0, 1),
            behaviour=run.behaviour,
        )
        loans.extend(drafts)
        case = casework.open_case(
            rng,
            borrower=dossier.borrower,
            district=dossier.district,
            runs_business=dossier.runs_business,
            loans=drafts,
            staffing=run.staffing,
            today=today,
        )
        if case:
            cases.append(case)

    Loan.objects.bulk_create([d.loan for d in loans], batch_size=BATCH)
    installments, repayments, changes = portfolio.ledger_rows(loans, run.references, today)
    Installment.objects.bulk_create(installments, batch_size=BATCH)
    Repayment.objects.bulk_create(repayments, batch_size=BATCH)
    BucketChange.objects.bulk_create(changes, batch_size=BATCH)

    Case.objects.bulk_create([c.case for c in cases], batch_size=BATCH)
    casework.attach(cases)
    CaseAssignment.objects.bulk_create([a for c in cases for a in c.assignments], batch_size=BATCH)
    promises = [p for c in cases for p in c.promises]
    PromiseToPay.objects.bulk_create(promises, batch_size=BATCH)
    plans = [plan for c in cases for plan in c.plans]
    RepaymentPlan.objects.bulk_create([plan for plan, _rows in plans], batch_size=BATCH)
    plan_rows = []
    for plan, rows in plans:
        for row in rows:
            row.plan_id = plan.pk
            plan_rows.append(row)
    RepaymentPlanInstallment.objects.bulk_create(plan_rows, batch_size=BATCH)

    run.loans += len(loans)
    run.installments += len(installments)
    run.repayments += len(repayments)
    run.cases += len(cases)
    run.promises += len(promises)
    run.plans += len(plans)


@contextmanager
def _no_gc():
    """Millions of short-lived model objects make the cyclic GC the main cost; pause it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
