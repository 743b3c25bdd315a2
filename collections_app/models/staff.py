"""Teams and staff: who works which portfolio."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel, public_id_field


class Team(TimeStampedModel):
    public_id = public_id_field()
    name = models.CharField(_("name"), max_length=100, unique=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    # A supervisor may lead several teams; a team has one accountable supervisor.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    # Where the team's day routes start.
    office_address = models.CharField(_("office address"), max_length=300, blank=True)
    office_lat = models.DecimalField(
        _("office latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    office_lng = models.DecimalField(
        _("office longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    employee_number = models.CharField(_("employee number"), max_length=32, unique=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # Allocation: how many open cases a collector can work, and the district they cover.
    capacity = models.PositiveSmallIntegerField(_("case capacity"), default=40)
    district = models.CharField(_("district covered"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        ordering = ["employee_number"]

    def __str__(self) -> str:
        return f"{self.employee_number} {self.user.get_full_name() or self.user.username}"
