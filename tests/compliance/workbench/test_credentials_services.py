"""Credential services: add, correct, revoke; validation, audit, and the rules reading them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from compliance.models import AuditEvent, Credential
from compliance.services.audit import audit_verify
from compliance.services.checks import compliance_check_plan
from compliance.services.credentials import (
    credential_add,
    credential_revoke,
    credential_update,
)
from tests import factories as f
from tests.visits.conftest import NOW

FROM, UNTIL = date(2026, 1, 1), date(2027, 6, 30)


def add(collector, officer, **overrides):
    fields = {
        "collector": collector,
        "kind": "work_id",
        "valid_from": FROM,
        "valid_until": UNTIL,
        "number": "WID-001",
        "by": officer,
        "now": NOW,
    }
    fields.update(overrides)
    return credential_add(**fields)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


class TestAdd:
    def test_adds_and_audits(self, agent, compliance_officer):
        credential = add(agent, compliance_officer, code=" ", number=" WID-001 ")
        assert credential.pk and credential.number == "WID-001" and credential.code == ""
        event = AuditEvent.objects.get(action="credential.created")
        assert event.object_id == str(credential.public_id)
        assert event.actor_id == compliance_officer.pk
        assert event.data == {
            "collector": agent.pk,
            "kind": "work_id",
            "code": "",
            "case": None,
            "valid_from": "2026-01-01",
            "valid_until": "2027-06-30",
        }
        assert "WID-001" not in str(event.data)  # the document number stays out of the log
        assert audit_verify().ok

    def test_case_authorization_for_a_case_of_the_team(self, agent, compliance_officer, case):
        credential = add(agent, compliance_officer, kind="authorization", case=case)
        assert credential.case == case
        assert AuditEvent.objects.get().data["case"] == str(case.public_id)

    def test_certification_with_code(self, agent, compliance_officer):
        credential = add(agent, compliance_officer, kind="certification", code="IIBF")
        assert credential.code == "IIBF"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"valid_until": date(2025, 12, 31)}, "valid_until"),
            ({"kind": "certification"}, "code"),
            ({"kind": "badge"}, "kind"),
            ({"number": "x" * 65}, "number"),
        ],
        ids=["until-before-from", "certification-without-code", "unknown-kind", "long-number"],
    )
    def test_refuses_bad_fields(self, agent, compliance_officer, overrides, field):
        assert field in errors_of(lambda: add(agent, compliance_officer, **overrides))
        assert not Credential.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_until_equal_to_from_is_one_valid_day(self, agent, compliance_officer):
        assert add(agent, compliance_officer, valid_until=FROM).valid_until == FROM

    def test_refuses_a_collector_outside_the_collector_role(self, supervisor, compliance_officer):
        assert "collector" in errors_of(lambda: add(supervisor, compliance_officer))
        assert not Credential.objects.exists()

    def test_refuses_a_case_of_another_team(self, agent, compliance_officer, other_case):
        errors = errors_of(
            lambda: add(agent, compliance_officer, kind="authorization", case=other_case)
        )
        assert errors["case"] == ["The case is not one of the collector's team."]

    def test_refuses_a_case_when_the_collector_has_no_team(self, compliance_officer, case):
        loner = f.make_user(role="collector")
        errors = errors_of(lambda: add(loner, compliance_officer, kind="authorization", case=case))
        assert "case" in errors

    def test_refuses_a_case_on_anything_but_an_authorization(self, agent, compliance_officer, case):
        errors = errors_of(lambda: add(agent, compliance_officer, kind="training", case=case))
        assert errors["case"] == ["Only an authorization letter can be for one case."]

    def test_refuses_an_identical_credential(self, agent, compliance_officer):
        add(agent, compliance_officer)
        assert "__all__" in errors_of(lambda: add(agent, compliance_officer))
        assert Credential.objects.count() == 1

    def test_an_identical_revoked_one_may_be_added_again(self, agent, compliance_officer):
        old = add(agent, compliance_officer)
        credential_revoke(credential=old, by=compliance_officer, now=NOW, reason="lost")
        assert add(agent, compliance_officer).pk != old.pk


class TestUpdate:
    def test_changes_fields_and_audits_which(self, agent, compliance_officer, case):
        credential = add(agent, compliance_officer, kind="authorization")
        updated = credential_update(
            credential=credential,
            valid_from=FROM,
            valid_until=date(2027, 12, 31),
            number="WID-001",
            case=case,
            by=compliance_officer,
            now=NOW,
        )
        credential.refresh_from_db()
        assert updated.valid_until == credential.valid_until == date(2027, 12, 31)
        assert credential.case == case and credential.kind == "authorization"
        event = AuditEvent.objects.get(action="credential.changed")
        assert event.data["fields"] == ["case", "valid_until"]

    def test_nothing_changed_writes_nothing(self, agent, compliance_officer):
        credential = add(agent, compliance_officer)
        credential_update(
            credential=credential,
            valid_from=FROM,
            valid_until=UNTIL,
            number="WID-001",
            by=compliance_officer,
            now=NOW,
        )
        assert not AuditEvent.objects.filter(action="credential.changed").exists()

    def test_refuses_until_before_from(self, agent, compliance_officer):
        credential = add(agent, compliance_officer)
        errors = errors_of(
            lambda: credential_update(
                credential=credential,
                valid_from=UNTIL,
                valid_until=FROM,
                by=compliance_officer,
                now=NOW,
            )
        )
        assert "valid_until" in errors
        credential.refresh_from_db()
        assert credential.valid_from == FROM

    def test_refuses_to_become_identical_to_another(self, agent, compliance_officer):
        add(agent, compliance_officer)
        other = add(agent, compliance_officer, number="WID-002")
        errors = errors_of(
            lambda: credential_update(
                credential=other,
                valid_from=FROM,
                valid_until=UNTIL,
                number="WID-001",
                by=compliance_officer,
                now=NOW,
            )
        )
        assert "__all__" in errors

    def test_refuses_a_revoked_credential(self, agent, compliance_officer):
        credential = add(agent, compliance_officer)
        credential_revoke(credential=credential, by=compliance_officer, now=NOW, reason="lost")
        errors = errors_of(
            lambda: credential_update(
                credential=credential,
                valid_from=FROM,
                valid_until=date(2028, 1, 1),
                by=compliance_officer,
                now=NOW,
            )
        )
        assert "__all__" in errors


class TestRevoke:
    def test_revokes_and_audits_the_reason(self, agent, compliance_officer):
        credential = add(agent, compliance_officer)
        credential_revoke(
            credential=credential, by=compliance_officer, now=NOW, reason=" left the bank "
        )
        credential.refresh_from_db()
        assert credential.revoked
        event = AuditEvent.objects.get(action="credential.revoked")
        assert event.data["reason"] == "left the bank"
        assert event.at == NOW
        assert audit_verify().ok

    def test_twice_is_refused(self, agent, compliance_officer):
        credential = add(agent, compliance_officer)
        credential_revoke(credential=credential, by=compliance_officer, now=NOW, reason="lost")
        errors = errors_of(
            lambda: credential_revoke(
                credential=credential, by=compliance_officer, now=NOW, reason="again"
            )
        )
        assert "__all__" in errors
        assert AuditEvent.objects.filter(action="credential.revoked").count() == 1


class TestTheRulesReadTheRegistry:
    """Bookings read credentials through COLLECTOR_CREDENTIALS (compliance/facts.py)."""

    @staticmethod
    def failed(plan) -> set[str]:
        return {
            finding.rule for finding in compliance_check_plan(plan=plan, now=NOW).verdict.failed
        }

    def test_revoking_the_work_id_fails_collector_credentials(
        self, good_plan, agent, compliance_officer
    ):
        assert "COLLECTOR_CREDENTIALS" not in self.failed(good_plan)
        work_id = agent.credentials.get(kind="work_id")
        credential_revoke(credential=work_id, by=compliance_officer, now=NOW, reason="lost")
        verdict = compliance_check_plan(plan=good_plan, now=NOW).verdict
        assert "COLLECTOR_CREDENTIALS" in {finding.rule for finding in verdict.failed}
        assert verdict.decision == "block"

    def test_adding_a_renewed_training_certificate_lets_the_visit_pass(
        self, good_plan, agent, compliance_officer
    ):
        training = agent.credentials.get(kind="training")
        credential_update(
            credential=training,
            valid_from=training.valid_from,
            valid_until=date(2026, 11, 30),  # ends before the visit (2026-12-02)
            by=compliance_officer,
            now=NOW,
        )
        assert "COLLECTOR_TRAINING" in self.failed(good_plan)
        add(agent, compliance_officer, kind="training", number="TR-2", valid_until=UNTIL)
        assert "COLLECTOR_TRAINING" not in self.failed(good_plan)
