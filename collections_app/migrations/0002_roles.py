"""Create the four role groups with their permissions (DESIGN.md §1).

Object scope (whose cases) is enforced by selectors; these permissions gate actions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEDGER_VIEW = [
    "view_borrower", "view_address", "view_contactperson", "view_sensitivedate", "view_loan",
    "view_installment", "view_repayment", "view_bucketchange", "view_case",
    "view_caseassignment", "view_promisetopay", "view_repaymentplan",
    "view_repaymentplaninstallment", "view_team", "view_staffprofile",
]
FIELD_WORK = [
    "change_case", "add_promisetopay", "change_promisetopay", "add_repaymentplan",
    "change_repaymentplan", "add_repaymentplaninstallment", "change_repaymentplaninstallment",
]

ROLES = {
    "collector": [("collections_app", p) for p in LEDGER_VIEW + FIELD_WORK],
    "supervisor": [("collections_app", p) for p in LEDGER_VIEW + FIELD_WORK]
    + [("collections_app", "add_caseassignment"), ("collections_app", "reveal_pii")],
    "compliance": [("collections_app", p) for p in LEDGER_VIEW]
    + [("collections_app", "reveal_pii"), ("compliance", "view_piiaccess")],
    "admin": None,  # every permission
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        if perms is None:
            group.permissions.set(Permission.objects.all())
            continue
        wanted = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in perms
        ]
        group.permissions.set(wanted)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0001_initial"),
        ("compliance", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
