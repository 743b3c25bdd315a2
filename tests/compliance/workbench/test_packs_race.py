"""Two officers publishing two drafts for the same moment at once, on PostgreSQL: the unique
constraint (one published version per jurisdiction and moment) lets one through and the
other gets a field error, not a server error."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connections

from compliance.models import AuditEvent, RulePack
from compliance.services.pack_versions import Published, pack_draft_create, pack_publish
from compliance.services.packs import rulepack_in_force
from tests import factories as f
from tests.races import row_lock_marks
from tests.visits.conftest import NOW, SH

EFFECTIVE = datetime(2026, 12, 10, 0, 0, tzinfo=SH)

pytestmark = row_lock_marks("the race is on a row-level constraint")


def test_two_drafts_for_the_same_moment_one_is_published():
    officers = [f.make_user(role="compliance", username=f"officer{n}") for n in range(2)]
    source = rulepack_in_force(jurisdiction="CN", at=NOW)
    drafts = [pack_draft_create(source=source, by=o, now=NOW) for o in officers]
    barrier = threading.Barrier(2)

    def publish(n: int):
        try:
            barrier.wait()
            return pack_publish(draft=drafts[n], effective_from=EFFECTIVE, by=officers[n], now=NOW)
        except ValidationError as refused:
            return refused
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(publish, range(2)))

    published = [r for r in results if isinstance(r, Published)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(published), len(refused)) == (1, 1)
    assert "already takes effect" in str(refused[0].message_dict["effective_from"])
    assert RulePack.objects.filter(status="published", effective_from=EFFECTIVE).count() == 1
    assert RulePack.objects.filter(status="draft").count() == 1
    assert AuditEvent.objects.filter(action="rulepack.published").count() == 1
