"""Role permissions for check-in/out, reports, evidence, reviews and complaints."""

import importlib

from django.db import migrations

_roles = importlib.import_module("visits.migrations.0003_role_permissions")

REPORT_VIEW = [
    ("visits", "view_visitpresence"),
    ("visits", "view_visitreport"),
    ("visits", "view_reportreview"),
    ("visits", "view_evidence"),
    ("compliance", "view_complaint"),
]
FIELD_WORK = [
    ("visits", "add_visitpresence"),
    ("visits", "add_visitreport"),
    ("visits", "change_visitreport"),
    ("visits", "add_evidence"),
]
ROLES = {
    "collector": REPORT_VIEW + FIELD_WORK,
    "supervisor": REPORT_VIEW + FIELD_WORK + [("visits", "add_reportreview")],
    "compliance": REPORT_VIEW,
}


def grant(apps, schema_editor):
    _roles.grant_roles(apps, ROLES)


def revoke(apps, schema_editor):
    _roles.revoke_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0004_reports_presence_evidence"),
        ("compliance", "0006_complaint"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
