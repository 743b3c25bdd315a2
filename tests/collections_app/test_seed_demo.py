"""The demo seed: reproducible, valid identities, a realistic spread, a careful command."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from collections_app.demo import DemoResetRefused, seed_demo
from collections_app.demo.people import KUNMING_REGION_CODES, resident_id_check_digit
from collections_app.management.commands.seed_demo import Command as SeedCommand
from collections_app.models import (
    Address,
    Borrower,
    Bucket,
    Case,
    ContactPerson,
    Installment,
    Loan,
    PromiseToPay,
    Repayment,
    Team,
)
from collections_app.models.borrowers import validate_no_visit_windows
from collections_app.services.ledger import ledger_refresh
from compliance.models import AuditEvent, ComplianceCheck, Credential, Override, PiiAccess
from compliance.services.audit import audit_verify
from tests import factories as f
from visits.models import Notice, Visit

TODAY = date(2026, 3, 15)
SH = ZoneInfo("Asia/Shanghai")
WEEK = timedelta(days=7)


def fingerprint() -> tuple:
    """Natural keys and amounts only: database ids differ between runs and backends."""
    return (
        sorted(
            Borrower.objects.values_list(
                "customer_number", "name", "national_id", "mobile", "public_id"
            )
        ),
        sorted(
            Loan.objects.values_list(
                "account_number", "borrower__customer_number", "product", "principal", "public_id"
            )
        ),
        sorted(
            Installment.objects.values_list(
                "loan__account_number", "number", "due_on", "amount_due"
            )
        ),
        sorted(
            Repayment.objects.values_list("loan__account_number", "paid_on", "amount", "reference")
        ),
        sorted(
            Case.objects.values_list(
                "borrower__customer_number", "bucket", "dpd", "assigned_collector__username"
            )
        ),
        sorted(PromiseToPay.objects.values_list("public_id", "amount", "due_on", "status")),
        sorted(get_user_model().objects.values_list("username", "first_name")),
        sorted(
            Visit.objects.values_list(
                "borrower__customer_number", "planned_start", "status", "location_type"
            )
        ),
        sorted(Visit.objects.values_list("borrower__customer_number", "members__username")),
    )


def test_same_seed_and_day_give_the_same_data(db):
    seed_demo(borrowers=40, seed=7, today=TODAY)
    first = fingerprint()
    seed_demo(borrowers=40, seed=7, today=TODAY, reset=True)
    assert fingerprint() == first
    seed_demo(borrowers=40, seed=8, today=TODAY, reset=True)
    assert fingerprint() != first


def test_resident_ids_are_valid_kunming_numbers(db):
    seed_demo(borrowers=60, seed=3, today=TODAY)
    borrowers = list(Borrower.objects.all())
    for b in borrowers:
        number = b.national_id
        assert len(number) == 18 and number[:17].isdigit()
        assert number[17] == resident_id_check_digit(number[:17])
        assert number[:6] in KUNMING_REGION_CODES
        assert number[6:14] == b.date_of_birth.strftime("%Y%m%d")
        assert 22 <= (TODAY - b.date_of_birth).days // 365.25 <= 65
        assert (int(number[16]) % 2 == 1) == (b.gender == Borrower.Gender.MALE)
    guarantor_ids = ContactPerson.objects.exclude(national_id="").values_list(
        "national_id", flat=True
    )
    for number in guarantor_ids:
        assert number[17] == resident_id_check_digit(number[:17])
    ids = [b.national_id for b in borrowers] + list(guarantor_ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the sample in GB 11643-1999
        ("44052418800101001", "4"),
        ("53010219900307123", "8"),  # sum 224, 224 mod 11 = 4 → "8"
    ],
)
def test_check_digit_known_examples(first17, check):
    assert resident_id_check_digit(first17) == check


def test_spread_of_buckets_and_a_consistent_ledger(db):
    seed_demo(borrowers=200, seed=2026, today=TODAY)
    case_buckets = set(Case.objects.open().values_list("bucket", flat=True))
    assert len(case_buckets) >= 5
    assert Loan.objects.filter(bucket=Bucket.M0).exists()
    assert Borrower.objects.exclude(cases__status=Case.Status.OPEN).exists()  # current ones
    # Every delinquent borrower already has an assigned case; re-deriving changes nothing.
    assert not Case.objects.open().filter(assigned_collector=None).exists()
    allocated = dict(Installment.objects.values_list("id", "paid_amount"))
    again = ledger_refresh(as_of=TODAY)
    assert (again.cases_opened, again.bucket_changes) == (0, 0)
    assert dict(Installment.objects.values_list("id", "paid_amount")) == allocated
    assert Address.objects.filter(is_primary=True, kind="home").count() == Borrower.objects.count()
    for windows in Borrower.objects.exclude(no_visit_windows=[]).values_list(
        "no_visit_windows", flat=True
    ):
        validate_no_visit_windows(windows)
    assert {"kept", "broken", "pending"} <= set(
        PromiseToPay.objects.values_list("status", flat=True)
    )


def test_command_refuses_existing_data_and_bad_arguments(db):
    call_command("seed_demo", borrowers=5, seed=1, today="2026-03-15", stdout=_Sink())
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", borrowers=5, seed=1, today="2026-03-15", stdout=_Sink())
    out = _Sink()
    call_command("seed_demo", borrowers=5, seed=2, if_empty=True, stdout=out)
    assert "present" in out.text
    assert Borrower.objects.count() == 5  # untouched: the first seed stays
    with pytest.raises(CommandError):
        call_command("seed_demo", borrowers=0, reset=True, stdout=_Sink())
    with pytest.raises(CommandError):
        call_command("seed_demo", today="2026-02-30", reset=True, stdout=_Sink())
    parser = SeedCommand().create_parser("manage.py", "seed_demo")
    assert "--reset" in parser.format_help()
    out = _Sink()
    call_command("seed_demo", borrowers=5, seed=1, today="2026-03-15", reset=True, stdout=out)
    assert "fieldvisit-demo" in out.text
    assert get_user_model().objects.get(username="collector").check_password("fieldvisit-demo")


def _reveal(user, borrower) -> PiiAccess:
    return PiiAccess.objects.create(
        user=user, borrower=borrower, field="mobile", reason="called about the demo"
    )


def test_reset_deletes_the_demo_logins_with_their_own_access_log(db):
    seed_demo(borrowers=5, seed=1, today=TODAY)
    bystander = f.make_user(username="teller")  # a real account, not referring to demo data
    demo_supervisor = get_user_model().objects.get(username="supervisor")
    _reveal(demo_supervisor, Borrower.objects.first())
    old_ids = set(Borrower.objects.values_list("pk", flat=True))

    seed_demo(borrowers=5, seed=1, today=TODAY, reset=True)

    assert not PiiAccess.objects.exists()
    assert not old_ids & set(Borrower.objects.values_list("pk", flat=True))
    assert not Visit.objects.filter(borrower_id__in=old_ids).exists()
    assert not ComplianceCheck.objects.filter(borrower_id__in=old_ids).exists()
    assert get_user_model().objects.filter(pk=bystander.pk).exists()
    assert get_user_model().objects.get(username="supervisor").pk != demo_supervisor.pk


def test_reset_keeps_other_users_access_log_and_refuses(db):
    seed_demo(borrowers=5, seed=1, today=TODAY)
    auditor = f.make_user(role="compliance", username="auditor")
    access = _reveal(auditor, Borrower.objects.first())
    _reveal(get_user_model().objects.get(username="compliance"), Borrower.objects.last())
    before = fingerprint()

    with pytest.raises(CommandError, match="personal data accesses: 1"):
        call_command("seed_demo", borrowers=5, seed=2, today="2026-03-15", reset=True)

    # Nothing changed: the other user's log, the demo logins' log and the demo data stay.
    assert PiiAccess.objects.filter(pk=access.pk, user=auditor).exists()
    assert PiiAccess.objects.count() == 2
    assert fingerprint() == before


def test_reset_leaves_a_real_account_with_a_demo_username_alone(db):
    seed_demo(borrowers=5, seed=1, today=TODAY)
    real_admin = get_user_model().objects.get(username="admin")
    real_admin.email = "it-desk@bank.example"  # as if created by createsuperuser
    real_admin.save()
    before = fingerprint()

    with pytest.raises(DemoResetRefused, match="admin"):
        seed_demo(borrowers=5, seed=1, today=TODAY, reset=True)
    assert fingerprint() == before
    assert get_user_model().objects.filter(pk=real_admin.pk).exists()


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_collectors_get_credentials_and_the_audit_chain_records_them(db):
    seed_demo(borrowers=5, seed=4, today=TODAY)
    collectors = get_user_model().objects.filter(groups__name="collector")
    kinds = set(
        Credential.objects.filter(collector__in=collectors).values_list("collector", "kind")
    )
    assert kinds == {
        (c.pk, k) for c in collectors for k in ("work_id", "authorization", "training")
    }
    assert Credential.objects.filter(valid_until__lt=TODAY).count() == 0
    assert AuditEvent.objects.filter(action="credential.created").count() == len(kinds)
    assert audit_verify().ok


# --------------------------------------------------------------------------------------
# Demo visits: team offices, and visits booked through the real booking service
# --------------------------------------------------------------------------------------


def test_every_team_has_an_office_in_kunming(db):
    seed_demo(borrowers=5, seed=1, today=TODAY)
    for team in Team.objects.all():
        assert 24.6 < team.office_lat < 26.2 and 102.4 < team.office_lng < 103.3, team.name
        assert team.office_address.startswith("昆明市")
    wuhua = Team.objects.get(name="五华一组")
    assert (round(float(wuhua.office_lat), 2), round(float(wuhua.office_lng), 2)) == (25.04, 102.71)


def test_seed_books_visits_and_one_awaiting_approval(db, client):
    summary = seed_demo(borrowers=40, seed=7, today=TODAY)
    collector = get_user_model().objects.get(username="collector")
    mine = Visit.objects.filter(members=collector)
    booked = mine.filter(status="booked")
    pending = Visit.objects.get(status="pending_approval")
    assert booked.count() >= 3
    assert summary.visits_booked == Visit.objects.filter(status="booked").count()
    assert summary.visits_pending == 1
    # The pending one: the demo collector's meeting at a public place (CN: review), with
    # the written justification on its override request and no notice yet.
    assert collector in pending.members.all() and pending.location_type == "public_place"
    override = Override.objects.get(visit=pending)
    assert override.status == "pending" and override.justification
    assert not Notice.objects.filter(visit=pending).exists()
    for visit in Visit.objects.prefetch_related("members", "members__staff_profile"):
        # Two collectors of one team (CN team size), after the seed's day, each with its
        # recorded check and, once booked, the advance notice in the outbox.
        members = list(visit.members.all())
        assert len(members) == 2
        assert {m.staff_profile.team_id for m in members} == {visit.case.team_id}
        assert visit.planned_start.date() > TODAY
        assert visit.lat is not None and visit.lng is not None
        decision = ComplianceCheck.objects.get(visit=visit).decision
        assert decision == ("allow" if visit.status == "booked" else "review")
        if visit.status == "booked":
            assert Notice.objects.filter(visit=visit, kind="advance").exists()
    # Booked through the service: audited, and no refused attempt was recorded.
    assert AuditEvent.objects.filter(action="visit.booked").count() == summary.visits_booked
    assert not ComplianceCheck.objects.filter(visit=None).exists()
    assert audit_verify().ok

    # From the first start the demo collector's agenda and the supervisor's calendar show them.
    first = Visit.objects.order_by("planned_start").first()
    day = first.planned_start.astimezone(ZoneInfo("Asia/Shanghai")).date()
    monday = day - timedelta(days=day.weekday())
    week = (datetime.combine(monday, time(0), SH), datetime.combine(monday, time(0), SH) + WEEK)
    client.force_login(get_user_model().objects.get(username="collector"))
    page = client.get("/agenda/", {"day": day.isoformat()}).content.decode()
    assert 'data-testid="route-stops"' in page
    assert str(first.public_id) in page
    client.force_login(get_user_model().objects.get(username="supervisor"))
    page = client.get("/agenda/team/", {"week": day.isoformat()}).content.decode()
    team_week = Visit.objects.filter(case__team__name="五华一组", planned_start__range=week)
    assert team_week.count() >= 3
    assert all(str(v.public_id) in page for v in team_week)


def test_no_visits_before_the_rule_packs_take_effect(db):
    summary = seed_demo(borrowers=20, seed=3, today=date(2024, 6, 3))
    assert (summary.visits_booked, summary.visits_pending) == (0, 0)
    assert not Visit.objects.exists()
