"""The 通いの場 survey as an XLSX workbook, in the layout of the national survey's place
list: a sheet of places (one row each) and a sheet of what is still missing per place.

Per-place 参加者実人数 are shown exactly: the survey asks each place's own figure, and a
place's organiser publishes it. Nothing here names a person or a need: only places, their
district, and counts. Text is always written as text (``models.cells``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from xlsxwriter import Workbook

from locales.activity_text import describe_schedule
from locales.i18n import N_, format_long_date, plain
from models import ActivityStatus
from models.cells import XLSXWRITER_OPTIONS, write_xlsxwriter_row
from models.kayoinoba import LAYOUT_YEAR
from scheduler.digests.suppression import Mark
from scheduler.survey import Place, Survey

COLUMNS = (
    N_("survey.column.number"), N_("survey.column.name"), N_("survey.column.municipality"),
    N_("survey.column.district"), N_("survey.column.place"), N_("survey.column.category"),
    N_("survey.column.operator"), N_("survey.column.venue"), N_("survey.column.band"),
    N_("survey.column.schedule"), N_("survey.column.people"), N_("survey.column.aged"),
    N_("survey.column.fee"), N_("survey.column.professionals"), N_("survey.column.status"),
)
MISSING_COLUMNS = (N_("survey.column.number"), N_("survey.column.name"),
                   N_("survey.column.district"), N_("survey.column.missing"))
# The rows above the header on the places sheet: the title and what the file covers.
HEADER_ROW = 6

# The labels, looked up by value (``label``).
CATEGORY_KEYS = (
    N_("survey.category.exercise"), N_("survey.category.hobby"), N_("survey.category.tea"),
    N_("survey.category.dementia"), N_("survey.category.meal"),
    N_("survey.category.farming"), N_("survey.category.learning"),
    N_("survey.category.volunteer"), N_("survey.category.generations"),
    N_("survey.category.work"), N_("survey.category.other"))
OPERATOR_KEYS = (N_("survey.operator.residents_group"), N_("survey.operator.resident"),
                 N_("survey.operator.swc"), N_("survey.operator.municipality"),
                 N_("survey.operator.care_centre"), N_("survey.operator.care_provider"),
                 N_("survey.operator.npo"), N_("survey.operator.company"),
                 N_("survey.operator.other"))
VENUE_KEYS = (N_("survey.venue.hall"), N_("survey.venue.care_space"), N_("survey.venue.home"),
              N_("survey.venue.shop"), N_("survey.venue.outdoors"), N_("survey.venue.other"))
BAND_KEYS = (N_("survey.band.weekly"), N_("survey.band.twice_monthly"),
             N_("survey.band.monthly"), N_("survey.band.less"))
MISSING_KEYS = (N_("survey.missing.people"), N_("survey.missing.category"),
                N_("survey.missing.operator"), N_("survey.missing.venue"),
                N_("survey.missing.fee"), N_("survey.missing.professionals"))
YES_NO = {True: N_("survey.yes"), False: N_("survey.no")}
STATUS = {ActivityStatus.ACTIVE: N_("export.status.active"),
          ActivityStatus.PAUSED: N_("export.status.paused"),
          ActivityStatus.ENDED: N_("export.status.ended")}


def label(group: str, value: str | None) -> str:
    """Return a survey value's label in the current language ("" when not chosen)."""
    return plain(f"survey.{group}.{value}") if value else ""


def yes_no(value: bool | None) -> str:
    """Return 有 or 無 ("" when unknown)."""
    return "" if value is None else plain(YES_NO[value])


def _shown(value: int | None, mark: Mark | None, threshold: int) -> int | str:
    """A count as the reader may see it: exact, 「3人未満」/「3人以上」 when hidden, or ""."""
    if mark is not None:
        key = N_("survey.suppressed") if mark is Mark.BELOW else N_("survey.suppressed_high")
        return plain(key, threshold=threshold)
    return "" if value is None else value


def _row(number: int, place: Place, hidden: Hidden | None) -> list[Any]:
    mark = hidden.marks.get(number - 1) if hidden else None
    return [number, place.name, place.municipality, place.district, place.place,
            label("category", place.category), label("operator", place.operator),
            label("venue", place.venue), label("band", place.band),
            describe_schedule(place.schedule) if place.schedule else "",
            _shown(place.people, mark, hidden.threshold if hidden else 0),
            # of whom 65+: a part of a count, left out unless the file is exact
            "" if place.aged_65_plus is None or hidden else place.aged_65_plus,
            yes_no(place.has_fee), yes_no(place.professionals),
            plain(STATUS[place.status]) if place.status in STATUS else ""]


def _month(survey: Survey) -> str:
    return plain("survey.month", year=survey.month.year, month=survey.month.month)


def info_rows(survey: Survey) -> list[list[Any]]:
    """Return the lines above the places: the survey, its layout, the year, the month."""
    if survey.month_given:
        how = plain("survey.month_given")
    elif survey.month_has_counts:
        how = plain("survey.month_march") if survey.month.month == 3 \
            else plain("survey.month_latest")
    else:
        how = plain("survey.month_none")
    return [[plain("survey.title")],
            [plain("survey.info.layout"), plain("survey.layout", year=LAYOUT_YEAR)],
            [plain("survey.info.fiscal_year"), plain("survey.fiscal_year",
                                                      year=survey.fiscal_year,
                                                      era=survey.fiscal_year - 2018)],
            [plain("survey.info.area"), survey.area or plain("survey.all_areas")],
            [plain("survey.info.month"), f"{_month(survey)} {how}"]]


@dataclass(frozen=True)
class Hidden:
    """The places' counts a reader may not see exactly (``scheduler.survey.hidden_counts``)."""

    marks: Mapping[int | None, Mark]
    threshold: int


def survey_workbook(survey: Survey, made: date, hidden: Hidden | None = None) -> bytes:
    """Return the survey as XLSX bytes, in the current language (``made``: today's date).

    With ``hidden``, small counts read 「3人未満」 and the 65+ column is left out: the file to
    share. Without, every count is exact: the file to file with the survey."""
    buffer = io.BytesIO()
    workbook = Workbook(buffer, XLSXWRITER_OPTIONS)
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(plain("survey.sheet.places"))
    for number, values in enumerate(info_rows(survey)):
        write_xlsxwriter_row(sheet, number, values, bold if number == 0 else None)
    write_xlsxwriter_row(sheet, HEADER_ROW - 1, [plain("survey.info.made"),
                                                 format_long_date(made)])
    header = [plain(c) for c in COLUMNS]
    write_xlsxwriter_row(sheet, HEADER_ROW, header, bold)
    rows = [_row(n, p, hidden) for n, p in enumerate(survey.places, start=1)]
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        write_xlsxwriter_row(sheet, number, values)
    total = [plain("survey.column.total"), plain("survey.places", count=len(rows)),
             *[""] * 8, _shown(survey.people, hidden.marks.get(None) if hidden else None,
                               hidden.threshold if hidden else 0), "", "", "", ""]
    write_xlsxwriter_row(sheet, HEADER_ROW + 1 + len(rows), total, bold)
    for index, title in enumerate(header):
        longest = max([len(str(title)), *(len(str(r[index])) for r in rows)])
        sheet.set_column(index, index, min(2 * longest + 2, 50))
    sheet.freeze_panes(HEADER_ROW + 1, 2)
    missing = workbook.add_worksheet(plain("survey.sheet.missing"))
    write_xlsxwriter_row(missing, 0, [plain(c) for c in MISSING_COLUMNS], bold)
    line = 1
    for number, place in enumerate(survey.places, start=1):
        if codes := place.missing():
            text = plain("survey.list_separator").join(
                plain(f"survey.missing.{code}", month=_month(survey)) for code in codes)
            write_xlsxwriter_row(missing, line, [number, place.name, place.district, text])
            line += 1
    if line == 1:
        write_xlsxwriter_row(missing, 1, ["", plain("survey.nothing_missing")])
    missing.set_column(1, 1, 30)
    missing.set_column(2, 2, 16)
    missing.set_column(3, 3, 80)
    workbook.close()
    return buffer.getvalue()
