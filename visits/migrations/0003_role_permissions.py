"""Give the role groups their visit and override permissions (DESIGN.md §1).

Object scope (whose visits) is enforced by selectors; these permissions gate actions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VISIT_VIEW = [
    ("visits", "view_visit"),
    ("visits", "view_visitmember"),
    ("visits", "view_notice"),
    ("visits", "view_borrowerresponse"),
    ("compliance", "view_override"),
]
# Added to the groups of collections_app 0002 (admin already holds every permission).
ROLES = {
    "collector": VISIT_VIEW
    + [("visits", "add_visit"), ("visits", "change_visit"), ("compliance", "add_override")],
    "supervisor": VISIT_VIEW
    + [("visits", "add_visit"), ("visits", "change_visit"), ("compliance", "change_override")],
    "compliance": VISIT_VIEW,
}


def grant(apps, schema_editor):
    grant_roles(apps, ROLES)


def revoke(apps, schema_editor):
    revoke_roles(apps, ROLES)


def grant_roles(apps, roles: dict) -> None:
    """Add each role's permissions (later permission migrations call this too)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in roles.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in perms
            ]
        )
    admin = Group.objects.filter(name="admin").first()
    if admin is not None:
        admin.permissions.set(Permission.objects.all())


def revoke_roles(apps, roles: dict) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in roles.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label__in={app for app, _ in perms},
                    codename__in=[codename for _, codename in perms],
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0002_outbox_responses_reschedule"),
        ("compliance", "0005_override"),
        ("collections_app", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
