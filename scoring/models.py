"""Score models (their parameters and backtest, as data) and the per-case score history."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collections_app.models import Case
from collections_app.models.base import money_field, non_negative


class ScoreModel(models.Model):
    """One trained model. Parameters are JSON, not a pickle: an explanation is computed
    from exactly these numbers, and any tool (or auditor) can recompute a score."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    kind = models.CharField(_("kind"), max_length=40, default="logistic_regression")
    trained_at = models.DateTimeField(_("trained at"))
    as_of = models.DateField(_("data as of"))
    # features, coef, intercept, mean, scale (standardisation), label and window definitions
    params = models.JSONField(_("parameters"))
    # backtest: AUC, Brier, reliability table, DPD-only comparison, sizes, timings
    metrics = models.JSONField(_("backtest"))
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("score model")
        verbose_name_plural = _("score models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="scoremodel_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.kind})"


class CaseScore(models.Model):
    """A case's score on a day: the history shown in the dossier."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="scores"
    )
    model = models.ForeignKey(
        ScoreModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="scores"
    )
    as_of = models.DateField(_("as of"))
    scored_at = models.DateTimeField(_("scored at"))
    # A probability, not money: a float keeps intercept + contributions == logit exact.
    probability = models.FloatField(_("repayment probability"))
    expected_recovery = money_field(_("expected recovery"))
    # {"raised": [[feature, value, contribution], …], "lowered": […], "other": float}:
    # the three largest contributions each way and the sum of the rest.
    factors = models.JSONField(_("factors"))

    class Meta:
        verbose_name = _("case score")
        verbose_name_plural = _("case scores")
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "model", "as_of"], name="casescore_one_per_case_model_day"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=1),
                name="casescore_probability_range",
            ),
            non_negative("expected_recovery", "casescore_expected_recovery_non_negative"),
        ]
        indexes = [
            # Dossier panel: a case's latest scores.
            models.Index(fields=["case", "-as_of"], name="casescore_case_latest"),
            # Rescoring a day replaces that day's rows of the model.
            models.Index(fields=["model", "as_of"], name="casescore_model_day"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.as_of} {self.probability:.3f}"
