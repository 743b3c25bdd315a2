"""Stream a CSV file row by row, in the encoding the core system exported it in (or a
small .xlsx workbook's first sheet)."""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    value: str
    reason: str


def codec_for(encoding: str) -> str:
    """UTF-8 files may start with a BOM (Excel writes one); GBK files are read as GB18030,
    its superset, so that the odd character outside GBK still decodes."""
    name = codecs.lookup(encoding).name
    if name == "utf-8":
        return "utf-8-sig"
    if name == "gbk":
        return "gb18030"
    return name


class CsvSource:
    """Header and rows of one CSV file; never holds more than one row in memory."""

    def __init__(self, path, encoding: str = "utf-8"):
        self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.size = max(self.raw.seek(0, io.SEEK_END), 1)
        self.raw.seek(0)
        self.text = io.TextIOWrapper(self.raw, encoding=codec_for(encoding), newline="")
        self.encoding = encoding
        self.reader = csv.reader(self.text)
        self.header: list[str] = []

    def read_header(self) -> list[str]:
        self.header = [h.strip().lower() for h in next(self.reader, [])]
        return self.header

    def rows(self, errors: list) -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for number, cells in enumerate(self.reader, start=2):  # noqa: B007
                if len(cells) > 1 or (cells and cells[0].strip()):  # skip blank lines
                    yield number, cells
        except UnicodeDecodeError:
            errors.append(RowError(number + 1, "", "", f"not valid {self.encoding} text"))
        except csv.Error as exc:
            errors.append(RowError(number + 1, "", "", f"not valid CSV: {exc}"))

    def fraction_read(self) -> float:
        return min(self.raw.tell() / self.size, 1.0)

    def close(self) -> None:
        self.text.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class XlsxSource:
    """The first sheet of an .xlsx workbook, cells turned into the text a CSV would hold.

    For small files: openpyxl's read-only mode streams rows, but the zip container and
    shared strings are still read whole."""

    def __init__(self, path, encoding: str = "utf-8"):
        from openpyxl import load_workbook  # only needed for workbooks

        self.book = load_workbook(path, read_only=True, data_only=True)
        self.sheet = self.book.worksheets[0]
        self.total = max(self.sheet.max_row or 1, 1)
        self.done = 0
        self.iter = self.sheet.iter_rows(values_only=True)
        self.header: list[str] = []

    @staticmethod
    def _text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def read_header(self) -> list[str]:
        first = next(self.iter, ())
        self.header = [self._text(h).strip().lower() for h in first]
        while self.header and not self.header[-1]:
            self.header.pop()
        return self.header

    def rows(self, errors: list) -> Iterator[tuple[int, list[str]]]:
        width = len(self.header)
        for number, values in enumerate(self.iter, start=2):
            self.done = number
            cells = [self._text(v) for v in values]
            # Sheets often carry empty trailing cells; only non-empty extras are an error.
            while len(cells) > width and not cells[-1].strip():
                cells.pop()
            if any(c.strip() for c in cells):
                yield number, cells

    def fraction_read(self) -> float:
        return min(self.done / self.total, 1.0)

    def close(self) -> None:
        self.book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_source(path, encoding: str = "utf-8"):
    if str(path).lower().endswith(".xlsx"):
        return XlsxSource(path, encoding)
    return CsvSource(path, encoding)
