"""Collectors' credentials (issue 6 §3): add, correct, revoke, import a CSV file.

Bookings read these rows through the COLLECTOR_CREDENTIALS / COLLECTOR_TRAINING rules
(compliance/facts.py), so a write here changes what the next check decides. Every write is
audited; audit data names the collector by user id and never holds the document number.
"""

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collections_app.models import Case, StaffProfile
from collections_app.roles import Role
from compliance.models import Credential
from compliance.services.audit import audit_record

User = get_user_model()

CSV_COLUMNS = (
    "employee_number",
    "kind",
    "code",
    "number",
    "valid_from",
    "valid_until",
    "case_public_id",
)
# A registry file, not a data load: big enough for every collector of a bank.
MAX_ROWS = 5000
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# What makes two credentials "the same document" (an identical row is not added twice).
IDENTITY = ("collector_id", "kind", "code", "number", "case_id", "valid_from", "valid_until")


# --------------------------------------------------------------------------------------
# One credential at a time
# --------------------------------------------------------------------------------------


@transaction.atomic
def credential_add(
    *,
    collector,
    kind: str,
    valid_from: date,
    valid_until: date,
    code: str = "",
    number: str = "",
    case: Case | None = None,
    by,
    now: datetime,
) -> Credential:
    credential = Credential(
        collector=collector,
        kind=kind,
        code=code.strip(),
        number=number.strip(),
        case=case,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    _validate(credential)
    _lock_collectors([collector.pk])
    if _identical(credential).exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This collector already has an identical credential.")}
        )
    credential.save()
    audit_record(
        actor=by, action="credential.created", obj=credential, data=_audit(credential), at=now
    )
    return credential


@transaction.atomic
def credential_update(
    *,
    credential: Credential,
    valid_from: date,
    valid_until: date,
    code: str = "",
    number: str = "",
    case: Case | None = None,
    by,
    now: datetime,
) -> Credential:
    """Correct a credential's dates, code, number or case. Collector and kind stay: a
    different document is revoked and added anew."""
    _lock_collectors([credential.collector_id])
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked:
        raise ValidationError({NON_FIELD_ERRORS: _("A revoked credential cannot be changed.")})
    before = {name: getattr(credential, name) for name in IDENTITY}
    credential.code, credential.number = code.strip(), number.strip()
    credential.case, credential.valid_from, credential.valid_until = case, valid_from, valid_until
    _validate(credential)
    if _identical(credential).exclude(pk=credential.pk).exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This collector already has an identical credential.")}
        )
    changed = sorted(
        name.removesuffix("_id") for name in IDENTITY if getattr(credential, name) != before[name]
    )
    if not changed:
        return credential
    credential.save()
    data = _audit(credential) | {"fields": changed}
    audit_record(actor=by, action="credential.changed", obj=credential, data=data, at=now)
    return credential


@transaction.atomic
def credential_revoke(*, credential: Credential, by, now: datetime, reason: str) -> Credential:
    """Withdraw a credential; it stays on record and no booking counts it any more."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked:
        raise ValidationError({NON_FIELD_ERRORS: _("This credential is already revoked.")})
    credential.revoked = True
    credential.save(update_fields=["revoked", "updated_at"])
    data = _audit(credential) | {"reason": reason.strip()}
    audit_record(actor=by, action="credential.revoked", obj=credential, data=data, at=now)
    return credential


def _validate(credential: Credential) -> None:
    """The model's constraints, plus who may hold a credential and for which case."""
    errors: dict[str, list[str]] = {}
    try:
        credential.full_clean(exclude=["collector", "case"], validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    for field, message in _rule_errors(
        collector=credential.collector,
        kind=credential.kind,
        code=credential.code,
        case=credential.case,
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
    ):
        errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)


def _rule_errors(*, collector, kind, code, case, valid_from, valid_until):
    """(field, message) for each business rule a credential breaks; shared with the import."""
    # None stands for a value the caller already reported as missing or unreadable.
    if collector is not None and not _is_collector(collector):
        yield "collector", _("Credentials are kept for users in the collector role only.")
    if kind == Credential.Kind.CERTIFICATION and not code:
        yield "code", _("A certification needs its code (for example IIBF).")
    if valid_from and valid_until and valid_until < valid_from:
        yield "valid_until", _("The end of validity is before its start.")
    if case is not None and kind is not None:
        if kind != Credential.Kind.AUTHORIZATION:
            yield "case", _("Only an authorization letter can be for one case.")
        elif collector is not None and not _same_team(collector, case):
            yield "case", _("The case is not one of the collector's team.")


def _is_collector(user) -> bool:
    # Precomputed by the import (one query for every row); one query otherwise.
    known = getattr(user, "_fv_is_collector", None)
    if known is not None:
        return known
    return user.groups.filter(name=Role.COLLECTOR).exists()


def _same_team(collector, case: Case) -> bool:
    profile = getattr(collector, "staff_profile", None)
    team_id = profile.team_id if profile is not None else None
    return team_id is not None and case.team_id == team_id


def _lock_collectors(ids) -> None:
    """Serialise writers of the same collectors' credentials until the transaction ends, so
    two identical adds (a double submit, two uploads of one file) cannot both pass the
    duplicate check. In id order, so that two imports cannot deadlock."""
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def _identical(credential: Credential):
    return Credential.objects.filter(
        revoked=False, **{name: getattr(credential, name) for name in IDENTITY}
    )


def _audit(credential: Credential) -> dict:
    return {
        "collector": credential.collector_id,
        "kind": credential.kind,
        "code": credential.code,
        "case": str(credential.case.public_id) if credential.case else None,
        "valid_from": credential.valid_from,
        "valid_until": credential.valid_until,
    }


# --------------------------------------------------------------------------------------
# CSV import
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file; the header is line 1
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class CredentialImport:
    rows: int
    added: int
    skipped: int  # identical to a credential already on record
    errors: tuple[RowError, ...]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """The one line an upload page or the import command ends with."""
        if self.errors:
            return ngettext(
                "%(count)d error: nothing was added.",
                "%(count)d errors: nothing was added.",
                len(self.errors),
            ) % {"count": len(self.errors)}
        if self.dry_run:
            added = ngettext(
                "Check only: %(count)d credential would be added",
                "Check only: %(count)d credentials would be added",
                self.added,
            )
        else:
            added = ngettext(
                "%(count)d credential added", "%(count)d credentials added", self.added
            )
        skipped = ngettext(
            "%(skipped)d already present", "%(skipped)d already present", self.skipped
        )
        return f"{added}, {skipped}." % {"count": self.added, "skipped": self.skipped}


@transaction.atomic
def credential_import(
    *, content: bytes, by, now: datetime, dry_run: bool = False
) -> CredentialImport:
    """Validate every row of a credentials CSV; add them all in this transaction, or none.

    A row identical to a credential on record (not revoked) is skipped and counted, so the
    same file can be uploaded twice. Errors name the line, the column, the value and why.
    """
    parsed = _parse(content)
    if isinstance(parsed, RowError):
        return CredentialImport(rows=0, added=0, skipped=0, errors=(parsed,), dry_run=dry_run)
    rows, errors = parsed
    total = len(rows) + len(errors)  # every non-blank line after the header
    lookups = _Lookups.load(rows)
    new: list[Credential] = []
    skipped = 0
    seen: dict[tuple, int] = {}  # identity -> first line that named it
    for line, row in rows:
        credential, row_errors = _row_credential(line, row, lookups)
        if credential is None:
            errors.extend(row_errors)
            continue
        key = tuple(getattr(credential, name) for name in IDENTITY)
        first = seen.setdefault(key, line)
        if first != line:
            errors.append(
                _row_error(line, "", "", _("Same credential as line %(line)d.") % {"line": first})
            )
        elif key in lookups.existing:
            skipped += 1
        elif key in lookups.revoked:
            # Adding it again would quietly undo an officer's revocation.
            errors.append(
                _row_error(
                    line,
                    "",
                    "",
                    _(
                        "An identical credential was revoked; if it is valid again, "
                        "add it through the form."
                    ),
                )
            )
        else:
            new.append(credential)
    errors.sort(key=lambda error: error.row)  # stable: a row's errors keep column order
    if errors or dry_run:
        return CredentialImport(
            rows=total,
            added=0 if errors else len(new),
            skipped=skipped,
            errors=tuple(errors),
            dry_run=dry_run,
        )
    # One insert; ids come back (PostgreSQL, SQLite >= 3.35) for one audit event each.
    Credential.objects.bulk_create(new)
    for credential in new:
        audit_record(
            actor=by,
            action="credential.created",
            obj=credential,
            data=_audit(credential) | {"source": "csv"},
            at=now,
        )
    return CredentialImport(rows=total, added=len(new), skipped=skipped, errors=(), dry_run=False)


def _row_error(line: int, column: str, value: str, reason: str) -> RowError:
    return RowError(row=line, column=column, value=value, reason=reason)


Rows = list[tuple[int, dict[str, str]]]


def _parse(content: bytes) -> tuple[Rows, list[RowError]] | RowError:
    """(line, row) pairs and the rows of the wrong shape, or the one error that makes the
    whole file unreadable (encoding, empty, header)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _row_error(
            0, "", "", _("The file is not UTF-8 text (%(error)s).") % {"error": error.reason}
        )
    if not text.strip():
        return _row_error(0, "", "", _("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: Rows = []
    errors: list[RowError] = []
    try:
        header = [name.strip().lower() for name in next(reader)]
        if header != list(CSV_COLUMNS):
            return _row_error(
                1,
                "",
                ",".join(header),
                _("The first line must be exactly: %(columns)s")
                % {"columns": ",".join(CSV_COLUMNS)},
            )
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # a blank line is not a row
            if len(rows) + len(errors) >= MAX_ROWS:
                return _row_error(
                    reader.line_num,
                    "",
                    "",
                    _("More than %(max)d rows: split the file.") % {"max": MAX_ROWS},
                )
            if len(values) != len(CSV_COLUMNS):
                errors.append(
                    _row_error(
                        reader.line_num,
                        "",
                        ",".join(values),
                        _("The line has %(count)d columns; expected %(expected)d.")
                        % {"count": len(values), "expected": len(CSV_COLUMNS)},
                    )
                )
                continue
            rows.append(
                (reader.line_num, dict(zip(CSV_COLUMNS, (v.strip() for v in values), strict=True)))
            )
    except csv.Error as error:
        return _row_error(
            reader.line_num, "", "", _("Not a readable CSV file: %(error)s") % {"error": error}
        )
    if not rows and not errors:
        return _row_error(0, "", "", _("The file has no credential rows."))
    return rows, errors


@dataclass(frozen=True)
class _Lookups:
    """Everything the rows refer to, in four queries whatever the number of rows."""

    collectors: dict[str, object]  # employee number -> user (role known)
    cases: dict[str, Case]  # public id (text) -> case
    existing: set[tuple]  # IDENTITY of credentials on record, not revoked
    revoked: set[tuple]

    @classmethod
    def load(cls, rows: Rows) -> "_Lookups":
        numbers = {row["employee_number"] for _line, row in rows}
        profiles = StaffProfile.objects.filter(employee_number__in=numbers).select_related("user")
        users = {profile.employee_number: profile.user for profile in profiles}
        in_role = set(
            User.objects.filter(
                pk__in=[user.pk for user in users.values()], groups__name=Role.COLLECTOR
            ).values_list("pk", flat=True)
        )
        for user in users.values():
            user._fv_is_collector = user.pk in in_role
        ids = {_uuid(row["case_public_id"]) for _line, row in rows} - {None}
        cases = {
            str(case.public_id): case
            for case in Case.objects.filter(public_id__in=ids).only("pk", "public_id", "team_id")
        }
        _lock_collectors([user.pk for user in users.values()])
        existing, revoked = set(), set()
        records = Credential.objects.filter(collector__in=users.values()).values_list(
            *IDENTITY, "revoked"
        )
        for *identity, is_revoked in records:
            (revoked if is_revoked else existing).add(tuple(identity))
        return cls(users, cases, existing, revoked)


def _row_credential(
    line: int, row: dict[str, str], lookups: _Lookups
) -> tuple[Credential | None, list[RowError]]:
    """The credential a row describes (None when it cannot be built) and its errors."""
    errors: list[RowError] = []

    def error(column: str, reason: str) -> None:
        errors.append(_row_error(line, column, row[column], reason))

    collector = lookups.collectors.get(row["employee_number"])
    if not row["employee_number"]:
        error("employee_number", _("Required."))
    elif collector is None:
        error("employee_number", _("No staff member has this employee number."))
    kind = row["kind"]
    if kind not in Credential.Kind.values:
        error(
            "kind",
            _("Unknown kind; use one of: %(kinds)s") % {"kinds": ", ".join(Credential.Kind.values)},
        )
        kind = None
    for column, field in (("code", "code"), ("number", "number")):
        limit = Credential._meta.get_field(field).max_length
        if len(row[column]) > limit:
            error(column, _("At most %(limit)d characters.") % {"limit": limit})
    valid_from = _date(row["valid_from"], error, "valid_from")
    valid_until = _date(row["valid_until"], error, "valid_until")
    case = None
    if row["case_public_id"]:
        case = lookups.cases.get(str(_uuid(row["case_public_id"])))
        if case is None:
            error("case_public_id", _("No case has this public id."))
    for field, reason in _rule_errors(
        collector=collector,
        kind=kind,
        code=row["code"],
        case=case,
        valid_from=valid_from,
        valid_until=valid_until,
    ):
        error(CSV_COLUMN_OF[field], reason)
    if errors:
        return None, errors
    credential = Credential(
        collector=collector,
        kind=kind,
        code=row["code"],
        number=row["number"],
        case=case,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return credential, errors


# Where a business-rule error on a model field shows in the file.
CSV_COLUMN_OF = {
    "collector": "employee_number",
    "code": "code",
    "case": "case_public_id",
    "valid_until": "valid_until",
}


def _date(value: str, error, column: str) -> date | None:
    if not value:
        error(column, _("Required."))
        return None
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        error(column, _("Not a date; write it as YYYY-MM-DD."))
        return None


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
