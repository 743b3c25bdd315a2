"""Personas (healthchecks style): a collector with a case, another collector, their
supervisor, a supervisor of another team, compliance, admin, and a user with no role."""

import importlib

import pytest
from django.test import Client

from tests import factories as f

# The migrations that grant the role groups their permissions, in order.
ROLE_MIGRATIONS = (
    "collections_app.migrations.0002_roles",
    "visits.migrations.0003_role_permissions",
    "visits.migrations.0005_report_permissions",
    "compliance.migrations.0007_officer_permissions",
    "compliance.migrations.0009_evidence_pack_job",
)


@pytest.fixture(scope="module")
def restore_roles(django_db_blocker):
    """Put the role groups back after a module of transactional tests.

    Transactional tests (live_server, transactional_db) empty every table afterwards, so
    the groups that migration 0002 created would be gone for later tests and for the next
    --reuse-db run. (The migration's own function is for the historical app registry.)
    """
    yield
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    with django_db_blocker.unblock():
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        for module in ROLE_MIGRATIONS:
            for name, perms in importlib.import_module(module).ROLES.items():
                group, _created = Group.objects.get_or_create(name=name)
                if perms is None:
                    group.permissions.set(Permission.objects.all())
                    continue
                group.permissions.add(
                    *[
                        Permission.objects.get(content_type__app_label=app, codename=codename)
                        for app, codename in perms
                    ]
                )
        Group.objects.get(name="admin").permissions.set(Permission.objects.all())


@pytest.fixture
def team(db):
    return f.make_team(name="五华一组")


@pytest.fixture
def other_team(db):
    return f.make_team(name="盘龙二组")


@pytest.fixture
def supervisor(team):
    user = f.make_user(role="supervisor", username="supervisor")
    team.supervisor = user
    team.save()
    return user


@pytest.fixture
def other_supervisor(other_team):
    user = f.make_user(role="supervisor", username="other_supervisor")
    other_team.supervisor = user
    other_team.save()
    return user


@pytest.fixture
def agent(team):
    return f.make_user(role="collector", team=team, username="agent")


@pytest.fixture
def other_agent(other_team):
    return f.make_user(role="collector", team=other_team, username="other_agent")


@pytest.fixture
def compliance_officer(db):
    return f.make_user(role="compliance", username="officer")


@pytest.fixture
def admin_user(db):
    return f.make_user(role="admin", username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db):
    """Logged in, but in no role group."""
    return f.make_user(username="outsider")


@pytest.fixture
def case(agent, team):
    """An open case assigned to `agent` in `team`, with an address, a contact and a loan."""
    borrower = f.make_borrower(name="王小明", national_id="530102198805061234")
    f.make_address(borrower=borrower)
    f.make_contact(borrower=borrower)
    f.make_loan(borrower=borrower, schedule=f.monthly(f.date(2026, 1, 15), 6, "1000.00"))
    return f.make_case(borrower=borrower, assigned_collector=agent, team=team)


@pytest.fixture
def other_case(other_agent, other_team):
    borrower = f.make_borrower(name="赵六")
    f.make_address(borrower=borrower, district="盘龙区")
    return f.make_case(borrower=borrower, assigned_collector=other_agent, team=other_team)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(agent):
    return _client_for(agent)


@pytest.fixture
def other_agent_client(other_agent):
    return _client_for(other_agent)


@pytest.fixture
def supervisor_client(supervisor):
    return _client_for(supervisor)


@pytest.fixture
def other_supervisor_client(other_supervisor):
    return _client_for(other_supervisor)


@pytest.fixture
def compliance_client(compliance_officer):
    return _client_for(compliance_officer)


@pytest.fixture
def admin_client_(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)
