"""Query filters of the ledger API (django-filter); a bad value is a 400 naming the filter."""

import django_filters as df

from collections_app.models import Borrower, Case, Installment, Loan, Repayment
from collections_app.models.base import Bucket
from collections_app.models.cases import CaseStatus
from collections_app.models.loans import LoanProduct, LoanStatus, RepaymentChannel


class BorrowerFilter(df.FilterSet):
    customer_number = df.CharFilter()

    class Meta:
        model = Borrower
        fields = ["customer_number"]


class LoanFilter(df.FilterSet):
    borrower = df.UUIDFilter(field_name="borrower__public_id")
    status = df.ChoiceFilter(choices=LoanStatus.choices)
    product = df.ChoiceFilter(choices=LoanProduct.choices)
    bucket = df.ChoiceFilter(choices=Bucket.choices)

    class Meta:
        model = Loan
        fields = ["borrower", "status", "product", "bucket"]


class InstallmentFilter(df.FilterSet):
    loan = df.UUIDFilter(field_name="loan__public_id")
    due_from = df.DateFilter(field_name="due_on", lookup_expr="gte")
    due_to = df.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Installment
        fields = ["loan", "due_from", "due_to"]


class RepaymentFilter(df.FilterSet):
    loan = df.UUIDFilter(field_name="loan__public_id")
    reference = df.CharFilter()
    channel = df.ChoiceFilter(choices=RepaymentChannel.choices)
    paid_from = df.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_to = df.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = Repayment
        fields = ["loan", "reference", "channel", "paid_from", "paid_to"]


class CaseFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=CaseStatus.choices)
    bucket = df.ChoiceFilter(choices=Bucket.choices)
    collector = df.CharFilter(field_name="assigned_collector__username")
    borrower = df.UUIDFilter(field_name="borrower__public_id")

    class Meta:
        model = Case
        fields = ["status", "bucket", "collector", "borrower"]
