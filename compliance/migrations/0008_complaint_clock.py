"""The complaint register's statutory clock (issue 6 item 2): each complaint's deadline, the pack
version that set it, the last reminder, and one row per extension with its reason.

Complaints recorded before this migration (from visit reports) get the deadline of the shipped
2026.3 pack of the borrower's jurisdiction, which the same `migrate` publishes (effective from
2025-01-01): the end of the borrower's local day that many calendar days after receipt.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The shipped 2026.3 response periods, frozen here: later pack changes must not move old rows.
DAYS = {"CN": 15, "US": 30, "UK": 56, "IN": 30}


def backfill(apps, schema_editor):
    Complaint = apps.get_model("compliance", "Complaint")
    for complaint in Complaint.objects.select_related("borrower").iterator():
        borrower = complaint.borrower
        zone = ZoneInfo(borrower.timezone)
        day = complaint.received_at.astimezone(zone).date() + timedelta(
            days=DAYS[borrower.jurisdiction]
        )
        complaint.due_at = datetime.combine(day, time.max, zone)
        complaint.pack_version = f"{borrower.jurisdiction}-2026.3"
        complaint.save(update_fields=["due_at", "pack_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0007_officer_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="due_at",
            field=models.DateTimeField(null=True, verbose_name="response due"),
        ),
        migrations.AddField(
            model_name="complaint",
            name="pack_version",
            field=models.CharField(default="", max_length=32, verbose_name="rule pack version"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="complaint",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last reminder"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="complaint",
            name="due_at",
            field=models.DateTimeField(verbose_name="response due"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["due_at"],
                name="complaint_open_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.CheckConstraint(
                condition=models.Q(("due_at__gt", models.F("received_at"))),
                name="complaint_due_after_received",
            ),
        ),
        migrations.CreateModel(
            name="ComplaintExtension",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField(verbose_name="extension number")),
                ("days", models.PositiveSmallIntegerField(verbose_name="days added")),
                ("due_before", models.DateTimeField(verbose_name="due before")),
                ("due_at", models.DateTimeField(verbose_name="due after")),
                ("reason", models.TextField(verbose_name="reason")),
                ("extended_at", models.DateTimeField(verbose_name="extended at")),
                (
                    "complaint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="extensions",
                        to="compliance.complaint",
                        verbose_name="complaint",
                    ),
                ),
                (
                    "extended_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="extended by",
                    ),
                ),
            ],
            options={
                "verbose_name": "complaint extension",
                "verbose_name_plural": "complaint extensions",
                "ordering": ["complaint", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("complaint", "number"), name="complaint_extension_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("number__gte", 1)), name="complaint_extension_number"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("due_at__gt", models.F("due_before"))),
                        name="complaint_extension_later",
                    ),
                ],
            },
        ),
    ]
