"""The compliance officer's workbench permissions (DESIGN.md §1)."""

import importlib

from django.db import migrations

_roles = importlib.import_module("visits.migrations.0003_role_permissions")

ROLES = {
    "compliance": [
        ("compliance", codename)
        for codename in (
            "view_flag",
            "change_flag",
            "view_complaint",
            "add_complaint",
            "change_complaint",
            "view_credential",
            "add_credential",
            "change_credential",
            "view_rulepack",
            "add_rulepack",
            "change_rulepack",
            "view_auditevent",
            "view_compliancecheck",
            "view_finding",
        )
    ],
}


def grant(apps, schema_editor):
    _roles.grant_roles(apps, ROLES)


def revoke(apps, schema_editor):
    _roles.revoke_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0006_complaint"),
        ("visits", "0005_report_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
