"""Outbox filters (django-filter). The queryset is already scoped by the selector."""

import django_filters
from django.utils.translation import gettext_lazy as _

from visits.models import NoticeChannel, NoticeStatus

GAVE_UP = "gave_up"


class NoticeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[*NoticeStatus.choices, (GAVE_UP, _("Given up"))],
        method="filter_status",
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=NoticeChannel.choices)

    def filter_status(self, queryset, name, value):
        if value == GAVE_UP:  # failed with no further attempt planned
            return queryset.filter(status=NoticeStatus.FAILED, next_attempt_at__isnull=True)
        return queryset.filter(status=value)
