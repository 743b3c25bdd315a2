"""VisitPresence.problem "purged": the position was deleted after the retention period
(compliance.services.retention), DESIGN.md §7."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0006_report_drafts"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="visitpresence",
            name="visitpresence_problem_valid",
        ),
        migrations.AlterField(
            model_name="visitpresence",
            name="problem",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Position recorded"),
                    ("denied", "Location permission denied"),
                    ("unavailable", "Position unavailable"),
                    ("timeout", "Position timed out"),
                    ("unsupported", "Browser without location"),
                    ("purged", "Position deleted (retention period over)"),
                ],
                default="",
                max_length=11,
                verbose_name="location problem",
            ),
        ),
        migrations.AddConstraint(
            model_name="visitpresence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("problem__in", ["", "denied", "unavailable", "timeout", "unsupported", "purged"])
                ),
                name="visitpresence_problem_valid",
            ),
        ),
    ]
