"""Compliance records: rule packs, checks and findings, credentials, flags, overrides,
audit, PII access."""

from .audit import AuditEvent
from .checks import ComplianceCheck, Finding
from .complaints import Complaint
from .credentials import Credential
from .exports import EvidencePackJob
from .flags import Flag
from .overrides import Override, OverrideStatus
from .packs import RulePack
from .pii import PiiAccess, PiiAccessField

__all__ = [
    "AuditEvent",
    "Complaint",
    "ComplianceCheck",
    "Credential",
    "EvidencePackJob",
    "Finding",
    "Flag",
    "Override",
    "OverrideStatus",
    "PiiAccess",
    "PiiAccessField",
    "RulePack",
]
