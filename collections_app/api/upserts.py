"""Batch upserts for integrations, idempotent by natural key (the repayment reference).

A repayment is a fact of the core banking system: a reference already recorded with the
same values is left alone (so the same batch twice changes nothing); one recorded with
other values is an error rather than a silent rewrite of the ledger. Any error → nothing
of the batch is written.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.models import Repayment
from collections_app.services.ledger import ledger_refresh

from .scope import loans_for_user

COMPARED = ("loan", "paid_on", "amount", "channel")


class ItemError(Exception):
    def __init__(self, index: int, field: str, error: str):
        super().__init__(f"[{index}].{field}: {error}")
        self.index, self.field, self.error = index, field, error


@dataclass(frozen=True)
class BatchResult:
    created: int
    unchanged: int


@transaction.atomic
def repayments_upsert(*, items: list[dict], by, as_of: date) -> BatchResult:
    """`items` are validated RepaymentItemSerializer data; loans must be in `by`'s scope."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if item["reference"] in seen:
            raise ItemError(
                index, "reference", _("Repeats item %(i)d.") % {"i": seen[item["reference"]]}
            )
        seen[item["reference"]] = index
    loans = {
        loan.account_number: loan
        for loan in loans_for_user(user=by).filter(account_number__in={i["loan"] for i in items})
    }
    existing = {
        r.reference: r
        for r in Repayment.objects.select_related("loan").filter(reference__in=list(seen))
    }
    new = []
    for index, item in enumerate(items):
        loan = loans.get(item["loan"])
        if loan is None:
            raise ItemError(index, "loan", _("No loan with this account number."))
        if (old := existing.get(item["reference"])) is not None:
            if differs := _first_difference(old, {**item, "loan": loan}):
                raise ItemError(index, differs, _("Already recorded with another value."))
            continue
        repayment = Repayment(
            loan=loan,
            reference=item["reference"],
            paid_on=item["paid_on"],
            amount=item["amount"],
            channel=item["channel"],
        )
        try:
            repayment.full_clean()
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise ItemError(index, field, messages[0]) from None
        new.append(repayment)
    if new:
        Repayment.objects.bulk_create(new)
        ledger_refresh(as_of=as_of, loan_ids=sorted({r.loan_id for r in new}))
    return BatchResult(created=len(new), unchanged=len(items) - len(new))


def _first_difference(old: Repayment, item: dict) -> str | None:
    for field in COMPARED:
        if getattr(old, field) != item[field]:
            return field
    return None
