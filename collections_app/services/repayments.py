"""Recording a repayment re-derives the loan's DPD, bucket and the borrower's promises."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from collections_app.models import Loan, Repayment

from .ledger import ledger_refresh


@transaction.atomic
def repayment_record(
    *, loan: Loan, amount: Decimal, paid_on: date, channel: str, reference: str, as_of: date
) -> Repayment:
    repayment = Repayment(
        loan=loan, amount=amount, paid_on=paid_on, channel=channel, reference=reference
    )
    repayment.full_clean()
    repayment.save()
    ledger_refresh(as_of=as_of, loan_ids=[loan.id])
    return repayment
