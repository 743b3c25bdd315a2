"""Core-banking imports: streamed, validated, set-based and idempotent (docs/import.md)."""

from .kinds import KINDS
from .reading import RowError
from .report import error_report_write
from .service import ImportResult, core_import

__all__ = ["KINDS", "ImportResult", "RowError", "core_import", "error_report_write"]
