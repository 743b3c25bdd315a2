"""Allocate unassigned open cases: `manage.py allocate_cases [--team NAME] [--dry-run]`.

Without --team every team is allocated, one after the other. Prints one summary line per
team; exit code 1 with one line on bad input (an unknown team).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from collections_app.models import Team
from collections_app.services.allocation import allocate_cases


class Command(BaseCommand):
    help = "Assign teams' unassigned open cases to their collectors within capacity."

    def add_arguments(self, parser):
        parser.add_argument("--team", help="the team's name (default: every team)")
        parser.add_argument("--dry-run", action="store_true", help="plan only, save nothing")

    def handle(self, *args, team, dry_run, **options):
        teams = Team.objects.order_by("name")
        if team is not None:
            teams = teams.filter(name=team.strip())
            if not teams:
                raise CommandError(f"No team named {team!r}.")
        for each in teams:
            plan = allocate_cases(team=each, by=None, now=timezone.now(), dry_run=dry_run)
            self.stdout.write(plan.summary())
