"""Every evaluation kept: the check (pack, facts snapshot, decision) and one row per finding."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collections_app.models.base import optional_link, public_id_field, status_valid


class CheckStage(models.TextChoices):
    PRE = "pre", _("Before the visit")
    POST = "post", _("After the visit")


class CheckDecision(models.TextChoices):
    ALLOW = "allow", _("Allow")
    REVIEW = "review", _("Review")
    BLOCK = "block", _("Block")
    CLEAR = "clear", pgettext_lazy("compliance decision", "Clear")
    FLAG = "flag", _("Flag")


class FindingOutcome(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "n/a", _("Not applicable")


class FindingSeverity(models.TextChoices):
    BLOCK = "block", _("Block")
    REVIEW = "review", _("Review")
    WARN = "warn", _("Warning")


class ComplianceCheck(models.Model):
    Stage = CheckStage
    Decision = CheckDecision

    public_id = public_id_field()
    stage = models.CharField(_("stage"), max_length=4, choices=Stage)
    borrower = models.ForeignKey(
        "collections_app.Borrower",
        verbose_name=_("borrower"),
        on_delete=models.PROTECT,
        related_name="compliance_checks",
    )
    case = optional_link("collections_app.Case", _("case"), "compliance_checks")
    visit = optional_link("visits.Visit", _("visit"), "compliance_checks")
    pack = models.ForeignKey(
        "compliance.RulePack",
        verbose_name=_("rule pack"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    pack_version = models.CharField(_("pack version"), max_length=32)
    facts = models.JSONField(_("facts snapshot"))
    decision = models.CharField(_("decision"), max_length=6, choices=Decision)
    next_allowed_start = models.DateTimeField(_("next allowed start"), null=True, blank=True)
    checked_by = optional_link(settings.AUTH_USER_MODEL, _("checked by"))
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("compliance check")
        verbose_name_plural = _("compliance checks")
        ordering = ["-checked_at", "-id"]
        constraints = [
            status_valid("stage", CheckStage, "compliancecheck_stage_valid"),
            status_valid("decision", CheckDecision, "compliancecheck_decision_valid"),
            models.CheckConstraint(
                condition=(Q(stage="pre") & Q(decision__in=["allow", "review", "block"]))
                | (Q(stage="post") & Q(decision__in=["clear", "flag"])),
                name="compliancecheck_decision_fits_stage",
            ),
        ]
        indexes = [
            # The visit page and the flag page list a visit's checks newest first.
            models.Index(fields=["visit", "-checked_at"], name="check_visit_recent"),
            models.Index(fields=["borrower", "-checked_at"], name="check_borrower_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.decision} {self.pack_version} {self.checked_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    Outcome = FindingOutcome
    Severity = FindingSeverity

    check_run = models.ForeignKey(
        ComplianceCheck, verbose_name=_("check"), on_delete=models.CASCADE, related_name="findings"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    rule = models.CharField(_("rule"), max_length=40)
    outcome = models.CharField(_("outcome"), max_length=4, choices=Outcome)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity)
    # English text as decided, plus the message id and parameters to show it in any language.
    message = models.TextField(_("message"))
    message_data = models.JSONField(_("message data"))
    citation = models.TextField(_("citation"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["check_run", "position"]
        constraints = [
            status_valid("outcome", FindingOutcome, "finding_outcome_valid"),
            status_valid("severity", FindingSeverity, "finding_severity_valid"),
            models.UniqueConstraint(
                fields=["check_run", "position"], name="finding_position_unique"
            ),
            models.UniqueConstraint(
                fields=["check_run", "rule"], name="finding_rule_once_per_check"
            ),
        ]
        indexes = [
            # Flag statistics: failures per rule.
            models.Index(fields=["rule", "outcome"], name="finding_rule_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.outcome}"

    @property
    def failed(self) -> bool:
        return self.outcome == FindingOutcome.FAIL
