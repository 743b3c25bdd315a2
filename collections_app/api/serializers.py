"""JSON out of (and into) the ledger API. Personal data is masked exactly as on the pages
(collections_app.mask); the API never reveals it. Rows are named by public id or by their
natural key, never by database id."""

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import partial

from django.utils.translation import gettext as _
from rest_framework import serializers

from collections_app.mask import mask_account, mask_mobile, mask_name, mask_national_id
from collections_app.models import Borrower, Case, Installment, Loan, Repayment
from collections_app.models.borrowers import BorrowerGender, Jurisdiction
from collections_app.models.loans import RepaymentChannel


class MaskedField(serializers.CharField):
    def __init__(self, mask, **kwargs):
        self.mask = mask
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return self.mask(value)


class BorrowerSerializer(serializers.ModelSerializer):
    name = MaskedField(mask_name)
    national_id = MaskedField(mask_national_id)
    mobile = MaskedField(mask_mobile)
    alt_phone = MaskedField(mask_mobile)
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Borrower
        fields = [
            "public_id",
            "customer_number",
            "name",
            "national_id",
            "gender",
            "mobile",
            "alt_phone",
            "language",
            "timezone",
            "jurisdiction",
            "flags",
        ]
        read_only_fields = fields


class LoanSerializer(serializers.ModelSerializer):
    account_number = MaskedField(mask_account)
    borrower = serializers.UUIDField(source="borrower.public_id", read_only=True)

    class Meta:
        model = Loan
        fields = [
            "public_id",
            "account_number",
            "borrower",
            "product",
            "principal",
            "annual_rate",
            "disbursed_on",
            "maturity_on",
            "currency",
            "status",
            "outstanding_amount",
            "overdue_amount",
            "oldest_unpaid_due_on",
            "dpd",
            "bucket",
            "derived_as_of",
        ]
        read_only_fields = fields


class InstallmentSerializer(serializers.ModelSerializer):
    loan = serializers.UUIDField(source="loan.public_id", read_only=True)

    class Meta:
        model = Installment
        fields = [
            "loan",
            "number",
            "due_on",
            "principal_due",
            "interest_due",
            "fee_due",
            "amount_due",
            "paid_amount",
        ]
        read_only_fields = fields


class RepaymentSerializer(serializers.ModelSerializer):
    loan = serializers.UUIDField(source="loan.public_id", read_only=True)

    class Meta:
        model = Repayment
        fields = ["reference", "loan", "paid_on", "amount", "channel"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    borrower = serializers.UUIDField(source="borrower.public_id", read_only=True)
    borrower_name = MaskedField(mask_name, source="borrower.name")
    assigned_collector = serializers.CharField(
        source="assigned_collector.username", read_only=True, allow_null=True, default=None
    )
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Case
        fields = [
            "public_id",
            "borrower",
            "borrower_name",
            "status",
            "priority",
            "overdue_reason",
            "dpd",
            "bucket",
            "overdue_amount",
            "outstanding_amount",
            "assigned_collector",
            "team",
            "opened_on",
            "closed_on",
            "last_contact_at",
            "next_visit_at",
        ]
        read_only_fields = fields


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not know, so a misspelt field is named rather than ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and (unknown := sorted(set(data) - set(self.fields))):
            raise serializers.ValidationError({unknown[0]: [_("Unknown field.")]})
        return super().to_internal_value(data)


class RepaymentItemSerializer(StrictSerializer):
    """One repayment of a batch; `loan` is the loan's account number (the bank's key)."""

    reference = serializers.CharField(max_length=64)
    loan = serializers.CharField(max_length=32)
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    channel = serializers.ChoiceField(choices=RepaymentChannel.choices)


class BorrowerItemSerializer(StrictSerializer):
    """One borrower of a batch, keyed by the bank's customer number."""

    customer_number = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    national_id = serializers.CharField(max_length=32)
    mobile = serializers.CharField(max_length=32)
    gender = serializers.ChoiceField(choices=BorrowerGender.choices, default=BorrowerGender.UNKNOWN)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    alt_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    language = serializers.CharField(max_length=10, default="zh-hans")
    timezone = serializers.CharField(max_length=64, default="Asia/Shanghai")
    jurisdiction = serializers.ChoiceField(choices=Jurisdiction.choices, default=Jurisdiction.CN)


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField()


class CaseAssignSerializer(StrictSerializer):
    collector = serializers.CharField(max_length=150, help_text="The collector's username.")
    team = serializers.UUIDField(
        required=False, allow_null=True, help_text="Public id of the team; default: theirs."
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    error = serializers.CharField()


_DOC_FIELDS = {
    "text": partial(serializers.CharField, allow_blank=True),
    "date": serializers.DateField,
    "integer": serializers.IntegerField,
    "boolean": serializers.BooleanField,
}


def kind_item_serializer(kind) -> type[serializers.Serializer]:
    """The OpenAPI shape of one item of an import kind's batch (its file columns). Only
    for the schema: the kind's own parsers validate, exactly as for a file."""
    fields = {}
    for column in kind.columns:
        make = _DOC_FIELDS.get(column.sql_type)
        if choices := getattr(column.parse, "choices", None):
            make = partial(serializers.ChoiceField, choices=choices)
        if numeric := re.fullmatch(r"numeric\((\d+),(\d+)\)", column.sql_type):
            digits, places = int(numeric[1]), int(numeric[2])
            make = partial(serializers.DecimalField, max_digits=digits, decimal_places=places)
        options = {"required": column.required}
        if not column.required:
            options["allow_null"] = True  # null, "" or left out: the column's default
        fields[column.name] = make(**options)
    name = f"{kind.name.title().rstrip('s')}ItemSerializer"
    doc = f"One row of the {kind.name} batch: a row of the {kind.name} file (docs/import.md)."
    return type(name, (StrictSerializer,), {**fields, "__doc__": doc})
