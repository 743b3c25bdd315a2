"""Score models in the admin: read their backtest; switch the active version back if needed."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ScoreModel


@admin.register(ScoreModel)
class ScoreModelAdmin(admin.ModelAdmin):
    list_display = ("version", "kind", "trained_at", "as_of", "auc", "active")
    readonly_fields = ("version", "kind", "trained_at", "as_of", "params", "metrics")

    def has_add_permission(self, request) -> bool:
        return False  # models come from train_score

    @admin.display(description=_("AUC"))
    def auc(self, obj: ScoreModel) -> str:
        return f"{obj.metrics.get('auc', 0):.3f}"
