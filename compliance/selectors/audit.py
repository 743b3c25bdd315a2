"""Reading the audit log and the PII access log for the workbench (DESIGN.md §7).

Both logs only grow, and ids follow the order rows were written, so pages are keyed on the
id (`keyset_page`): no COUNT of the whole log, and a deep page costs what the first does.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from compliance.models import AuditEvent, PiiAccess


@dataclass(frozen=True)
class KeysetPage:
    items: list
    # Query parameters of the neighbouring pages ({} is the first page), None: no such page.
    next_params: dict | None
    previous_params: dict | None

    @property
    def has_other_pages(self) -> bool:
        return self.next_params is not None or self.previous_params is not None


def keyset_page(
    queryset: QuerySet,
    *,
    size: int,
    before: int | None = None,
    after: int | None = None,
    newest_first: bool = True,
) -> KeysetPage:
    """One page of `queryset` in id order, reading one row more to know whether more follow.

    `before` reads the rows with a smaller id, `after` those with a larger one; which of the
    two is "next" depends on the direction the list is shown in.
    """
    if after is not None:
        rows, descending = queryset.filter(pk__gt=after).order_by("pk"), False
    elif before is not None:
        rows, descending = queryset.filter(pk__lt=before).order_by("-pk"), True
    else:
        rows, descending = queryset.order_by("-pk" if newest_first else "pk"), newest_first
    items = list(rows[: size + 1])
    more, items = len(items) > size, items[:size]
    if descending != newest_first:
        items.reverse()
    # Reading on in the list's direction (or from its start), `more` means a next page and
    # a cursor means a previous one; reading back, the other way round.
    forward = descending == newest_first
    has_next = more if forward else True
    has_previous = (before is not None or after is not None) if forward else more
    later, earlier = ("before", "after") if newest_first else ("after", "before")
    return KeysetPage(
        items=items,
        next_params=({later: items[-1].pk} if items else {}) if has_next else None,
        previous_params=({earlier: items[0].pk} if items else {}) if has_previous else None,
    )


def audit_object_types() -> list[str]:
    """The object types the log names, for the filter's choices."""
    return list(
        AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )


def audit_event_list(
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching the filters; `action` is a prefix, `end` is exclusive."""
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_label=actor)
    if action:
        events = events.filter(action__startswith=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lt=end)
    return events


def audit_object_history(*, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id)


def pii_access_list(
    *,
    user: str = "",
    field: str = "",
    customer_number: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[PiiAccess]:
    """Reveals matching the filters, with who and whose; `end` is exclusive.

    Only the borrower's name (shown masked) and numbers are loaded, not their other data.
    """
    accesses = PiiAccess.objects.select_related("user", "borrower").only(
        "field",
        "reason",
        "accessed_at",
        "user__username",
        "user__first_name",
        "user__last_name",
        "borrower__public_id",
        "borrower__customer_number",
        "borrower__name",
    )
    if user:
        accesses = accesses.filter(user__username=user)
    if field:
        accesses = accesses.filter(field=field)
    if customer_number:
        accesses = accesses.filter(borrower__customer_number=customer_number)
    if start is not None:
        accesses = accesses.filter(accessed_at__gte=start)
    if end is not None:
        accesses = accesses.filter(accessed_at__lt=end)
    return accesses


def pii_access_for_export(**filters) -> tuple[QuerySet[PiiAccess], int]:
    """The reveals to export, newest first, and how many there are.

    Bounded by the newest id at the start, so reveals logged while the file streams do not
    change the count that the export's audit event records.
    """
    accesses = pii_access_list(**filters)
    last_id = accesses.order_by("-pk").values_list("pk", flat=True).first() or 0
    accesses = accesses.filter(pk__lte=last_id).order_by("-pk")
    return accesses, accesses.count()
