"""Evidence-pack jobs (issue 6 item 7), and the compliance role's permission to request and
see them (admin holds every permission)."""

import importlib

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

_roles = importlib.import_module("visits.migrations.0003_role_permissions")

ROLES = {
    "compliance": [
        ("compliance", "view_evidencepackjob"),
        ("compliance", "add_evidencepackjob"),
    ],
}


def grant(apps, schema_editor):
    _roles.grant_roles(apps, ROLES)


def revoke(apps, schema_editor):
    _roles.revoke_roles(apps, ROLES)


class Migration(migrations.Migration):

    dependencies = [
        ('collections_app', '0005_team_office'),
        ('compliance', '0008_complaint_clock'),
        ('visits', '0007_presence_problem_purged'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='EvidencePackJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='public id')),
                ('language', models.CharField(default='zh-hans', max_length=10, verbose_name='language')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Being built'), ('done', 'Ready'), ('failed', 'Failed'), ('purged', 'Deleted (retention period over)')], default='queued', max_length=7, verbose_name='status')),
                ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)')),
                ('file', models.FileField(blank=True, upload_to='evidence_packs/%Y/%m/', verbose_name='file')),
                ('size', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='size (bytes)')),
                ('sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256')),
                ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                ('created_at', models.DateTimeField(verbose_name='requested at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='evidence_packs', to='collections_app.case', verbose_name='case')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('visit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='evidence_packs', to='visits.visit', verbose_name='visit')),
            ],
            options={
                'verbose_name': 'evidence pack',
                'verbose_name_plural': 'evidence packs',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['-created_at'], name='evidencepack_recent')],
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed', 'purged'])), name='evidencepackjob_status_valid'), models.CheckConstraint(condition=models.Q(('progress__gte', 0), ('progress__lte', 100)), name='evidencepackjob_progress_range'), models.CheckConstraint(condition=models.Q(models.Q(('case__isnull', False), ('visit__isnull', True)), models.Q(('case__isnull', True), ('visit__isnull', False)), _connector='OR'), name='evidencepackjob_one_subject'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'done'), _negated=True), models.Q(models.Q(('file', ''), _negated=True), models.Q(('sha256', ''), _negated=True), ('progress', 100)), _connector='OR'), name='evidencepackjob_done_has_file')],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
