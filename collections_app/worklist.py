"""The worklist as the user filtered and sorted it, and the case that comes after a given one.

The dossier's "next case" button carries the worklist's query string (`wl`), so the next
case is the one after this in the very list the user came from, and never a case outside
their scope (the list starts from `worklist_for_user`).
"""

from uuid import UUID

from django.db.models import Window
from django.db.models.functions import Lag
from django.http import QueryDict

from .filters import WorklistFilter
from .models import Case
from .selectors import worklist_for_user


def worklist_query(raw: str) -> QueryDict:
    """The filter and sort parameters of a worklist query string, without its page."""
    query = QueryDict(raw, mutable=True)
    query.pop("page", None)
    return query


def worklist_filter(*, user, data: QueryDict) -> WorklistFilter:
    """Bad parameters are form errors and are ignored, as on the worklist page itself."""
    return WorklistFilter(data, queryset=worklist_for_user(user=user), user=user)


def worklist_next_case(*, user, case: Case, data: QueryDict) -> UUID | None:
    """The public id of the case after `case` in the user's worklist order; of the first
    case when `case` is not in the list (closed since, or filtered out); None at the end."""
    listed = worklist_filter(user=user, data=data).qs
    # Every sort key is a Case column: order the bare rows, without the list's annotations.
    cases = Case.objects.filter(pk__in=listed.values("pk")).order_by(*listed.query.order_by)
    # The row whose predecessor is `case`, in one query: Django filters on a window
    # function after computing it over the whole list.
    following = (
        cases.annotate(previous_id=Window(Lag("id"), order_by=listed.query.order_by))
        .filter(previous_id=case.pk)
        .values_list("public_id", flat=True)
        .first()
    )
    if following is not None or cases.filter(pk=case.pk).exists():
        return following
    return cases.values_list("public_id", flat=True).first()
