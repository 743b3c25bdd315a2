"""What an API caller may read: the ledger rows behind the cases in their scope."""

from django.db.models import QuerySet

from collections_app.models import Borrower, Case, Installment, Loan, Repayment
from collections_app.selectors import case_list_for_user


def _borrower_ids(user):
    return case_list_for_user(user=user).values("borrower_id")


def borrowers_for_user(*, user) -> QuerySet[Borrower]:
    return Borrower.objects.filter(id__in=_borrower_ids(user))


def loans_for_user(*, user) -> QuerySet[Loan]:
    return Loan.objects.filter(borrower_id__in=_borrower_ids(user)).select_related("borrower")


def installments_for_user(*, user) -> QuerySet[Installment]:
    return Installment.objects.filter(loan__borrower_id__in=_borrower_ids(user)).select_related(
        "loan"
    )


def repayments_for_user(*, user) -> QuerySet[Repayment]:
    return Repayment.objects.filter(loan__borrower_id__in=_borrower_ids(user)).select_related(
        "loan"
    )


def cases_for_user(*, user) -> QuerySet[Case]:
    return case_list_for_user(user=user).select_related("borrower", "assigned_collector", "team")
