"""The core ledger: borrowers, loans, repayments, cases, teams."""

from .api_tokens import ApiToken
from .base import Bucket, TimeStampedModel
from .borrowers import (
    FLAG_FIELDS,
    Address,
    Borrower,
    Consent,
    ContactPerson,
    Jurisdiction,
    LocationType,
    SensitiveDate,
)
from .cases import (
    Case,
    CaseAssignment,
    PromiseToPay,
    RepaymentPlan,
    RepaymentPlanInstallment,
)
from .contacts import CallRecord
from .imports import ImportJob
from .loans import BucketChange, Installment, Loan, Repayment
from .notifications import Notification
from .staff import StaffProfile, Team

__all__ = [
    "ApiToken",
    "FLAG_FIELDS",
    "Address",
    "Borrower",
    "Bucket",
    "CallRecord",
    "BucketChange",
    "Case",
    "CaseAssignment",
    "Consent",
    "ContactPerson",
    "ImportJob",
    "Installment",
    "Jurisdiction",
    "Loan",
    "LocationType",
    "Notification",
    "PromiseToPay",
    "Repayment",
    "RepaymentPlan",
    "RepaymentPlanInstallment",
    "SensitiveDate",
    "StaffProfile",
    "Team",
    "TimeStampedModel",
]
