"""The activity registry as a spreadsheet: CSV (Excel-friendly UTF-8) and XLSX."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from locales.activity_text import kind_label, meanings_label, schedule_label
from locales.i18n import N_, format_date, plain
from models import Activity, ActivityStatus
from models.cells import append_openpyxl_row, csv_bytes

COLUMNS = (
    N_("export.column.district"), N_("export.column.name"), N_("export.column.kind"),
    N_("export.column.meanings"), N_("export.column.place"), N_("export.column.schedule"),
    N_("export.column.status"), N_("export.column.capacity"), N_("export.column.contact"),
    N_("export.column.interest"), N_("export.column.registered"),
)
STATUS_LABELS = {
    ActivityStatus.ACTIVE: N_("export.status.active"),
    ActivityStatus.PAUSED: N_("export.status.paused"),
    ActivityStatus.ENDED: N_("export.status.ended"),
}


def header() -> list[str]:
    """Return the column titles in the current language."""
    return [plain(column) for column in COLUMNS]


def row(activity: Activity, district: str, interest: int) -> list[str | int]:
    """Return one activity as spreadsheet cells, in the current language.

    Only what members may see: no organiser's name, only the contact they chose to show.
    """
    status = STATUS_LABELS.get(activity.status)
    return [district, activity.name or "", kind_label(activity), meanings_label(activity),
            activity.place or "", schedule_label(activity), plain(status) if status else "",
            activity.capacity if activity.capacity is not None else "",
            activity.contact or "", interest, format_date(activity.created_at)]


def to_csv(rows: list[list[str | int]]) -> bytes:
    """Return CSV bytes with a byte-order mark, so Excel opens the Japanese correctly; text
    that looks like a formula stays text (``models.cells``)."""
    return csv_bytes(header(), rows)


def to_xlsx(rows: list[list[str | int]]) -> bytes:
    """Return an XLSX workbook with one sheet of activities, bold headers, sized columns;
    every text a string cell, never a formula (``models.cells``)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = plain("export.sheet")
    append_openpyxl_row(sheet, header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        append_openpyxl_row(sheet, values)
    for index, title in enumerate(header(), start=1):
        longest = max([len(str(title)), *(len(str(r[index - 1])) for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(2 * longest + 2, 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
