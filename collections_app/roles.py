"""The four roles are Django groups (created by migration 0002); one role per user."""

from enum import StrEnum, nonmember

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    COLLECTOR = "collector"
    SUPERVISOR = "supervisor"
    COMPLIANCE = "compliance"
    ADMIN = "admin"

    # Templates compare `user_role == Role.COLLECTOR`; without this Django would call the
    # class (`Role()` fails) and every such comparison would silently be false.
    do_not_call_in_templates = nonmember(True)


LABELS = {
    Role.COLLECTOR: _("Collector"),
    Role.SUPERVISOR: _("Supervisor"),
    Role.COMPLIANCE: _("Compliance officer"),
    Role.ADMIN: _("Administrator"),
}

# Highest first: a user in several groups acts with the widest role.
PRECEDENCE = (Role.ADMIN, Role.COMPLIANCE, Role.SUPERVISOR, Role.COLLECTOR)


def role_of(user) -> Role | None:
    """The user's role, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_fv_role"):
        if user.is_superuser:
            user._fv_role = Role.ADMIN
        else:
            names = {g.name for g in user.groups.all()}
            user._fv_role = next((r for r in PRECEDENCE if r.value in names), None)
    return user._fv_role
