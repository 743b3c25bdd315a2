from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_default_packs(sender, **kwargs) -> None:
    from compliance.services.packs import rulepack_load_defaults

    rulepack_load_defaults()


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Shipped pack versions are loaded on every migrate (and test flush): idempotent.
        post_migrate.connect(_load_default_packs, sender=self, dispatch_uid="compliance_packs")
