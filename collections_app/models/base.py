"""Shared model pieces: timestamps, money fields, constraint helpers."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def public_id_field() -> models.UUIDField:
    """The identifier shown in URLs; database ids never leave the server."""
    return models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """Money is Decimal CNY with two places, never float."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


def status_valid(field: str, choices, name: str) -> models.CheckConstraint:
    """Choices alone do not restrict the data: back them with a named constraint."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def non_negative(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0}), name=name)


class Bucket(models.TextChoices):
    """Delinquency buckets by days past due (DESIGN.md §4)."""

    M0 = "M0", _("M0 current")
    M1 = "M1", _("M1 (1–30)")
    M2 = "M2", _("M2 (31–60)")
    M3 = "M3", _("M3 (61–90)")
    M4 = "M4", _("M4 (91–120)")
    M5 = "M5", _("M5 (121–150)")
    M6 = "M6", _("M6 (151–180)")
    M7 = "M7", _("M7+ (>180)")

    @classmethod
    def for_dpd(cls, dpd: int) -> "Bucket":
        if dpd <= 0:
            return cls.M0
        if dpd > 180:
            return cls.M7
        return cls(f"M{(dpd - 1) // 30 + 1}")


def optional_link(to, verbose_name, related_name: str = "+") -> models.ForeignKey:
    """An optional reference that must outlive nothing: records keep what they point to."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
    )
