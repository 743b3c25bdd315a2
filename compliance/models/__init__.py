"""Compliance records: rule packs, checks and findings, credentials, flags, audit, PII access."""

from .audit import AuditEvent
from .checks import ComplianceCheck, Finding
from .credentials import Credential
from .flags import Flag
from .packs import RulePack
from .pii import PiiAccess, PiiAccessField

__all__ = [
    "AuditEvent",
    "ComplianceCheck",
    "Credential",
    "Finding",
    "Flag",
    "PiiAccess",
    "PiiAccessField",
    "RulePack",
]
