"""Who may use the compliance workbench (DESIGN.md §1).

Its pages are for the `compliance` role (and admin). Other roles get 403: the page exists but
is not theirs. Objects are found through the workbench's selectors, which see everything in
the bank; a missing object is 404.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from collections_app.roles import Role, role_of

WORKBENCH_ROLES = (Role.COMPLIANCE, Role.ADMIN)


def is_officer(user) -> bool:
    return role_of(user) in WORKBENCH_ROLES


def officer_required(view):
    """login_required, then 403 for any role but compliance and admin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_officer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)
