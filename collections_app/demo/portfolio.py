"""Loans, equal-instalment schedules and repayment histories aimed at a target DPD.

Each borrower first draws a delinquency bucket (the case's bucket); the loans are then
built backwards from it: the oldest unpaid instalment falls due `dpd` days before
`today`, everything before it was paid, and after it only partial payments arrive. The
ledger refresh later derives the same DPD from these rows. Amounts are integer cents
throughout so schedules add up exactly.

How the instalments before the oldest unpaid one were paid depends on the borrower's
latent propensity (drawn from a separate generator, so the rest of the data is the same
for a seed whichever way it goes), so that the repayment-propensity score (scoring app)
has something real to learn from the history:

- a "roller" stays about `dpd` days behind for months but pays one instalment a month
  (now and then skipping a month and paying two the next; some stopped lately);
- a "roll-forward" borrower paid on time until the arrears began, then stopped.

Higher propensity makes a roller more likely; deeper arrears make it less likely.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from collections_app.models import Bucket, BucketChange, Installment, Loan, Repayment

from .people import new_uuid

# Share of borrowers by worst bucket: ~18 % current, then a falling tail (DESIGN.md §4).
BORROWER_BUCKETS = (
    (Bucket.M0, 18),
    (Bucket.M1, 26),
    (Bucket.M2, 17),
    (Bucket.M3, 12),
    (Bucket.M4, 9),
    (Bucket.M5, 7),
    (Bucket.M6, 5),
    (Bucket.M7, 6),
)
BUCKET_ORDER = [bucket for bucket, _weight in BORROWER_BUCKETS]
DPD_RANGE = {Bucket.M0: (0, 0), Bucket.M7: (181, 720)} | {
    Bucket(f"M{n}"): (30 * n - 29, 30 * n) for n in range(1, 7)
}
# DPD thresholds at which a loan enters M1 … M7.
BUCKET_THRESHOLDS = [(BUCKET_ORDER[n], 1 if n == 1 else 30 * (n - 1) + 1) for n in range(1, 8)]
MAX_PAID_INSTALMENTS = 18  # vintages of up to ~1.5 years keep 100k borrowers quick
MONTH_DAYS_MAX = 28  # due days 1–28 exist in every month
ROLLER_MONTHS = (3, 18)  # instalments a roller has paid late, drawn from this range
ROLLER_SKIP = 0.1  # chance a roller skips a month and pays two instalments the next
ROLLER_STOPPED = 0.2  # chance a roller has stopped paying in the last 1–3 months


@dataclass(frozen=True)
class Product:
    code: str
    prefix: str  # account number BIN
    terms: tuple[int, ...]
    principal: tuple[int, int, int]  # min, max, rounding step (yuan)
    rate: tuple[float, float]  # annual %, min and max
    weight: int
    business_weight: int


# Terms repeat to weight the common ones. Mortgages are few: a collections portfolio is
# mostly unsecured, and each carries a 10–20 year schedule.
PRODUCTS = (
    Product(
        code=Loan.Product.CONSUMER,
        prefix="6231",
        terms=(6, 12, 12, 12, 24, 36),
        principal=(5_000, 200_000, 1_000),
        rate=(7.2, 18.0),
        weight=54,
        business_weight=26,
    ),
    Product(
        code=Loan.Product.CREDIT_CARD,
        prefix="6258",
        terms=(3, 6, 6, 12, 12, 24),
        principal=(3_000, 60_000, 100),
        rate=(13.0, 18.25),
        weight=30,
        business_weight=15,
    ),
    Product(
        code=Loan.Product.BUSINESS,
        prefix="6231",
        terms=(12, 12, 24, 36),
        principal=(50_000, 1_000_000, 10_000),
        rate=(3.85, 8.5),
        weight=15,
        business_weight=57,
    ),
    Product(
        code=Loan.Product.MORTGAGE,
        prefix="6231",
        terms=(120, 180, 240),
        principal=(300_000, 1_500_000, 10_000),
        rate=(3.1, 4.9),
        weight=1,
        business_weight=2,
    ),
)
HISTORY_CHANNELS = (
    (Repayment.Channel.AUTO_DEBIT, 45),
    (Repayment.Channel.MOBILE_BANKING, 20),
    (Repayment.Channel.WECHAT_PAY, 12),
    (Repayment.Channel.ALIPAY, 10),
    (Repayment.Channel.BANK_TRANSFER, 8),
    (Repayment.Channel.COUNTER, 5),
)
# Money paid after falling behind rarely comes by auto debit.
ARREARS_CHANNELS = (
    (Repayment.Channel.MOBILE_BANKING, 35),
    (Repayment.Channel.WECHAT_PAY, 20),
    (Repayment.Channel.ALIPAY, 15),
    (Repayment.Channel.BANK_TRANSFER, 15),
    (Repayment.Channel.COUNTER, 15),
)


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later; callers keep days at or below 28."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def amortise(principal_c: int, annual_rate: float, terms: int) -> list[tuple[int, int]]:
    """Equal instalments (等额本息): (principal, interest) in cents, the last one squaring up."""
    r = annual_rate / 1200
    if r == 0:
        payment = -(-principal_c // terms)
    else:
        payment = round(principal_c * r / (1 - (1 + r) ** -terms))
    rows, balance = [], principal_c
    for number in range(1, terms + 1):
        interest = round(balance * r)
        principal = balance if number == terms else min(payment - interest, balance)
        balance -= principal
        rows.append((principal, interest))
    return rows


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


@dataclass
class LoanDraft:
    loan: Loan
    due_dates: list[date]
    amounts: list[tuple[int, int]]  # (principal, interest) cents per instalment
    payments: list[tuple[date, int, str]] = field(default_factory=list)  # paid_on, cents, channel
    dpd: int = 0
    overdue_since: date | None = None  # due date of the oldest unpaid overdue instalment
    budget_c: int = 0  # what may still be paid without curing the oldest arrears
    propensity: float = 0.0  # the borrower's latent will and means to pay (demo behaviour)
    roller: bool = False  # pays one instalment a month while staying behind

    def due_c(self, index: int) -> int:
        principal, interest = self.amounts[index]
        return principal + interest

    def overdue_c(self, today: date) -> int:
        """Arrears in cents: instalments due before today, less everything paid."""
        due = sum(self.due_c(i) for i, d in enumerate(self.due_dates) if d < today)
        return max(due - sum(amount for _day, amount, _ch in self.payments), 0)

    def pay_partial(self, *, on: date, amount_c: int, channel: str) -> int:
        """Book a payment that leaves the loan delinquent; returns the cents booked."""
        amount_c = min(amount_c, self.budget_c)
        if amount_c <= 0:
            return 0
        self.budget_c -= amount_c
        self.payments.append((on, amount_c, channel))
        return amount_c


class AccountMint:
    """Unique 19-digit account numbers with a Luhn check digit, like bank card numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._seen: set[str] = set()

    def next(self, prefix: str) -> str:
        while True:
            body = prefix + f"{self.rng.randrange(10**14):014d}"
            number = body + _luhn_digit(body)
            if number not in self._seen:
                self._seen.add(number)
                return number


def _luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def draw_bucket(rng: random.Random) -> Bucket:
    return rng.choices(BUCKET_ORDER, weights=[w for _b, w in BORROWER_BUCKETS])[0]


def make_loans(
    rng: random.Random,
    accounts: AccountMint,
    *,
    borrower_id: int,
    bucket: Bucket,
    runs_business: bool,
    today: date,
    propensity: float = 0.0,
    behaviour: random.Random | None = None,
) -> list[LoanDraft]:
    """One to three loans; the first carries the borrower's bucket, the others no worse.

    `propensity` (about standard normal) and the `behaviour` generator shape how the
    arrears built up (see the module docstring); without `behaviour` every late loan
    is a roll-forward."""
    count = rng.choices((1, 2, 3), weights=(62, 28, 10))[0]
    drafts = []
    worst = BUCKET_ORDER.index(bucket)
    for index in range(count):
        loan_bucket = bucket
        if index and (worst == 0 or rng.random() < 0.35):
            loan_bucket = Bucket.M0
        elif index:
            loan_bucket = BUCKET_ORDER[rng.randint(1, worst)]
        low, high = DPD_RANGE[loan_bucket]
        product = rng.choices(
            PRODUCTS, weights=[p.business_weight if runs_business else p.weight for p in PRODUCTS]
        )[0]
        draft = _make_loan(rng, accounts, product, borrower_id, rng.randint(low, high), today)
        if behaviour is not None and draft.dpd:
            _shape_arrears(behaviour, draft, propensity, today)
        drafts.append(draft)
    return drafts


def _shape_arrears(
    behaviour: random.Random, draft: LoanDraft, propensity: float, today: date
) -> None:
    """Make a late loan a roller (pays one instalment a month, `dpd` days late) or leave it
    a roll-forward (stopped paying when the arrears began)."""
    draft.propensity = propensity
    roll = 1 / (1 + math.exp(-(1.6 * propensity + 0.4 - draft.dpd / 240)))
    unpaid = draft.due_dates.index(draft.overdue_since)
    if unpaid == 0 or behaviour.random() >= roll:
        return
    draft.roller = True
    months = min(unpaid, behaviour.randint(*ROLLER_MONTHS))
    first = unpaid - months
    # Some rollers stopped a month or more ago: arrears growing again since their last payment.
    stopped = 0
    if behaviour.random() < ROLLER_STOPPED:
        stopped = min(behaviour.randint(1, 3), (draft.dpd - 1) // 30)
    # Instalment i is paid lag + 1..28 days after it fell due. Without a stop the lag is `dpd`:
    # the oldest unpaid instalment (due `dpd` days ago) would be paid in the coming days and
    # the one before it was paid within the last month.
    lag = draft.dpd - 30 * stopped
    days = [
        min(draft.due_dates[i] + timedelta(days=lag + behaviour.randint(1, 28)), today)
        for i in range(first, unpaid)
    ]
    for n in range(len(days) - 2, -1, -1):
        if behaviour.random() < ROLLER_SKIP:
            days[n] = days[n + 1]  # skipped a month, paid both together
    # draft.payments[i] is instalment i's payment for every i before the oldest unpaid one.
    for n, day in enumerate(days):
        _on_time, amount, channel = draft.payments[first + n]
        draft.payments[first + n] = (day, amount, channel)


def _make_loan(
    rng: random.Random,
    accounts: AccountMint,
    product: Product,
    borrower_id: int,
    target_dpd: int,
    today: date,
) -> LoanDraft:
    terms = rng.choice(product.terms)
    low, high, step = product.principal
    # Log-uniform: many small loans, a few large ones.
    principal = round(math.exp(rng.uniform(math.log(low), math.log(high))) / step) * step
    rate = round(rng.uniform(*product.rate), 2)
    if target_dpd:
        first_due, paid = _delinquent_calendar(rng, terms, target_dpd, today)
    else:
        first_due, paid = _current_calendar(rng, terms, today)
    due_dates = [add_months(first_due, n) for n in range(terms)]
    loan = Loan(
        public_id=new_uuid(rng),
        borrower_id=borrower_id,
        account_number=accounts.next(product.prefix),
        product=product.code,
        principal=Decimal(principal),
        annual_rate=Decimal(f"{rate:.2f}"),
        disbursed_on=add_months(first_due, -1),
        maturity_on=due_dates[-1],
    )
    draft = LoanDraft(loan, due_dates, amortise(principal * 100, rate, terms))
    channel = rng.choices(*zip(*HISTORY_CHANNELS, strict=True))[0]
    for index in range(paid):
        draft.payments.append(
            (
                _paid_on(rng, due_dates[index], today),
                draft.due_c(index),
                _history_channel(rng, channel),
            )
        )
    if target_dpd:
        draft.overdue_since = due_dates[paid]
        draft.dpd = (today - draft.overdue_since).days
        draft.budget_c = draft.due_c(paid) - 1
        if rng.random() < 0.25:  # some money trickles in without curing the arrears
            for _n in range(rng.randint(1, 2)):
                day = draft.overdue_since + timedelta(days=rng.randint(1, draft.dpd))
                amount = round(draft.budget_c * rng.uniform(0.15, 0.5))
                draft.pay_partial(on=day, amount_c=amount, channel=_arrears_channel(rng))
    elif due_dates[paid] == today and rng.random() < 0.8:
        # Due today: most pay on the day, so tomorrow's refresh is not a cliff of new cases.
        draft.payments.append((today, draft.due_c(paid), channel))
    elif paid < terms and rng.random() < 0.06:
        # A prepayment: part of the next few instalments paid early.
        ahead = sum(draft.due_c(i) for i in range(paid, min(paid + 3, terms)))
        day = due_dates[paid - 1] if paid else loan.disbursed_on + timedelta(days=10)
        draft.payments.append(
            (
                min(day, today),
                round(ahead * rng.uniform(0.3, 1.0)),
                Repayment.Channel.MOBILE_BANKING,
            )
        )
    # The ledger compares with the stored bucket; setting it here keeps the history clean.
    loan.bucket = Bucket.for_dpd(draft.dpd)
    return draft


def _delinquent_calendar(
    rng: random.Random, terms: int, target_dpd: int, today: date
) -> tuple[date, int]:
    """First due date and number of instalments paid, for a loan `target_dpd` days late."""
    missed_on = today - timedelta(days=target_dpd)
    if missed_on.day > MONTH_DAYS_MAX:
        missed_on = missed_on.replace(day=MONTH_DAYS_MAX)  # a few days more DPD; same story
    # A few borrowers never pay at all (first-payment default).
    paid = (
        0 if rng.random() < 0.04 else rng.randint(1, max(1, min(terms - 1, MAX_PAID_INSTALMENTS)))
    )
    paid = min(paid, terms - 1)
    return add_months(missed_on, -paid), paid


def _current_calendar(rng: random.Random, terms: int, today: date) -> tuple[date, int]:
    """First due date and instalments paid for a loan that is up to date."""
    day = rng.randint(1, MONTH_DAYS_MAX)
    last_due = today.replace(day=day) if day < today.day else add_months(today.replace(day=day), -1)
    if rng.random() < 0.05:  # just disbursed: nothing due yet
        return add_months(last_due, 1), 0
    paid = rng.randint(1, max(1, min(terms - 1, MAX_PAID_INSTALMENTS)))
    return add_months(last_due, 1 - paid), paid


def _paid_on(rng: random.Random, due: date, today: date) -> date:
    roll = rng.random()
    if roll < 0.7:
        delay = 0  # auto debit or paid on the day
    elif roll < 0.85:
        delay = -rng.randint(1, 5)
    else:
        delay = rng.randint(1, 20)  # a late month that was caught up
    return min(due + timedelta(days=delay), today)


def _history_channel(rng: random.Random, usual: str) -> str:
    return usual if rng.random() < 0.85 else _arrears_channel(rng)


def _arrears_channel(rng: random.Random) -> str:
    return rng.choices(*zip(*ARREARS_CHANNELS, strict=True))[0]


class ReferenceMint:
    """Unique repayment references: channel code, date, running number."""

    CODES = {
        Repayment.Channel.AUTO_DEBIT: "AD",
        Repayment.Channel.MOBILE_BANKING: "MB",
        Repayment.Channel.WECHAT_PAY: "WX",
        Repayment.Channel.ALIPAY: "ZF",
        Repayment.Channel.BANK_TRANSFER: "BT",
        Repayment.Channel.COUNTER: "CT",
        Repayment.Channel.OTHER: "OT",
    }

    def __init__(self) -> None:
        self.serial = 0

    def next(self, channel: str, day: date) -> str:
        self.serial += 1
        return f"{self.CODES[channel]}{day:%Y%m%d}{self.serial:010d}"


def ledger_rows(
    drafts: list[LoanDraft], references: ReferenceMint, today: date
) -> tuple[list[Installment], list[Repayment], list[BucketChange]]:
    """Installments, repayments and bucket history for loans that already have ids."""
    installments, repayments, changes = [], [], []
    for draft in drafts:
        loan_id = draft.loan.pk
        # Allocate oldest-first exactly as the ledger does, so its refresh has nothing
        # to rewrite (an UPDATE of millions of rows would double the seeding time).
        unallocated = sum(amount for paid_on, amount, _ch in draft.payments if paid_on <= today)
        for index, (due_on, (principal, interest)) in enumerate(
            zip(draft.due_dates, draft.amounts, strict=True)
        ):
            due = principal + interest
            paid = min(due, unallocated)
            unallocated -= paid
            installments.append(
                Installment(
                    loan_id=loan_id,
                    number=index + 1,
                    due_on=due_on,
                    principal_due=cents(principal),
                    interest_due=cents(interest),
                    amount_due=cents(due),
                    paid_amount=cents(paid),
                )
            )
        for paid_on, amount, channel in sorted(draft.payments):
            repayments.append(
                Repayment(
                    loan_id=loan_id,
                    paid_on=paid_on,
                    amount=cents(amount),
                    channel=channel,
                    reference=references.next(channel, paid_on),
                )
            )
        changes.extend(_bucket_history(draft, today))
    return installments, repayments, changes


def _bucket_history(draft: LoanDraft, today: date) -> list[BucketChange]:
    """The current arrears episode, one step per bucket boundary crossed."""
    if not draft.overdue_since:
        return []
    rows, previous = [], Bucket.M0
    for bucket, threshold in BUCKET_THRESHOLDS:
        if threshold > draft.dpd:
            break
        rows.append(
            BucketChange(
                loan_id=draft.loan.pk,
                changed_on=draft.overdue_since + timedelta(days=threshold),
                from_bucket=previous,
                to_bucket=bucket,
                dpd=threshold,
            )
        )
        previous = bucket
    return rows
