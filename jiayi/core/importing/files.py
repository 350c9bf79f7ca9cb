"""Downloadable templates (a header row and one example row) for every import kind."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from .base import Importer


def template_xlsx(importer: type[Importer]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "导入数据"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, col in enumerate(importer.columns, start=1):
        head = ws.cell(row=1, column=i, value=str(col.header))
        head.font = bold
        if col.required:
            head.fill = fill
        cell = ws.cell(row=2, column=i, value=col.example or None)
        letter = head.column_letter
        ws.column_dimensions[letter].width = max(12, len(str(col.header)) * 2 + 4, len(col.example) + 4)
        if col.text:
            # Text format, or Excel turns an 18-digit ID into 5.00114E+17 and drops leading zeros.
            for row in range(2, 1002):
                ws.cell(row=row, column=i).number_format = "@"
            cell.number_format = "@"
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv(importer: type[Importer]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([str(c.header) for c in importer.columns])
    writer.writerow([c.example for c in importer.columns])
    # UTF-8 with BOM: Excel in China opens it without garbling the Chinese headers.
    return buf.getvalue().encode("utf-8-sig")
