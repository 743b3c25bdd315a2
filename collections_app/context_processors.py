from django.utils.functional import SimpleLazyObject

from .models import Notification
from .roles import LABELS, Role, role_of

BADGE_CAP = 100  # the badge counts no further: reading more ids is wasted work


def _unread(user) -> int:
    # Reads at most BADGE_CAP ids from the partial index rather than COUNT(*), so list pages
    # still run no COUNT query (DESIGN.md §3); one cheap query per page.
    if not user.is_authenticated:
        return 0
    unread = Notification.objects.for_user(user).unread()
    return len(unread.values_list("id", flat=True)[:BADGE_CAP])


def roles(request) -> dict:
    role = role_of(request.user)
    user = request.user
    return {
        "user_role": role,
        "user_role_label": LABELS.get(role, ""),
        "Role": Role,
        # Lazy: evaluated only when a page's navigation shows the badge.
        "unread_notifications": SimpleLazyObject(lambda: _unread(user)),
    }
