"""Is there data in the way of a demo seed, and how to clear it."""

from collections import Counter

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from collections_app.models import (
    Address,
    Borrower,
    BucketChange,
    CallRecord,
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
from compliance.models import (
    Complaint,
    ComplianceCheck,
    Credential,
    EvidencePackJob,
    Finding,
    Flag,
    Override,
    PiiAccess,
)
from compliance.models.complaints import ComplaintExtension
from scoring.models import CaseScore, ScoreModel
from visits.models import (
    BorrowerResponse,
    Evidence,
    Notice,
    ReportReview,
    Visit,
    VisitMember,
    VisitPresence,
    VisitReport,
)

from .staff import demo_logins, demo_usernames

# Visits and what hangs off them (checks, findings, flags, overrides, the outbox, borrowers'
# answers, check-ins, reports and their reviews, evidence, complaints) are about the ledger's
# borrowers and cases, so they go with it.
# Scores (and the models trained on the demo's history) are derived from the ledger too.
# Children before parents, so plain DELETEs never trip a foreign key.
LEDGER_LEAF_FIRST = (
    CaseScore,
    ScoreModel,
    Flag,
    Override,
    Finding,
    ComplianceCheck,
    BorrowerResponse,
    Notice,
    ReportReview,
    Evidence,
    VisitPresence,
    VisitReport.present.through,
    VisitReport,
    ComplaintExtension,
    Complaint,
    VisitMember,
    Visit,
    RepaymentPlanInstallment,
    RepaymentPlan,
    PromiseToPay,
    CaseAssignment,
    Case,
    BucketChange,
    Repayment,
    Installment,
    Loan,
    CallRecord,
    SensitiveDate,
    ContactPerson,
    Address,
    Borrower,
)


class DemoResetRefused(Exception):
    """Records the demo did not create stand in the way of the reset; it keeps them."""


def demo_data_present() -> bool:
    """Any ledger data, team or demo login means a seed would mix with what is there."""
    return (
        Borrower.objects.exists()
        or Team.objects.exists()
        or get_user_model().objects.filter(username__in=demo_usernames()).exists()
    )


@transaction.atomic
def demo_reset() -> None:
    """Delete what a seed creates: every ledger row (visits and their checks included) and team,
    and the demo logins.

    The demo logins go with their own personal-data access log and evidence packs. Anything
    else (another user's access log of a demo borrower or evidence pack, a real account under
    a demo username) is not demo data: the reset refuses, and changes nothing, rather than
    delete it. Files (recordings, photos, packs) are deleted once the reset has committed.
    """
    logins = demo_logins()
    _refuse_foreign_logins(logins)
    PiiAccess.objects.filter(user__in=logins).delete()
    Credential.objects.filter(collector__in=logins).delete()
    packs = EvidencePackJob.objects.filter(requested_by__in=logins)
    files = [name for name in packs.values_list("file", flat=True) if name]
    packs.delete()
    _refuse_foreign_references()
    files += list(Evidence.objects.values_list("file", flat=True))
    with connection.cursor() as cursor:
        # One statement per table: the ORM's cascade collector would load 100k rows first.
        for model in LEDGER_LEAF_FIRST:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    StaffProfile.objects.exclude(team=None).update(team=None)
    try:
        Team.objects.all().delete()
        logins.delete()
    except ProtectedError as error:
        raise DemoResetRefused(_refusal(_count_by_model(error.protected_objects))) from None
    except RestrictedError as error:
        raise DemoResetRefused(_refusal(_count_by_model(error.restricted_objects))) from None
    # The evidence files go once their rows are gone for good, not if the reset rolls back.
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    # Evidence and evidence packs both live in the default storage.
    storage = Evidence._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _refuse_foreign_logins(logins) -> None:
    """A demo username that is not a demo login (say, a real `admin`) is left alone."""
    taken = (
        get_user_model()
        .objects.filter(username__in=demo_usernames())
        .exclude(pk__in=logins.values("pk"))
        .order_by("username")
        .values_list("username", flat=True)
    )
    if taken:
        raise DemoResetRefused(
            _(
                "These accounts have a demo username but were not created by the demo: "
                "%(usernames)s. The reset leaves them alone; rename or delete them first."
            )
            % {"usernames": ", ".join(taken)}
        )


def _refuse_foreign_references() -> None:
    """Rows in other apps that point into the ledger (another user's PII access log, say).

    Their foreign keys protect the ledger rows, and the raw DELETEs in demo_reset would only
    fail at commit (the constraints are deferred), so look first and say what is in the way.
    """
    ledger = set(LEDGER_LEAF_FIRST)
    counts: dict[str, int] = {}
    for model in LEDGER_LEAF_FIRST:
        for relation in model._meta.related_objects:
            if relation.related_model in ledger or relation.many_to_many:
                continue
            rows = relation.related_model._base_manager.filter(
                **{f"{relation.field.name}__isnull": False}
            ).count()
            if rows:
                name = str(relation.related_model._meta.verbose_name_plural)
                counts[name] = counts.get(name, 0) + rows
    if counts:
        raise DemoResetRefused(_refusal(counts))


def _count_by_model(objects) -> dict[str, int]:
    counts = Counter(str(obj._meta.verbose_name_plural) for obj in objects)
    return dict(sorted(counts.items()))


def _refusal(counts: dict[str, int]) -> str:
    return _(
        "Records the demo did not create refer to the demo data (%(records)s). The reset "
        "keeps them and changes nothing; use a fresh database for the demo."
    ) % {"records": ", ".join(f"{name}: {n}" for name, n in counts.items())}
