"""Excel export of any list: streamed rows, Chinese headers (R-EVA-8, R-INT-2)."""

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 14


def _cell_value(v):
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None) if v.tzinfo is None else dt.datetime.fromtimestamp(v.timestamp())
    if hasattr(v, "label") and isinstance(getattr(v, "label", None), str):
        return v.label
    return v if isinstance(v, int | float | dt.date | str) or v.__class__.__name__ == "Decimal" else str(v)


def write_xlsx(columns: list[Column], rows: Iterable[Any], *, title: str = "Sheet1") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, c in enumerate(columns):
        ws.column_dimensions[chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26)].width = c.width
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=str(c.header))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_cell_value(c.value(row)) for c in columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(
    filename: str, columns: list[Column], rows: Iterable[Any], *, title: str = "Sheet1"
) -> HttpResponse:
    """An XLSX download; `filename` may be Chinese (RFC 5987 encoded)."""
    data = write_xlsx(columns, rows, title=title)
    response = HttpResponse(data, content_type=XLSX)
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
