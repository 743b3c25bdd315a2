"""compliance.services.flags: assign, investigate, resolve; forward-only status, audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.models import AuditEvent, Flag
from compliance.services.audit import audit_verify
from compliance.services.flags import flag_assign, flag_investigate, flag_resolve
from tests import factories as f

from .conftest import SUBMITTED

pytestmark = pytest.mark.django_db

LATER = SUBMITTED + timedelta(days=1)
ROOT = "The collector lost his temper after a refusal."
ACTION = "Written warning; conduct retraining booked."


@pytest.fixture
def flag(flagged_visit):
    return Flag.objects.get(visit=flagged_visit, rule="PROHIBITED_CONDUCT")


@pytest.fixture
def colleague(db):
    return f.make_user(role="compliance", username="officer2")


@pytest.fixture
def investigating(flag, compliance_officer):
    return flag_investigate(flag=flag, by=compliance_officer, now=LATER)


def events(flag) -> list[tuple[str, dict]]:
    rows = AuditEvent.objects.filter(object_type="compliance.flag", object_id=str(flag.public_id))
    return [(e.action, e.data) for e in rows.order_by("id")]


def resolve(flag, by, disposition="confirmed_breach", root_cause=ROOT, corrective_action=ACTION):
    return flag_resolve(
        flag=flag,
        by=by,
        now=LATER,
        disposition=disposition,
        root_cause=root_cause,
        corrective_action=corrective_action,
    )


def test_the_real_flow_raised_open_unassigned_flags(flagged_visit):
    flags = Flag.objects.filter(visit=flagged_visit)
    assert {x.rule for x in flags} == {"PROHIBITED_CONDUCT", "RECORDING_ATTACHED"}
    assert {(x.status, x.assigned_to_id) for x in flags} == {("open", None)}


# Assign


def test_assign_to_an_officer_is_audited(flag, compliance_officer, colleague):
    flag_assign(flag=flag, officer=colleague, by=compliance_officer, now=LATER)
    flag.refresh_from_db()
    assert (flag.assigned_to, flag.status) == (colleague, "open")
    flag_assign(flag=flag, officer=compliance_officer, by=compliance_officer, now=LATER)
    flag.refresh_from_db()
    assert flag.assigned_to == compliance_officer
    assert events(flag)[1:] == [
        ("flag.assigned", {"to": colleague.pk, "from": None}),
        ("flag.assigned", {"to": compliance_officer.pk, "from": colleague.pk}),
    ]


def test_assigning_the_same_officer_again_changes_nothing(flag, compliance_officer):
    flag_assign(flag=flag, officer=compliance_officer, by=compliance_officer, now=LATER)
    flag_assign(flag=flag, officer=compliance_officer, by=compliance_officer, now=LATER)
    assert [action for action, _data in events(flag)] == ["flag.raised", "flag.assigned"]


@pytest.mark.parametrize("persona", ["agent", "supervisor", "admin_user", "outsider"])
def test_only_compliance_officers_are_assignees(flag, compliance_officer, persona, request):
    person = request.getfixturevalue(persona)
    with pytest.raises(ValidationError) as error:
        flag_assign(flag=flag, officer=person, by=compliance_officer, now=LATER)
    assert set(error.value.message_dict) == {"officer"}
    flag.refresh_from_db()
    assert flag.assigned_to is None


def test_an_inactive_officer_is_not_an_assignee(flag, compliance_officer, colleague):
    colleague.is_active = False
    colleague.save()
    with pytest.raises(ValidationError):
        flag_assign(flag=flag, officer=colleague, by=compliance_officer, now=LATER)


def test_admin_may_assign(flag, admin_user, compliance_officer):
    flag_assign(flag=flag, officer=compliance_officer, by=admin_user, now=LATER)
    flag.refresh_from_db()
    assert flag.assigned_to == compliance_officer


@pytest.mark.parametrize("persona", ["agent", "supervisor", "outsider"])
def test_only_officers_act_on_flags(flag, compliance_officer, persona, request):
    person = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        flag_assign(flag=flag, officer=compliance_officer, by=person, now=LATER)
    with pytest.raises(PermissionDenied):
        flag_investigate(flag=flag, by=person, now=LATER)
    with pytest.raises(PermissionDenied):
        resolve(flag, person)
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("open", None)
    assert len(events(flag)) == 1


def test_a_resolved_flag_is_not_assigned(investigating, compliance_officer, colleague):
    resolve(investigating, compliance_officer)
    with pytest.raises(ValidationError):
        flag_assign(flag=investigating, officer=colleague, by=compliance_officer, now=LATER)


# Investigate


def test_investigating_an_unassigned_flag_takes_it(flag, compliance_officer):
    flag_investigate(flag=flag, by=compliance_officer, now=LATER)
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("investigating", compliance_officer)
    assert events(flag)[-1] == (
        "flag.investigating",
        {"from": "open", "to": "investigating", "assignee": compliance_officer.pk},
    )


def test_investigating_keeps_the_assignee(flag, compliance_officer, colleague):
    flag_assign(flag=flag, officer=colleague, by=compliance_officer, now=LATER)
    flag_investigate(flag=flag, by=compliance_officer, now=LATER)
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("investigating", colleague)


def test_an_admin_investigating_leaves_the_flag_unassigned(flag, admin_user):
    flag_investigate(flag=flag, by=admin_user, now=LATER)
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("investigating", None)


def test_investigating_only_from_open(investigating, compliance_officer):
    with pytest.raises(ValidationError):
        flag_investigate(flag=investigating, by=compliance_officer, now=LATER)
    resolve(investigating, compliance_officer)
    with pytest.raises(ValidationError):
        flag_investigate(flag=investigating, by=compliance_officer, now=LATER)
    investigating.refresh_from_db()
    assert investigating.status == "resolved"


# Resolve


def test_resolving_records_the_outcome_and_audits_no_text(investigating, compliance_officer):
    resolve(investigating, compliance_officer, root_cause=f"  {ROOT} ")
    flag = Flag.objects.get(pk=investigating.pk)
    assert (flag.status, flag.disposition, flag.resolved_at) == (
        "resolved",
        "confirmed_breach",
        LATER,
    )
    assert (flag.root_cause, flag.corrective_action) == (ROOT, ACTION)
    assert events(flag)[-1] == (
        "flag.resolved",
        {"from": "investigating", "to": "resolved", "disposition": "confirmed_breach"},
    )
    assert [action for action, _data in events(flag)] == [
        "flag.raised",
        "flag.investigating",
        "flag.resolved",
    ]
    assert audit_verify().ok


def test_an_open_flag_is_investigated_before_it_is_resolved(flag, compliance_officer):
    with pytest.raises(ValidationError):
        resolve(flag, compliance_officer)
    flag.refresh_from_db()
    assert (flag.status, flag.disposition) == ("open", "")


def test_a_resolved_flag_stays_resolved(investigating, compliance_officer):
    resolve(investigating, compliance_officer)
    with pytest.raises(ValidationError):
        resolve(investigating, compliance_officer, disposition="no_breach")
    investigating.refresh_from_db()
    assert investigating.disposition == "confirmed_breach"


@pytest.mark.parametrize(
    ("disposition", "root_cause", "corrective_action", "errors"),
    [
        ("", ROOT, ACTION, {"disposition"}),
        ("maybe", ROOT, ACTION, {"disposition"}),
        ("confirmed_breach", "", ACTION, {"root_cause"}),
        ("confirmed_breach", ROOT, "   ", {"corrective_action"}),
        ("confirmed_breach", " ", "", {"root_cause", "corrective_action"}),
        ("no_breach", "", "", {"root_cause"}),
        ("no_breach", ROOT, "", None),
        ("false_positive", "", "", None),
        ("false_positive", ROOT, ACTION, None),
    ],
)
def test_what_each_disposition_needs(
    investigating, compliance_officer, disposition, root_cause, corrective_action, errors
):
    if errors is None:
        resolve(investigating, compliance_officer, disposition, root_cause, corrective_action)
        investigating.refresh_from_db()
        assert (investigating.status, investigating.disposition) == ("resolved", disposition)
        return
    with pytest.raises(ValidationError) as error:
        resolve(investigating, compliance_officer, disposition, root_cause, corrective_action)
    assert set(error.value.message_dict) == errors
    investigating.refresh_from_db()
    assert (investigating.status, investigating.disposition) == ("investigating", "")
