"""Working a flag: assign it to an officer, investigate it, resolve it with a disposition.

The status only moves forward, open → investigating → resolved, and every move is audited.
There is no reopening: a resolved flag is the record of what an officer decided; if the same
rule fails again on a resubmitted report, the report service raises a new flag.

Resolving (DESIGN.md §6, issue 6):
- a disposition is required: confirmed breach, no breach or false positive;
- a root cause is required unless the flag is a false positive (then the rule misfired on
  wrong or misread facts, and there was no conduct to explain; a note is welcome, not forced);
- a corrective action is required for a confirmed breach (what was done about it), and
  optional otherwise.

Any officer (compliance or admin) may act on any flag; the assignee is the one expected to,
and the audit trail says who did. Only a compliance officer can be the assignee.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.roles import Role, role_of
from compliance.access import is_officer
from compliance.models import Flag
from compliance.services.audit import audit_record

Status = Flag.Status
Disposition = Flag.Disposition


def flag_assign(*, flag: Flag, officer, by, now: datetime) -> Flag:
    """Give an open or investigating flag to a compliance officer (`by` may be the same)."""
    with transaction.atomic():
        flag = _lock(flag, by)
        if flag.status == Status.RESOLVED:
            raise ValidationError(_("A resolved flag is not assigned any more."), code="resolved")
        if not _is_compliance_officer(officer):
            raise ValidationError(
                {"officer": _("Flags are assigned to compliance officers only.")}, code="role"
            )
        if flag.assigned_to_id == officer.pk:
            return flag  # a repeated click changes nothing, so there is nothing to audit
        previous = flag.assigned_to_id
        flag.assigned_to = officer
        flag.save(update_fields=["assigned_to", "updated_at"])
        audit_record(
            actor=by,
            action="flag.assigned",
            obj=flag,
            data={"to": officer.pk, "from": previous},
            at=now,
        )
    return flag


def flag_investigate(*, flag: Flag, by, now: datetime) -> Flag:
    """open → investigating. An unassigned flag goes to the compliance officer who starts."""
    with transaction.atomic():
        flag = _lock(flag, by)
        if flag.status != Status.OPEN:
            raise ValidationError(
                _("Only an open flag can be taken into investigation; this one is %(status)s.")
                % {"status": flag.get_status_display()},
                code="not_open",
            )
        fields = ["status", "updated_at"]
        if flag.assigned_to_id is None and _is_compliance_officer(by):
            flag.assigned_to = by
            fields.append("assigned_to")
        flag.status = Status.INVESTIGATING
        flag.save(update_fields=fields)
        audit_record(
            actor=by,
            action="flag.investigating",
            obj=flag,
            data={"from": Status.OPEN, "to": Status.INVESTIGATING, "assignee": flag.assigned_to_id},
            at=now,
        )
    return flag


def flag_resolve(
    *,
    flag: Flag,
    by,
    now: datetime,
    disposition: str,
    root_cause: str,
    corrective_action: str,
) -> Flag:
    """investigating → resolved, with the disposition and what the officer found and did."""
    root_cause, corrective_action = root_cause.strip(), corrective_action.strip()
    _check_resolution(disposition, root_cause, corrective_action)
    with transaction.atomic():
        flag = _lock(flag, by)
        if flag.status != Status.INVESTIGATING:
            raise ValidationError(
                _("Start investigating the flag before resolving it; it is %(status)s.")
                % {"status": flag.get_status_display()},
                code="not_investigating",
            )
        flag.status = Status.RESOLVED
        flag.disposition = disposition
        flag.root_cause = root_cause
        flag.corrective_action = corrective_action
        flag.resolved_at = now
        flag.full_clean()
        flag.save()
        # The texts may quote the visit; the chain keeps only what was decided.
        audit_record(
            actor=by,
            action="flag.resolved",
            obj=flag,
            data={"from": Status.INVESTIGATING, "to": Status.RESOLVED, "disposition": disposition},
            at=now,
        )
    return flag


def _check_resolution(disposition: str, root_cause: str, corrective_action: str) -> None:
    errors: dict[str, str] = {}
    if disposition not in Disposition.values:
        errors["disposition"] = _("Choose a disposition.")
    elif disposition != Disposition.FALSE_POSITIVE and not root_cause:
        errors["root_cause"] = _("Say why it happened (the root cause).")
    if disposition == Disposition.CONFIRMED_BREACH and not corrective_action:
        errors["corrective_action"] = _("A confirmed breach needs the corrective action taken.")
    if errors:
        raise ValidationError(errors)


def _lock(flag: Flag, by) -> Flag:
    """The flag's row, locked until the transaction ends, so two officers cannot both move
    it; and only officers may."""
    if not is_officer(by):
        raise PermissionDenied
    return Flag.objects.select_for_update().get(pk=flag.pk)


def _is_compliance_officer(user) -> bool:
    return user is not None and user.is_active and role_of(user) is Role.COMPLIANCE
