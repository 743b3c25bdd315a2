"""The demo seed: reproducible, valid identities, a realistic spread, a careful command."""

import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings

from collections_app.demo import DemoResetRefused, seed_demo, visit_notes
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
from compliance.models import (
    AuditEvent,
    Complaint,
    ComplianceCheck,
    Credential,
    EvidencePackJob,
    Flag,
    Override,
    PiiAccess,
)
from compliance.rules.conduct import prohibited_terms
from compliance.services.audit import audit_verify
from compliance.services.evidence_packs import evidence_pack_build, evidence_pack_request
from scoring.models import CaseScore, ScoreModel
from tests import factories as f
from visits.models import Evidence, Notice, ReportReview, Visit, VisitPresence, VisitReport
from visits.selectors.dashboard import team_dashboard_for_user
from visits.selectors.reviews import reviews_for_user
from visits.services.execution import Position, visit_start
from visits.services.sending import notice_send

TODAY = date(2026, 3, 15)
SH = ZoneInfo("Asia/Shanghai")
WEEK = timedelta(days=7)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """The seed attaches a recording to past visits: keep the files out of the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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
        sorted(PromiseToPay.objects.filter(visit_reports=None).values_list("public_id")),
        sorted(
            PromiseToPay.objects.values_list(
                "case__borrower__customer_number", "amount", "due_on", "status", "paid_amount"
            )
        ),
        sorted(get_user_model().objects.values_list("username", "first_name")),
        sorted(
            Visit.objects.values_list(
                "borrower__customer_number", "planned_start", "status", "location_type"
            )
        ),
        sorted(Visit.objects.values_list("borrower__customer_number", "members__username")),
        sorted(
            VisitReport.objects.values_list(
                "visit__borrower__customer_number", "outcome", "promise_amount", "submitted_at"
            )
        ),
        sorted(ReportReview.objects.values_list("visit__planned_start", "decision", "at")),
    )


def test_same_seed_and_day_give_the_same_data(db):
    seed_demo(borrowers=40, seed=7, today=TODAY)
    first = fingerprint()
    seed_demo(borrowers=40, seed=7, today=TODAY, reset=True)
    assert fingerprint() == first
    seed_demo(borrowers=40, seed=8, today=TODAY, reset=True)
    assert fingerprint() != first


def test_resident_ids_are_valid_kunming_numbers(db):
    seed_demo(history=False, borrowers=60, seed=3, today=TODAY)
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
    seed_demo(history=False, borrowers=200, seed=2026, today=TODAY)
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


def test_late_borrowers_roll_or_roll_forward(db):
    """Some borrowers in arrears keep paying an instalment a month while staying behind
    (rollers), others stopped when the arrears began: the history the repayment-propensity
    score learns from (docs/scoring.md)."""
    seed_demo(history=False, borrowers=200, seed=2026, today=TODAY)
    recent = Q(repayments__paid_on__gt=TODAY - timedelta(days=90))
    rollers = (
        Loan.objects.filter(dpd__gt=60)
        .annotate(paid=Count("repayments", filter=recent))
        .filter(paid__gte=2)
    )
    stopped = Loan.objects.filter(dpd__gt=100).exclude(recent)
    assert rollers.count() >= 5 and stopped.count() >= 5


def test_command_trains_and_scores_the_seed(db):
    out = _Sink()
    call_command(
        "seed_demo", no_history=True, borrowers=300, seed=5, today="2026-11-27", stdout=out
    )
    assert "Trained score model v1" in out.text
    assert not Case.objects.open().filter(repay_probability=None).exists()
    assert CaseScore.objects.count() == Case.objects.open().count()
    # The reset takes the demo's scores and models with it; --no-score trains nothing.
    out = _Sink()
    call_command(
        "seed_demo",
        no_history=True,
        borrowers=300,
        seed=5,
        today="2026-11-27",
        reset=True,
        no_score=True,
        stdout=out,
    )
    assert "Trained" not in out.text
    assert not ScoreModel.objects.exists() and not CaseScore.objects.exists()


def test_command_refuses_existing_data_and_bad_arguments(db):
    call_command(
        "seed_demo", no_history=True, borrowers=5, seed=1, today="2026-03-15", stdout=_Sink()
    )
    with pytest.raises(CommandError, match="--reset"):
        call_command(
            "seed_demo", no_history=True, borrowers=5, seed=1, today="2026-03-15", stdout=_Sink()
        )
    out = _Sink()
    call_command("seed_demo", no_history=True, borrowers=5, seed=2, if_empty=True, stdout=out)
    assert "present" in out.text
    assert Borrower.objects.count() == 5  # untouched: the first seed stays
    with pytest.raises(CommandError):
        call_command("seed_demo", no_history=True, borrowers=0, reset=True, stdout=_Sink())
    with pytest.raises(CommandError):
        call_command("seed_demo", no_history=True, today="2026-02-30", reset=True, stdout=_Sink())
    parser = SeedCommand().create_parser("manage.py", "seed_demo")
    assert "--reset" in parser.format_help()
    out = _Sink()
    call_command(
        "seed_demo",
        no_history=True,
        borrowers=5,
        seed=1,
        today="2026-03-15",
        reset=True,
        stdout=out,
    )
    assert "fieldvisit-demo" in out.text
    assert get_user_model().objects.get(username="collector").check_password("fieldvisit-demo")


def _reveal(user, borrower) -> PiiAccess:
    return PiiAccess.objects.create(
        user=user, borrower=borrower, field="mobile", reason="called about the demo"
    )


def test_reset_deletes_the_demo_logins_with_their_own_access_log(
    db, media, django_capture_on_commit_callbacks
):
    seed_demo(borrowers=30, seed=1, today=TODAY)
    bystander = f.make_user(username="teller")  # a real account, not referring to demo data
    demo_supervisor = get_user_model().objects.get(username="supervisor")
    _reveal(demo_supervisor, Borrower.objects.first())
    old_ids = set(Borrower.objects.values_list("pk", flat=True))
    old_visits = set(Visit.objects.values_list("pk", flat=True))
    old_files = [media / name for name in Evidence.objects.values_list("file", flat=True)]
    # The history left reports, reviews, check-ins, recordings, flags and a complaint.
    for model in (VisitReport, ReportReview, VisitPresence, Evidence, Flag, Complaint):
        assert model.objects.filter(visit__in=old_visits).exists(), model
    assert old_files and all(path.is_file() for path in old_files)

    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(borrowers=30, seed=1, today=TODAY, reset=True)

    assert not PiiAccess.objects.exists()
    assert not old_ids & set(Borrower.objects.values_list("pk", flat=True))
    assert not Visit.objects.filter(borrower_id__in=old_ids).exists()
    assert not ComplianceCheck.objects.filter(borrower_id__in=old_ids).exists()
    for model in (VisitReport, ReportReview, VisitPresence, Evidence, Flag, Complaint):
        assert not model.objects.filter(visit__in=old_visits).exists(), model
    assert not any(path.exists() for path in old_files)  # once the reset committed
    assert get_user_model().objects.filter(pk=bystander.pk).exists()
    assert get_user_model().objects.get(username="supervisor").pk != demo_supervisor.pk


def test_reset_keeps_other_users_access_log_and_refuses(db):
    seed_demo(history=False, borrowers=5, seed=1, today=TODAY)
    auditor = f.make_user(role="compliance", username="auditor")
    access = _reveal(auditor, Borrower.objects.first())
    _reveal(get_user_model().objects.get(username="compliance"), Borrower.objects.last())
    before = fingerprint()

    with pytest.raises(CommandError, match="personal data accesses: 1"):
        call_command(
            "seed_demo", no_history=True, borrowers=5, seed=2, today="2026-03-15", reset=True
        )

    # Nothing changed: the other user's log, the demo logins' log and the demo data stay.
    assert PiiAccess.objects.filter(pk=access.pk, user=auditor).exists()
    assert PiiAccess.objects.count() == 2
    assert fingerprint() == before


def test_reset_deletes_the_demo_logins_evidence_packs_but_not_anyone_elses(
    db, media, django_capture_on_commit_callbacks
):
    seed_demo(history=False, borrowers=5, seed=1, today=TODAY)
    now = datetime.combine(TODAY, time(12), SH)
    officer = get_user_model().objects.get(username="compliance")
    job = evidence_pack_request(case=Case.objects.first(), by=officer, now=now, language="en")
    job = evidence_pack_build(job_id=job.pk, now=now)
    pack_file = media / job.file.name
    assert job.status == "done" and pack_file.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(history=False, borrowers=5, seed=1, today=TODAY, reset=True)
    assert not EvidencePackJob.objects.exists()
    assert not pack_file.exists()

    auditor = f.make_user(role="compliance", username="auditor")
    evidence_pack_request(case=Case.objects.first(), by=auditor, now=now, language="en")
    with pytest.raises(DemoResetRefused, match="evidence packs: 1"):
        seed_demo(history=False, borrowers=5, seed=1, today=TODAY, reset=True)


def test_reset_leaves_a_real_account_with_a_demo_username_alone(db):
    seed_demo(history=False, borrowers=5, seed=1, today=TODAY)
    real_admin = get_user_model().objects.get(username="admin")
    real_admin.email = "it-desk@bank.example"  # as if created by createsuperuser
    real_admin.save()
    before = fingerprint()

    with pytest.raises(DemoResetRefused, match="admin"):
        seed_demo(history=False, borrowers=5, seed=1, today=TODAY, reset=True)
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
    seed_demo(history=False, borrowers=5, seed=4, today=TODAY)
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
    seed_demo(history=False, borrowers=5, seed=1, today=TODAY)
    for team in Team.objects.all():
        assert 24.6 < team.office_lat < 26.2 and 102.4 < team.office_lng < 103.3, team.name
        assert team.office_address.startswith("昆明市")
    wuhua = Team.objects.get(name="五华一组")
    assert (round(float(wuhua.office_lat), 2), round(float(wuhua.office_lng), 2)) == (25.04, 102.71)


def test_seed_books_visits_and_one_awaiting_approval(db, client):
    summary = seed_demo(history=False, borrowers=40, seed=7, today=TODAY)
    collector = get_user_model().objects.get(username="collector")
    # The seed also records six weeks of past visits (below); these tests are about the next days.
    upcoming = Visit.objects.filter(planned_start__gte=datetime.combine(TODAY, time(9), SH))
    mine = upcoming.filter(members=collector)
    booked = mine.filter(status="booked")
    pending = Visit.objects.get(status="pending_approval")
    assert booked.count() >= 3
    assert summary.visits_booked == upcoming.filter(status="booked").count()
    assert summary.visits_pending == 1
    # The pending one: the demo collector's meeting at a public place (CN: review), with
    # the written justification on its override request and no notice yet.
    assert collector in pending.members.all() and pending.location_type == "public_place"
    override = Override.objects.get(visit=pending)
    assert override.status == "pending" and override.justification
    assert not Notice.objects.filter(visit=pending).exists()
    for visit in upcoming.prefetch_related("members", "members__staff_profile"):
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
    booked_ids = [str(v) for v in upcoming.values_list("public_id", flat=True)]
    audited = AuditEvent.objects.filter(action="visit.booked", object_id__in=booked_ids)
    assert audited.count() == summary.visits_booked
    assert not ComplianceCheck.objects.filter(visit=None).exists()
    assert audit_verify().ok

    # From the first start the demo collector's agenda and the supervisor's calendar show them.
    first = upcoming.order_by("planned_start").first()
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


# --------------------------------------------------------------------------------------
# Six weeks of past visits, replayed through the services at past times
# --------------------------------------------------------------------------------------


def _seed_morning() -> datetime:
    return datetime.combine(TODAY, time(9), SH)


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One seed for a class of tests (a seed takes seconds): each test runs in a savepoint
    inside the seed's transaction, which is rolled back after the class's last test."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with django_db_blocker.unblock(), transaction.atomic():
            yield seed_demo(borrowers=80, seed=7, today=TODAY)
            transaction.set_rollback(True)


class TestHistory:
    """The six weeks before the seed day, as the services recorded them."""

    def test_history_has_reports_at_every_stage_of_review(self, db, seeded):
        history = seeded.history
        past = Visit.objects.filter(planned_start__lt=_seed_morning())
        assert history.visits == past.count() >= 40
        statuses = Counter(past.values_list("status", flat=True))
        # Nothing is left booked or under way in the past: each visit went ahead or was cancelled.
        assert set(statuses) <= {"approved", "reported", "returned", "cancelled"}
        assert (history.approved, history.unreviewed, history.cancelled) == (
            statuses["approved"],
            statuses["reported"],
            statuses["cancelled"],
        )
        assert history.approved > history.unreviewed > 0 and history.cancelled > 0
        assert history.reported == VisitReport.objects.filter(visit__in=past).count()
        # Returned, fixed and resubmitted: reviewed twice, the second time approved.
        twice = [
            list(v.reviews.values_list("decision", flat=True))
            for v in past.filter(reviews__decision="returned").distinct()
        ]
        assert ["returned", "approved"] in twice
        assert history.returned == len(twice)
        # The demo collector has a returned report to fix; the supervisor has a review queue.
        collector = get_user_model().objects.get(username="collector")
        supervisor = get_user_model().objects.get(username="supervisor")
        assert past.filter(status="returned", members=collector).exists()
        queue = reviews_for_user(user=supervisor)
        assert queue.exists() and all(v.planned_start < _seed_morning() for v in queue)
        for visit in past.filter(status="cancelled"):
            assert visit.cancel_reason

    def test_history_goes_through_the_services_at_past_times(self, db, seeded):
        morning = _seed_morning()
        past = Visit.objects.filter(planned_start__lt=morning)
        assert past.order_by("planned_start").first().planned_start >= morning - 6 * WEEK
        # Each booking was allowed by its check, a few days ahead; no refused attempt recorded.
        assert not ComplianceCheck.objects.filter(visit=None).exists()
        for check in ComplianceCheck.objects.filter(visit__in=past, stage="pre"):
            assert check.decision == "allow"
            assert check.visit.planned_start - check.checked_at >= timedelta(days=2)
        held = past.exclude(status="cancelled").prefetch_related("presences", "notices")
        for visit in held:
            check_in, check_out = sorted(visit.presences.all(), key=lambda p: p.at)
            assert timedelta(minutes=20) <= check_out.at - check_in.at <= timedelta(minutes=50)
            assert abs(check_in.at - visit.planned_start) <= timedelta(minutes=15)
            advance = [n for n in visit.notices.all() if n.kind == "advance"]
            assert advance and all(
                visit.planned_start - n.delivered_at >= timedelta(hours=24) for n in advance
            )
            assert visit.report.submitted_at > check_out.at
        # Positions a few metres from the door, some denied, one far away.
        check_ins = VisitPresence.objects.filter(visit__in=held, kind="check_in")
        assert check_ins.filter(problem="denied").exists()
        assert check_ins.filter(distance_m__gt=700).count() == 1
        near = check_ins.exclude(problem="denied").exclude(distance_m__gt=700)
        assert all(distance <= 50 for distance in near.values_list("distance_m", flat=True))
        # A recording per visit, each its own file, except the one whose recorder failed.
        assert Evidence.objects.filter(kind="audio").values("sha256").distinct().count() == (
            Evidence.objects.count()
        )
        assert not Notice.objects.filter(visit__in=past, status="pending").exists()
        assert audit_verify().ok

    def test_history_outcomes_and_what_they_left_in_the_ledger(self, db, seeded):
        reports = VisitReport.objects.filter(visit__planned_start__lt=_seed_morning())
        outcomes = Counter(reports.values_list("outcome", flat=True))
        assert {"not_home", "promise_to_pay", "refused"} <= set(outcomes)
        assert outcomes["not_home"] >= outcomes["paid"]
        for report in reports.filter(outcome="promise_to_pay").select_related("promise", "visit"):
            assert report.promise.amount == report.promise_amount
            visit_day = report.visit.planned_start.astimezone(SH).date()
            assert report.promise_amount > 0 and report.promise_due_on >= visit_day
        for report in reports.filter(outcome="paid"):
            # Paid through an official channel at the door: the receipt is in the ledger.
            assert Repayment.objects.filter(reference__startswith=report.receipt_number).exists()
        for report in reports.filter(outcome="plan_agreed").select_related("plan"):
            assert report.plan.installments.count() == len(report.plan_installments) >= 3
        # Promises that came due have an outcome from the ledger, not "pending".
        due = PromiseToPay.objects.filter(visit_reports__isnull=False, due_on__lt=TODAY)
        assert due.exists() and not due.filter(status="pending").exists()

    def test_history_trips_the_post_visit_rules_it_was_written_to(self, db, seeded):
        rules = set(Flag.objects.values_list("rule", flat=True))
        assert {
            "PROHIBITED_CONDUCT",
            "PRESENCE_VERIFIED",
            "VULNERABILITY_OBSERVED",
            "RECORDING_ATTACHED",
        } <= rules
        assert seeded.history.flags == Flag.objects.count()
        threat = Flag.objects.get(rule="PROHIBITED_CONDUCT").visit
        assert "起诉你" in threat.report.notes
        complaint = Complaint.objects.get()
        assert complaint.visit.report.complaint == complaint and complaint.borrower.complaint_open
        observed = Borrower.objects.filter(visits__report__vulnerability_observed=True)
        assert observed.exists() and all(b.vulnerable for b in observed)
        # The report without a recording was returned, the recording added and resubmitted.
        unrecorded = Flag.objects.get(rule="RECORDING_ATTACHED").visit
        assert unrecorded.evidence.filter(kind="audio").exists()
        assert unrecorded.reviews.first().decision == "returned"

    def test_history_fills_the_supervisors_dashboard(self, db, seeded):
        supervisor = get_user_model().objects.get(username="supervisor")
        dashboard = team_dashboard_for_user(
            user=supervisor, start=TODAY - 6 * WEEK, end=TODAY, zone=SH, today=TODAY
        )
        totals = dashboard.totals
        assert totals.done > 20 and totals.cancelled > 0
        assert totals.promises_made > 0 and totals.promises_kept > 0
        assert totals.paid_at_visit > 0 and totals.flags > 0
        assert {row.collector.username for row in dashboard.collectors} >= {
            "collector",
            "collector2",
        }

    def test_history_leaves_the_upcoming_visits_alone(self, db, seeded):
        morning = _seed_morning()
        upcoming = Visit.objects.filter(planned_start__gte=morning)
        past = Visit.objects.filter(planned_start__lt=morning)
        assert not set(upcoming.values_list("borrower_id", flat=True)) & set(
            past.values_list("borrower_id", flat=True)
        )
        # The seed books the same upcoming visits with or without the history.
        assert seeded.visits_booked == upcoming.filter(status="booked").count() >= 6
        assert not Case.objects.filter(next_visit_at__lt=morning).exists()

    def test_the_demo_collector_can_start_an_upcoming_visit(self, db, seeded):
        # `make run` seeds on the day itself and sends the notices on commit, at any hour of it:
        # a visit from the day after next is 24 h away from any moment of the seed day.
        collector = get_user_model().objects.get(username="collector")
        last_moment = datetime.combine(TODAY, time(23, 59), SH)
        visit = (
            Visit.objects.filter(members=collector, status="booked")
            .filter(planned_start__gte=datetime.combine(TODAY + timedelta(days=2), time(0), SH))
            .order_by("planned_start")
            .first()
        )
        assert visit is not None
        for notice in visit.notices.all():
            notice_send(notice_id=notice.pk, now=last_moment)
        visit_start(
            visit=visit,
            by=collector,
            now=visit.planned_start,
            position=Position(lat=visit.lat, lng=visit.lng, accuracy_m=10),
        )
        visit.refresh_from_db()
        assert visit.status == "in_progress"


def test_only_the_scripted_notes_use_a_prohibited_term():
    terms = json.loads(Path("compliance/packs/cn.json").read_text())["rules"]
    terms = {k: v["value"] for k, v in terms["PROHIBITED_CONDUCT"]["params"].items()}
    written = [n for notes in visit_notes.NOTES.values() for n in notes] + [
        value
        for name, value in vars(visit_notes).items()
        if name.isupper() and isinstance(value, str) and name != "THREAT_NOTES"
    ]
    for notes in written:
        assert not prohibited_terms(notes, tuple(terms["terms_zh"]), tuple(terms["terms_en"]))
    assert prohibited_terms(visit_notes.THREAT_NOTES, tuple(terms["terms_zh"]), ())


def test_command_reports_the_history(db):
    out = _Sink()
    call_command("seed_demo", borrowers=30, seed=1, today="2026-03-15", stdout=out)
    history = Visit.objects.filter(planned_start__lt=_seed_morning())
    assert f"Recorded {history.count()} past visits" in out.text
