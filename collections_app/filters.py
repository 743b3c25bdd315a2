"""Worklist filters (django-filter). The queryset is already scoped by the selector."""

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from .models import FLAG_FIELDS, Address, Bucket, Case, PromiseToPay
from .roles import Role, role_of
from .selectors import collectors_for_user

NO_PROMISE = "none"
# The prioritised worklist: most expected recovery first (the score's probability × amount
# overdue; 0 until scored), then the worst arrears. The id makes the order total, so that
# pages and "next case" never skip or repeat a case.
DEFAULT_ORDER = ("-expected_recovery", "-dpd", "id")
# Unscored cases have no probability: last whichever way that column is sorted (PostgreSQL
# would put NULLs first when descending, SQLite when ascending).
NULLS_LAST = ("repay_probability",)


def _districts(cases) -> list[tuple[str, str]]:
    """Districts of the primary addresses of the cases in scope: what the filter matches.

    Evaluated once per request (a callable would run again for validation and rendering)
    and never offers districts from outside the user's portfolio.
    """
    districts = (
        Address.objects.filter(is_primary=True, borrower__cases__in=cases.values("pk"))
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()
    )
    return [(d, d) for d in districts]


class WorklistOrdering(django_filters.OrderingFilter):
    """The chosen sort, then the default order to break its ties."""

    def filter(self, qs, value):
        chosen = [self.get_ordering_value(p) for p in value or () if p not in EMPTY_VALUES]
        return qs.order_by(*chosen, *DEFAULT_ORDER) if chosen else qs

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        field = value.lstrip("-")
        if field in NULLS_LAST:
            return (
                F(field).desc(nulls_last=True) if value != field else F(field).asc(nulls_last=True)
            )
        return value


class WorklistFilter(django_filters.FilterSet):
    # No DISTINCT: no filter here joins a to-many relation (one primary address each).
    bucket = django_filters.MultipleChoiceFilter(
        label=_("Bucket"), choices=Bucket.choices, distinct=False
    )
    district = django_filters.ChoiceFilter(label=_("District"), method="filter_district")
    promise = django_filters.ChoiceFilter(
        label=_("Promise"),
        choices=[(NO_PROMISE, _("No promise")), *PromiseToPay.Status.choices],
        method="filter_promise",
    )
    flagged = django_filters.BooleanFilter(label=_("Flagged"), method="filter_flagged")
    collector = django_filters.ModelChoiceFilter(
        label=_("Collector"), field_name="assigned_collector", queryset=None
    )
    sort = WorklistOrdering(
        label=_("Sort by"),
        fields=(
            ("expected_recovery", "expected_recovery"),
            ("repay_probability", "probability"),
            ("dpd", "dpd"),
            ("overdue_amount", "overdue"),
            ("last_contact_at", "last_contact"),
            ("next_visit_at", "next_visit"),
            ("priority", "priority"),
        ),
        field_labels={
            "expected_recovery": _("Expected recovery"),
            "repay_probability": _("Repayment probability"),
            "dpd": _("Days past due"),
            "overdue_amount": _("Total overdue"),
            "last_contact_at": _("Last contact"),
            "next_visit_at": _("Next visit"),
            "priority": _("Priority"),
        },
    )

    class Meta:
        model = Case
        fields = []

    def __init__(self, data, *, queryset, user, **kwargs):
        # Whatever the caller's order, the worklist's own comes first: the sort adds to it.
        super().__init__(data, queryset=queryset.order_by(*DEFAULT_ORDER), **kwargs)
        self.filters["district"].extra["choices"] = _districts(self.queryset)
        if role_of(user) is Role.COLLECTOR:
            del self.filters["collector"]
        else:
            self.filters["collector"].queryset = collectors_for_user(user=user)

    def filter_district(self, queryset, name, value):
        return queryset.filter(
            borrower__addresses__is_primary=True, borrower__addresses__district=value
        )

    def filter_promise(self, queryset, name, value):
        if value == NO_PROMISE:
            return queryset.filter(promise_status__isnull=True)
        return queryset.filter(promise_status=value)

    def filter_flagged(self, queryset, name, value):
        any_flag = Q()
        for field, _label in FLAG_FIELDS:
            any_flag |= Q(**{f"borrower__{field}": True})
        return queryset.filter(any_flag) if value else queryset.exclude(any_flag)
