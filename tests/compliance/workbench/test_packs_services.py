"""Rule-pack versions made by officers: draft, validation, diff, replay, publish, immutability.

The scenario (`booked`): three visits booked through the real flow under the CN pack in force,
all allowed. The evening ones (20:30–21:30) only draw VISIT_WINDOW's bank-policy *warning*;
a draft that closes the window at 20:00 blocks them, and leaves the 10:00 one alone.
"""

import copy
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from compliance.models import AuditEvent, ComplianceCheck, Flag, RulePack
from compliance.services.pack_versions import (
    pack_diff,
    pack_draft_create,
    pack_draft_update,
    pack_publish,
    pack_replay,
)
from compliance.services.packs import policy_for, rulepack_in_force
from tests import factories as f
from tests.compliance.workbench.conftest import NOW, START  # noqa: F401
from tests.visits.conftest import SH, crew, good_plan, home, partner  # noqa: F401
from visits.models import Visit
from visits.services.booking import VisitPlace, visit_book

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the immutability trigger exists on PostgreSQL only",
)
WINDOW_END = "rules.VISIT_WINDOW.params.end.value"
EFFECTIVE = datetime(2026, 12, 3, 0, 0, tzinfo=SH)  # between the two evening visits


def in_force() -> RulePack:
    return rulepack_in_force(jurisdiction="CN", at=NOW)


def edited(document: dict, path: str, value) -> dict:
    """A copy of `document` with the value at a dotted path replaced."""
    document = copy.deepcopy(document)
    *parents, last = path.split(".")
    node = document
    for key in parents:
        node = node[key]
    node[last] = value
    return document


def actions(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def draft(compliance_officer):
    return pack_draft_create(source=in_force(), by=compliance_officer, now=NOW)


@pytest.fixture
def early_close(draft, compliance_officer):
    """The draft with the hard window closing at 20:00 (the bank's window already does)."""
    document = edited(draft.parameters, WINDOW_END, "20:00")
    return pack_draft_update(draft=draft, document=document, by=compliance_officer, now=NOW)


@pytest.fixture
def booked(good_plan, home, agent, team):  # noqa: F811
    """morning (Wed 10:00) and thursday evening (Thu 20:30) for the `case` borrower, and a
    Wednesday-evening visit (20:30) for a second borrower of the same team."""
    morning = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    thursday = replace(good_plan, start=START + timedelta(hours=34.5))
    thursday = replace(thursday, end=thursday.start + timedelta(hours=1))
    evening = visit_book(plan=thursday, place=home, by=agent, now=NOW).visit
    borrower = f.make_borrower(name="李四")
    address = f.make_address(borrower=borrower)
    other = f.make_case(borrower=borrower, assigned_collector=agent, team=team)
    wednesday = replace(
        good_plan,
        case=other,
        start=START + timedelta(hours=10.5),
        end=START + timedelta(hours=11.5),
    )
    early = visit_book(plan=wednesday, place=VisitPlace(address=address), by=agent, now=NOW).visit
    visits = {"morning": morning, "thursday": evening, "wednesday": early}
    assert {v.status for v in visits.values()} == {Visit.Status.BOOKED}
    return visits


# --- draft -------------------------------------------------------------------------------


def test_draft_copies_the_version_in_force_names_itself_and_is_audited(draft, compliance_officer):
    source = in_force()
    assert (draft.status, draft.jurisdiction, draft.created_by) == (
        "draft",
        "CN",
        compliance_officer,
    )
    assert draft.version == f"{source.version}.1"
    assert draft.effective_from is None
    assert draft.parameters["based_on"] == source.version
    assert draft.parameters["version"] == draft.version
    assert "supersedes" not in draft.parameters
    assert draft.parameters["rules"] == source.parameters["rules"]
    event = AuditEvent.objects.get(action="rulepack.draft_created")
    assert event.data == {"version": draft.version, "based_on": source.version}
    second = pack_draft_create(source=source, by=compliance_officer, now=NOW)
    assert second.version == f"{source.version}.2"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("CN 2026 bank", "letters, digits"),
        ("US-2026.9", "Start the version with CN-"),
        ("CN-" + "9" * 40, "at most 32"),
    ],
)
def test_draft_name_must_fit(compliance_officer, version, message):
    with pytest.raises(ValidationError) as error:
        pack_draft_create(source=in_force(), by=compliance_officer, now=NOW, version=version)
    assert message in str(error.value.message_dict["version"])
    assert not RulePack.objects.filter(status="draft").exists()


def test_draft_name_is_unique_and_comes_from_a_published_version(draft, compliance_officer):
    with pytest.raises(ValidationError, match="already exists"):
        pack_draft_create(source=in_force(), by=compliance_officer, now=NOW, version=draft.version)
    with pytest.raises(ValidationError, match="published"):
        pack_draft_create(source=draft, by=compliance_officer, now=NOW)


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "error_path", "message"),
    [
        ("rules.VISIT_WINDOW.severity", "fatal", "rules.VISIT_WINDOW.severity", "expected one of"),
        (
            "rules.ADVANCE_NOTICE.params.hours.value",
            "twenty-four",
            "rules.ADVANCE_NOTICE.params.hours.value",
            "whole number",
        ),
        (WINDOW_END, "25:99", WINDOW_END, "HH:MM"),
        ("rules.VISIT_WINDOW.params.end.value", "07:00", "rules.VISIT_WINDOW.params.end", "after"),
        ("rules.TEAM_SIZE.citation", " ", "rules.TEAM_SIZE.citation", "citation is required"),
        ("rules.NO_SUCH_RULE", {"applies": True}, "rules", "unknown rules"),
        ("version", "CN-other", "version", "must stay"),
        ("pack", "US", "pack", "must stay"),
    ],
)
def test_an_invalid_document_names_the_path_and_nothing_is_saved(
    draft, compliance_officer, path, value, error_path, message
):
    before = (copy.deepcopy(draft.parameters), draft.updated_at)
    with pytest.raises(ValidationError) as error:
        pack_draft_update(
            draft=draft,
            document=edited(draft.parameters, path, value),
            by=compliance_officer,
            now=NOW,
        )
    assert message in " ".join(error.value.message_dict[error_path])
    draft.refresh_from_db()
    assert (draft.parameters, draft.updated_at) == before
    assert actions("rulepack.draft_changed") == 0


def test_a_valid_edit_is_saved_audited_and_keeps_the_source(early_close):
    assert early_close.parameters["rules"]["VISIT_WINDOW"]["params"]["end"]["value"] == "20:00"
    assert early_close.parameters["based_on"] == in_force().version
    event = AuditEvent.objects.get(action="rulepack.draft_changed")
    assert event.data == {"version": early_close.version, "paths": [WINDOW_END]}


def test_policy_cache_follows_every_edit_of_a_draft(draft, compliance_officer):
    assert policy_for(draft).rule("VISIT_WINDOW")["end"].hour == 22
    edited_once = pack_draft_update(
        draft=draft,
        document=edited(draft.parameters, WINDOW_END, "21:00"),
        by=compliance_officer,
        now=NOW,
    )
    assert policy_for(edited_once).rule("VISIT_WINDOW")["end"].hour == 21
    again = pack_draft_update(
        draft=edited_once,
        document=edited(edited_once.parameters, WINDOW_END, "20:00"),
        by=compliance_officer,
        now=NOW,
    )
    assert policy_for(RulePack.objects.get(pk=again.pk)).rule("VISIT_WINDOW")["end"].hour == 20


# --- diff --------------------------------------------------------------------------------


def test_diff_lists_every_changed_leaf_with_old_and_new(draft, compliance_officer):
    document = edited(draft.parameters, WINDOW_END, "20:00")
    document = edited(document, "rules.SENSITIVE_DATE.severity", "block")
    document = edited(document, "rules.RECORDER_REQUIRED.applies", False)
    document = edited(document, "rules.DISPUTE_OPEN.params.flags.value", ["disputed"])
    document = edited(document, "rules.TEAM_SIZE.citation", "Bank policy 2027")
    draft = pack_draft_update(draft=draft, document=document, by=compliance_officer, now=NOW)
    source = in_force()

    changes = pack_diff(old=source.parameters, new=draft.parameters)

    old_flags = source.parameters["rules"]["DISPUTE_OPEN"]["params"]["flags"]["value"]
    recorder = source.parameters["rules"]["RECORDER_REQUIRED"]["applies"]
    assert recorder is True  # the shipped CN pack requires a recorder
    assert [(c.path, c.rule, c.old_text, c.new_text) for c in changes] == [
        (WINDOW_END, "VISIT_WINDOW", "22:00", "20:00"),
        ("rules.SENSITIVE_DATE.severity", "SENSITIVE_DATE", "review", "block"),
        (
            "rules.TEAM_SIZE.citation",
            "TEAM_SIZE",
            source.parameters["rules"]["TEAM_SIZE"]["citation"],
            "Bank policy 2027",
        ),
        (
            "rules.DISPUTE_OPEN.params.flags.value",
            "DISPUTE_OPEN",
            ", ".join(old_flags),
            "disputed",
        ),
        ("rules.RECORDER_REQUIRED.applies", "RECORDER_REQUIRED", "yes", "no"),
    ]


def test_diff_of_an_untouched_draft_is_empty_and_sections_count(draft):
    assert pack_diff(old=in_force().parameters, new=draft.parameters) == []
    document = copy.deepcopy(draft.parameters)
    document["complaints"]["params"]["max_days"]["value"] = 45
    document["escalation"] = {"contact": "compliance desk"}
    assert [
        (c.path, c.old_text, c.new_text) for c in pack_diff(old=draft.parameters, new=document)
    ] == [
        ("complaints.params.max_days.value", "60", "45"),
        ("escalation", "(absent)", "contact: compliance desk"),
    ]


# --- replay ------------------------------------------------------------------------------


def test_replay_lists_only_the_visits_whose_decision_changes(booked, early_close):
    checks, events = ComplianceCheck.objects.count(), AuditEvent.objects.count()

    replay = pack_replay(draft=early_close, now=NOW)

    assert replay.baseline == in_force()
    assert (replay.evaluated, replay.unchanged, len(replay.changed)) == (3, 1, 2)
    assert [row.visit for row in replay.changed] == [booked["wednesday"], booked["thursday"]]
    for row in replay.changed:
        assert (row.old, row.new, row.worse) == ("allow", "block", True)
        assert [(c.rule, c.old, c.new) for c in row.rules] == [("VISIT_WINDOW", "warn", "block")]
    assert replay.by_kind == [("allow", "block", 2)]
    # Read-only.
    assert (ComplianceCheck.objects.count(), AuditEvent.objects.count()) == (checks, events)


def test_replay_skips_past_cancelled_and_other_jurisdictions(booked, early_close):
    booked["thursday"].status = Visit.Status.CANCELLED
    booked["thursday"].save()
    borrower = booked["wednesday"].borrower
    borrower.jurisdiction = "US"
    borrower.save()
    assert pack_replay(draft=early_close, now=NOW).evaluated == 1
    later = START + timedelta(hours=1)  # the morning visit has started
    assert pack_replay(draft=early_close, now=later).evaluated == 0


def test_replay_of_an_unchanged_draft_changes_nothing(booked, draft):
    replay = pack_replay(draft=draft, now=NOW)
    assert (replay.evaluated, replay.unchanged, replay.changed) == (3, 3, [])


def test_replay_skips_the_facts_when_no_pre_rule_decides_differently(
    booked, draft, compliance_officer, django_assert_max_num_queries
):
    document = edited(draft.parameters, "rules.VISIT_WINDOW.citation", "Bank policy 2027")
    document = edited(document, "rules.REPORT_TIMELY.params.hours.value", 12)  # a post rule
    draft = pack_draft_update(draft=draft, document=document, by=compliance_officer, now=NOW)
    with django_assert_max_num_queries(2):  # the version in force, the count
        replay = pack_replay(draft=draft, now=NOW)
    assert (replay.evaluated, replay.unchanged, replay.changed) == (3, 3, [])
    done = pack_publish(draft=draft, effective_from=NOW, by=compliance_officer, now=NOW)
    assert done.flags == ()


# --- publish -----------------------------------------------------------------------------


def test_publish_keeps_the_old_version_until_the_date_and_flags_the_stricter_visits(
    booked, early_close, compliance_officer
):
    old = in_force()
    old_policy = policy_for(old)
    assert old_policy.rule("VISIT_WINDOW")["end"].hour == 22

    done = pack_publish(draft=early_close, effective_from=EFFECTIVE, by=compliance_officer, now=NOW)

    pack = RulePack.objects.get(pk=early_close.pk)
    assert (pack.status, pack.effective_from, pack.published_at) == ("published", EFFECTIVE, NOW)
    assert done.replaced == old
    # The old version stays published and answers until the new one's date, and for history.
    old.refresh_from_db()
    assert old.status == "published"
    assert rulepack_in_force(jurisdiction="CN", at=EFFECTIVE - timedelta(seconds=1)) == old
    now_in_force = rulepack_in_force(jurisdiction="CN", at=EFFECTIVE)
    assert now_in_force == pack
    assert policy_for(now_in_force).rule("VISIT_WINDOW")["end"].hour == 20  # nothing stale
    event = AuditEvent.objects.get(action="rulepack.published")
    assert (event.actor_id, event.object_id) == (compliance_officer.pk, str(pack.pk))
    assert event.data == {
        "version": pack.version,
        "effective_from": EFFECTIVE.isoformat(),
        "based_on": old.version,
        "replaces": old.version,
    }
    # Only the stricter visit on or after the effective date is flagged (Wednesday's is before).
    flag = Flag.objects.get()
    assert done.flags == (flag,)
    evening = booked["thursday"]
    assert (flag.visit, flag.case, flag.borrower) == (evening, evening.case, evening.borrower)
    assert (flag.rule, flag.severity, flag.status) == ("VISIT_WINDOW", "block", "open")
    assert pack.version in flag.summary and "20:00" in flag.summary
    check = flag.finding.check_run
    assert (check.visit, check.pack, check.decision, check.stage) == (evening, pack, "block", "pre")
    assert check.checked_by == compliance_officer
    raised = AuditEvent.objects.get(action="flag.raised")
    assert raised.data == {
        "rule": "VISIT_WINDOW",
        "visit": str(evening.public_id),
        "pack": pack.version,
    }


def test_publish_from_now_flags_every_stricter_visit_once(booked, early_close, compliance_officer):
    done = pack_publish(draft=early_close, effective_from=NOW, by=compliance_officer, now=NOW)
    assert {f.visit for f in done.flags} == {booked["wednesday"], booked["thursday"]}
    assert rulepack_in_force(jurisdiction="CN", at=NOW) == done.pack


def test_an_open_flag_on_the_same_rule_is_not_repeated(booked, early_close, compliance_officer):
    evening = booked["thursday"]
    Flag.objects.create(
        borrower=evening.borrower, visit=evening, rule="VISIT_WINDOW", severity="block", summary="x"
    )
    done = pack_publish(draft=early_close, effective_from=EFFECTIVE, by=compliance_officer, now=NOW)
    assert done.flags == ()
    assert Flag.objects.filter(visit=evening).count() == 1


def test_no_retroactive_publishing_and_one_version_per_moment(early_close, compliance_officer):
    with pytest.raises(ValidationError) as error:
        pack_publish(
            draft=early_close,
            effective_from=NOW - timedelta(minutes=1),
            by=compliance_officer,
            now=NOW,
        )
    assert "past" in str(error.value.message_dict["effective_from"])
    other = pack_draft_create(source=in_force(), by=compliance_officer, now=NOW)
    pack_publish(draft=other, effective_from=EFFECTIVE, by=compliance_officer, now=NOW)
    with pytest.raises(ValidationError) as error:
        pack_publish(draft=early_close, effective_from=EFFECTIVE, by=compliance_officer, now=NOW)
    assert "already takes effect" in str(error.value.message_dict["effective_from"])
    early_close.refresh_from_db()
    assert early_close.status == "draft"
    assert actions("rulepack.published") == 1


def test_a_published_version_is_refused_by_the_services(early_close, compliance_officer):
    pack_publish(draft=early_close, effective_from=EFFECTIVE, by=compliance_officer, now=NOW)
    published = RulePack.objects.get(pk=early_close.pk)
    with pytest.raises(ValidationError, match="only drafts can be edited"):
        pack_draft_update(
            draft=published,
            document=edited(published.parameters, WINDOW_END, "21:00"),
            by=compliance_officer,
            now=NOW,
        )
    with pytest.raises(ValidationError, match="only drafts can be published"):
        pack_publish(
            draft=published,
            effective_from=EFFECTIVE + timedelta(days=1),
            by=compliance_officer,
            now=NOW,
        )
    published.refresh_from_db()
    assert published.parameters["rules"]["VISIT_WINDOW"]["params"]["end"]["value"] == "20:00"
    assert published.effective_from == EFFECTIVE


@postgres_only
def test_a_version_published_by_the_service_is_refused_by_the_trigger(
    early_close, compliance_officer
):
    pack_publish(draft=early_close, effective_from=EFFECTIVE, by=compliance_officer, now=NOW)
    published = RulePack.objects.get(pk=early_close.pk)
    published.parameters = edited(published.parameters, WINDOW_END, "21:00")
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        published.save()
    published.refresh_from_db()
    published.effective_from = NOW
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        published.save()
    with pytest.raises(DatabaseError, match="only drafts"), transaction.atomic():
        RulePack.objects.filter(pk=published.pk).delete()
