"""The pure rules keep their own word lists (no Django there): they must match the models'."""

from collections_app.models.borrowers import (
    FLAG_FIELDS,
    Consent,
    Jurisdiction,
    LocationType,
    SensitiveDateReason,
)
from compliance.packs import JURISDICTIONS
from compliance.rules import base, borrower, facts, hours, people
from visits.models import NoticeChannel, VisitTarget


def test_rules_vocabulary_matches_the_models():
    assert set(facts.FLAGS) == {name for name, _label in FLAG_FIELDS} == set(borrower.FLAG_LABELS)
    assert set(facts.LOCATION_TYPES) == set(LocationType.values) == set(base.LOCATION_LABELS)
    assert set(facts.CONSENTS) == set(Consent.values) == set(people.CONSENT_LABELS)
    assert set(facts.TARGETS) == set(VisitTarget.values)
    assert set(facts.CHANNELS) == set(NoticeChannel.values)
    assert set(JURISDICTIONS) == set(Jurisdiction.values)
    assert set(hours.SENSITIVE_REASONS) == set(SensitiveDateReason.values)
