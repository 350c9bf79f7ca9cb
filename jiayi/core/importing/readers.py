"""Streaming readers for CSV (UTF-8 with or without BOM, GB18030) and XLSX.

Nothing here holds the whole file: CSV is decoded as it is read; XLSX is opened with openpyxl's
read-only mode, which parses the sheet XML as a stream. Row numbers are the spreadsheet's (the
header is row 1), so a clerk finds a rejected row in Excel by its number.
"""

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from jiayi.core.errors import ImportRejected

_CHUNK = 1 << 20
csv.field_size_limit(1 << 20)


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number, cells as text)
    total: int | None  # data rows, when known cheaply


def cell_text(value) -> str:
    """A cell as the text a clerk typed: 5.0 → "5", dates ISO, None → ""."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        if fh.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"  # what Excel in China writes for "CSV"
    return "utf-8"


def _blank(cells) -> bool:
    return not any(c.strip() for c in cells)


@contextmanager
def open_csv(path: Path):
    encoding = _detect_encoding(path)
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
        dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
        total = sum(1 for cells in csv.reader(fh, dialect) if not _blank(cells))
        fh.seek(0)
        reader = csv.reader(fh, dialect)
        try:
            headers = [h.strip() for h in next(reader)]
        except (StopIteration, UnicodeDecodeError):
            raise ImportRejected(_("文件是空的或无法读取")) from None

        def rows():
            for number, cells in enumerate(reader, start=2):
                if not _blank(cells):
                    yield number, [c.strip() for c in cells]

        yield Sheet(headers=headers, rows=rows(), total=total)


@contextmanager
def open_xlsx(path: Path):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise ImportRejected(_("无法读取Excel文件，请确认是 .xlsx 格式")) from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        try:
            headers = [cell_text(v) for v in next(it)]
        except StopIteration:
            raise ImportRejected(_("文件是空的或无法读取")) from None
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)
        total = ws.max_row - 1 if ws.max_row else None

        def rows():
            for number, values in enumerate(it, start=2):
                cells = [cell_text(v) for v in values[:width]]
                if not _blank(cells):
                    yield number, cells

        yield Sheet(headers=headers, rows=rows(), total=total)
    finally:
        wb.close()


def open_sheet(path: str | Path, name: str = ""):
    """The reader for a file, by its (original) name's extension."""
    path = Path(path)
    suffix = Path(name or path.name).suffix.lower()
    if suffix == ".xlsx":
        return open_xlsx(path)
    if suffix in (".csv", ".txt"):
        return open_csv(path)
    raise ImportRejected(_("只支持 CSV 和 XLSX 文件"))
