"""Database-level guards (PostgreSQL only; a no-op elsewhere), DESIGN.md §6 and §7.

- compliance_auditevent is append-only: a row trigger refuses every UPDATE and DELETE.
- compliance_rulepack: once a version has left draft (published or retired) its parameters,
  version, jurisdiction and effective_from never change, it never goes back to draft, and
  only drafts can be deleted. Retiring (published -> retired) stays allowed.

TRUNCATE is deliberately not guarded: the test runner's flush uses it.
"""

from django.db import migrations

FORWARD_SQL = """
CREATE OR REPLACE FUNCTION compliance_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused on event %)', TG_OP, OLD.id;
END;
$$;

CREATE TRIGGER compliance_auditevent_append_only
BEFORE UPDATE OR DELETE ON compliance_auditevent
FOR EACH ROW EXECUTE FUNCTION compliance_auditevent_append_only();

CREATE OR REPLACE FUNCTION compliance_rulepack_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'rule pack % is %: only drafts can be deleted',
                OLD.version, OLD.status;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.status = 'draft'
        OR NEW.parameters IS DISTINCT FROM OLD.parameters
        OR NEW.version IS DISTINCT FROM OLD.version
        OR NEW.jurisdiction IS DISTINCT FROM OLD.jurisdiction
        OR NEW.effective_from IS DISTINCT FROM OLD.effective_from
    ) THEN
        RAISE EXCEPTION 'rule pack % is %: it is immutable (publish a new version instead)',
            OLD.version, OLD.status;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER compliance_rulepack_immutable
BEFORE UPDATE OR DELETE ON compliance_rulepack
FOR EACH ROW EXECUTE FUNCTION compliance_rulepack_immutable();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS compliance_rulepack_immutable ON compliance_rulepack;
DROP FUNCTION IF EXISTS compliance_rulepack_immutable();
DROP TRIGGER IF EXISTS compliance_auditevent_append_only ON compliance_auditevent;
DROP FUNCTION IF EXISTS compliance_auditevent_append_only();
"""


def _run_on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # no params: the % in RAISE stays literal

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_rule_packs_checks_credentials_flags_audit"),
    ]

    operations = [
        migrations.RunPython(_run_on_postgresql(FORWARD_SQL), _run_on_postgresql(REVERSE_SQL)),
    ]
