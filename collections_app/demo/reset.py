"""Is there data in the way of a demo seed, and how to clear it."""

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from collections_app.models import (
    Address,
    Borrower,
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
    StaffProfile,
    Team,
)

from .staff import demo_usernames

# Children before parents, so plain DELETEs never trip a foreign key.
LEDGER_LEAF_FIRST = (
    RepaymentPlanInstallment,
    RepaymentPlan,
    PromiseToPay,
    CaseAssignment,
    Case,
    BucketChange,
    Repayment,
    Installment,
    Loan,
    SensitiveDate,
    ContactPerson,
    Address,
    Borrower,
)


def demo_data_present() -> bool:
    """Any ledger data, team or demo login means a seed would mix with what is there."""
    return (
        Borrower.objects.exists()
        or Team.objects.exists()
        or get_user_model().objects.filter(username__in=demo_usernames()).exists()
    )


@transaction.atomic
def demo_reset() -> None:
    """Delete every ledger row, every team and the demo logins (not other users)."""
    _delete_dependants_outside_ledger()
    with connection.cursor() as cursor:
        # One statement per table: the ORM's cascade collector would load 100k rows first.
        for model in LEDGER_LEAF_FIRST:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    StaffProfile.objects.exclude(team=None).update(team=None)
    Team.objects.all().delete()
    get_user_model().objects.filter(username__in=demo_usernames()).delete()


def _delete_dependants_outside_ledger() -> None:
    """Rows in other apps that point into the ledger (PII access log, later visits)."""
    ledger = set(LEDGER_LEAF_FIRST)
    for model in LEDGER_LEAF_FIRST:
        for relation in model._meta.related_objects:
            if relation.related_model in ledger or relation.many_to_many:
                continue
            relation.related_model._base_manager.filter(
                **{f"{relation.field.name}__isnull": False}
            ).delete()
