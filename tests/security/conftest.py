"""Fixtures of the authorization matrix and the hostile-input tests (H7's section).

Two "worlds" of the same shape: `home` belongs to the `team` fixture (collector `agent`,
supervisor `supervisor`), `other` to `other_team` (`other_agent`, `other_supervisor`). Each
holds one of every object a URL can name: borrower, case, a booked and a reported visit, a
letter notice, a pending override, evidence, a flag, a complaint, a credential, an import
job and an evidence pack. Every identifying value (names, customer numbers, public ids) is
unique to its world, so a page that shows one world's data to the other can be caught by
searching the body for the other world's markers.
"""

import hashlib
import traceback
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from collections_app.models import ImportJob
from compliance.models import (
    Complaint,
    ComplianceCheck,
    EvidencePackJob,
    Flag,
    Override,
    RulePack,
)
from compliance.services.audit import audit_record
from compliance.services.pack_versions import pack_draft_create
from tests import factories as f
from visits.models import Evidence, Notice, VisitReport

# Distinctive identifying values per world (found by substring search in response bodies).
MARKERS = {
    "home": {
        "name": "滇池甲乙丙",
        "customer_number": "CHOME0000001",
        "national_id": "530102198001010011",
    },
    "other": {
        "name": "翠湖丁戊己",
        "customer_number": "COTHR0000002",
        "national_id": "530102198002020022",
    },
}


@dataclass
class World:
    """One team's portfolio: its people and one object of every kind."""

    side: str
    collector: object
    supervisor: object
    objects: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.objects[key]

    def markers(self) -> list[str]:
        """Values that must never appear on a page of someone who cannot see this world."""
        values = [MARKERS[self.side]["name"], MARKERS[self.side]["customer_number"]]
        values += [MARKERS[self.side]["national_id"]]
        keys = ("borrower", "case", "unassigned_case", "visit", "booked_visit", "current_visit")
        for key in (*keys, "notice", "override", "evidence"):
            values.append(str(self.objects[key].public_id))
        return values


def _world(side, *, team, collector, supervisor, officer, admin, now) -> World:
    marks = MARKERS[side]
    borrower = f.make_borrower(
        name=marks["name"],
        customer_number=marks["customer_number"],
        national_id=marks["national_id"],
    )
    f.make_address(borrower=borrower)
    loan = f.make_loan(borrower=borrower, schedule=f.monthly(f.date(2026, 1, 15), 3, "1000.00"))
    f.make_repayment(loan=loan, paid_on=f.date(2026, 2, 1), amount="100.00")
    case = f.make_case(borrower=borrower, assigned_collector=collector, team=team)
    # Waiting for allocation: in the team, nobody's yet (the supervisor sees it, the collector
    # does not), with an assignment row that names no collector.
    unassigned = f.make_case(borrower=f.make_borrower(), team=team, assigned_collector=None)
    f.make_assignment(case=unassigned, collector=None, team=team, reason="returned to the pool")
    start = now + timedelta(days=3)
    booked = f.make_visit(case=case, start=start, status="booked", members=(collector,))
    visit = f.make_visit(
        case=case, start=now - timedelta(days=2), status="reported", members=(collector,)
    )
    VisitReport.objects.create(
        visit=visit, outcome="not_home", id_shown=True, submitted_at=now - timedelta(days=2)
    )
    # Under way: check-out, the report form and evidence are open on it.
    current = f.make_visit(
        case=case, start=now - timedelta(minutes=30), status="in_progress", members=(collector,)
    )
    notice = Notice.objects.create(
        visit=booked, channel=Notice.Channel.LETTER, recipient=marks["name"], body="letter"
    )
    pack = RulePack.objects.filter(jurisdiction="CN", status=RulePack.Status.PUBLISHED).first()
    check = ComplianceCheck.objects.create(
        stage="pre",
        borrower=borrower,
        case=case,
        visit=booked,
        pack=pack,
        pack_version=pack.version,
        facts={},
        decision="review",
        checked_at=now,
    )
    override = Override.objects.create(
        visit=booked, check_run=check, requested_by=collector, justification="needed"
    )
    content = f"photo of {side}".encode()
    evidence = Evidence(
        visit=visit,
        kind="photo",
        original_name="door.jpg",
        content_type="image/jpeg",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        received_at=now,
        uploaded_by=collector,
    )
    evidence.file.save("door.jpg", ContentFile(content), save=True)
    # Home's flag is being investigated (its page shows the resolve form), the other's open.
    flag = Flag.objects.create(
        borrower=borrower,
        case=case,
        visit=visit,
        rule="PROHIBITED_CONDUCT",
        severity="block",
        summary="threat in the notes",
        status="investigating" if side == "home" else "open",
        assigned_to=officer if side == "home" else None,
    )
    complaint = Complaint.objects.create(
        borrower=borrower,
        case=case,
        channel="phone",
        category="conduct",
        received_at=now - timedelta(days=1),
        description="rude",
        pack_version=pack.version,
        due_at=now + timedelta(days=14),
    )
    credential = f.make_credential(
        collector=collector, kind="work_id", valid_until=f.date(2027, 6, 30), number=f"W-{side}"
    )
    job = ImportJob(kind="repayments", created_by=admin, status="done", summary="1 error")
    job.file.save(f"{side}.csv", ContentFile(b"reference,amount\n"), save=False)
    job.error_report.save(f"{side}-errors.csv", ContentFile(b"row,error\n"), save=False)
    job.save()
    archive = b"PK\x05\x06" + b"\0" * 18  # an empty ZIP
    pack_job = EvidencePackJob(
        requested_by=officer,
        case=case,
        status="done",
        progress=100,
        created_at=now,
        size=len(archive),
        sha256=hashlib.sha256(archive).hexdigest(),
    )
    pack_job.file.save(f"{side}.zip", ContentFile(archive), save=True)
    audit_record(actor=officer, action="case.viewed", obj=case, at=now)
    return World(
        side=side,
        collector=collector,
        supervisor=supervisor,
        objects={
            "team": team,
            "borrower": borrower,
            "loan": loan,
            "case": case,
            "unassigned_case": unassigned,
            "visit": visit,
            "booked_visit": booked,
            "current_visit": current,
            "notice": notice,
            "override": override,
            "evidence": evidence,
            "flag": flag,
            "complaint": complaint,
            "credential": credential,
            "import_job": job,
            "evidence_pack": pack_job,
            "employee_number": collector.staff_profile.employee_number,
            "audit_type": "collections_app.case",
            "audit_id": str(case.public_id),
        },
    )


@dataclass
class Worlds:
    home: World
    other: World
    draft_pack: RulePack
    published_pack: RulePack
    users: dict

    def side(self, name: str) -> World:
        return self.home if name == "home" else self.other


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def worlds(
    media_root,
    team,
    other_team,
    agent,
    other_agent,
    supervisor,
    other_supervisor,
    compliance_officer,
    admin_user,
    outsider,
) -> Worlds:
    now = timezone.now()
    common = {"officer": compliance_officer, "admin": admin_user, "now": now}
    home = _world("home", team=team, collector=agent, supervisor=supervisor, **common)
    other = _world(
        "other", team=other_team, collector=other_agent, supervisor=other_supervisor, **common
    )
    source = RulePack.objects.filter(jurisdiction="CN", status=RulePack.Status.PUBLISHED).first()
    draft = pack_draft_create(source=source, by=compliance_officer, now=now)
    users = {
        "collector": agent,
        "supervisor": supervisor,
        "compliance": compliance_officer,
        "admin": admin_user,
        "no_role": outsider,
        "other_collector": other_agent,
        "other_supervisor": other_supervisor,
    }
    return Worlds(home=home, other=other, draft_pack=draft, published_pack=source, users=users)


def where_raised(error: BaseException) -> str:
    """The exception and the deepest line of our own code it passed through."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [fr for fr in frames if "/.venv/" not in fr.filename and "/tests/" not in fr.filename]
    frame = (ours or frames)[-1]
    return f"{type(error).__name__}: {error} at {frame.filename}:{frame.lineno}"


def client_for(user) -> Client:
    """A logged-in client; a view's exception is caught by the test (and reported) itself."""
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    return client


def pytest_terminal_summary(terminalreporter):
    """The size of the matrix and of the hostile input, for the issue's note."""
    from .test_authz_matrix import CHECKS
    from .test_hostile_input import SENT

    if CHECKS["requests"]:
        terminalreporter.write_line(
            "authorization matrix: {routes} routes, {route_personas} route x persona checks, "
            "{requests} requests".format(**CHECKS)
        )
    if SENT["requests"]:
        terminalreporter.write_line(f"hostile input: {SENT['requests']} requests")
