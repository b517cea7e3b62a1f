"""The digest as an XLSX workbook: one sheet per section, one row per district (and a total).

Cells a council may not see exactly hold the same "3件未満" or "3件以上" as the text (decided
by ``suppression.py`` for the districts and the total alike), and the summary's trend of new
needs the same ranges and "－". Written with
XlsxWriter, in memory: the weekly job writes one for each kind of reader and language in
every council (about eighty for a city), and XlsxWriter writes one in about a quarter of
the time openpyxl takes (which needs a temporary file per sheet). Text is always written as
text, never as a formula or a link, whatever a coordinator's episode starts with
(``models.cells``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from locales.i18n import N_, format_long_date, plain
from models.cells import XLSXWRITER_OPTIONS, write_xlsxwriter_row
from scheduler.digests.aggregate import Digest, Figures, trend
from scheduler.digests.render import (
    CATEGORIES,
    HEADLINE,
    KINDS,
    LEVELS,
    MEANINGS,
    Counts,
    Reader,
    sensitive_trend,
)
from scheduler.digests.suppression import RAISED, category_column

Row = Callable[[Figures, Counts], list[Any]]


def _rate(figures: Figures) -> Any:
    rate = figures.response_rate
    return "" if rate is None else round(rate * 100, 1)


def _sheets() -> list[tuple[str, list[str], Row]]:
    sessions, people = plain("digest.column.sessions_suffix"), plain("digest.column.people_suffix")
    return [
        (N_("digest.sheet.activities"),
         [N_("digest.column.held"), N_("digest.column.cancelled"),
          N_("digest.column.participants"), N_("digest.column.unreported"),
          N_("digest.column.new_activities"), N_("digest.column.paused"),
          N_("digest.column.ended")],
         lambda f, _c: [f.sessions_held, f.sessions_cancelled, f.participants,
                    f.unreported_activities, f.new_activities, f.paused_activities,
                    f.ended_activities]),
        (N_("digest.sheet.kinds"),
         [plain(label) + sessions for label in KINDS.values()]
         + [plain(label) + people for label in KINDS.values()],
         lambda f, _c: [f.sessions_by_kind.get(k, 0) for k in KINDS]
         + [f.participants_by_kind.get(k, 0) for k in KINDS]),
        (N_("digest.sheet.meanings"), [plain(label) for label in MEANINGS.values()],
         lambda f, _c: [f.participants_by_meaning.get(m, 0) for m in MEANINGS]),
        (N_("digest.sheet.people"),
         [N_("digest.column.new_residents"), N_("digest.column.new_supporters"),
          N_("digest.column.active_people")],
         lambda f, _c: [f.new_residents, f.new_supporters, f.active_people]),
        (N_("digest.sheet.checkins"),
         [N_("digest.column.sent"), N_("digest.column.answered"), N_("digest.column.rate"),
          *(plain(label) for label in LEVELS.values())],
         lambda f, _c: [f.checkins_sent, f.checkins_answered, _rate(f),
                    *(f.answers_by_level.get(level, 0) for level in LEVELS)]),
        (N_("digest.sheet.needs"),
         [N_("digest.column.raised"), *(plain(label) for label in CATEGORIES.values()),
          N_("digest.column.taken"), N_("digest.column.referred"),
          N_("digest.column.resolved"), N_("digest.column.open"),
          N_("digest.column.oldest_days")],
         lambda f, c: [c.cell(RAISED), *(c.category_cell(category_column(k)) for k in CATEGORIES),
                       c.cell("needs_taken"), c.cell("needs_referred"),
                       c.cell("needs_resolved"), c.cell("needs_open"),
                       "" if f.oldest_open_days is None or c.mark("needs_open")
                       else f.oldest_open_days]),
        (N_("digest.sheet.watching"),
         [N_("digest.column.alerts_raised"), N_("digest.column.alerts_resolved")],
         lambda f, c: [c.cell("alerts_raised"), c.cell("alerts_resolved")]),
    ]


def _headline(digest: Digest, reader: Reader) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for name, label, sensitive in HEADLINE:
        if sensitive:
            shown = sensitive_trend(digest, reader, name)
            if shown.numbers is None:  # some of it is hidden: the text's ranges and "－"
                rows.append([plain(label), shown.now, shown.before, shown.arrow.strip(),
                             shown.mean])
                continue
        now, before, mean = trend(digest, name)
        rows.append([plain(label), int(now), int(before),
                     "↑" if now > before else "↓" if now < before else "→", round(mean, 2)])
    return rows


def _write(sheet: Worksheet, bold: Format, header: list[str], rows: list[list[Any]]) -> None:
    write_xlsxwriter_row(sheet, 0, header, bold)
    for number, values in enumerate(rows, start=1):
        write_xlsxwriter_row(sheet, number, values)
    for index, title in enumerate(header):
        longest = max([len(str(title)), *(len(str(r[index])) for r in rows)])
        sheet.set_column(index, index, min(2 * longest + 2, 60))
    sheet.freeze_panes(1, 1)  # the header row and the district column


def digest_workbook(digest: Digest, reader: Reader) -> bytes:
    """Return the workbook of a digest in the current language."""
    buffer = io.BytesIO()
    workbook = Workbook(buffer, XLSXWRITER_OPTIONS)
    bold = workbook.add_format({"bold": True})
    summary = workbook.add_worksheet(plain("digest.sheet.summary"))
    summary.set_column(0, 1, 30)
    info = [[plain("digest.column.council"), digest.scope.council.name],
            [plain("digest.column.week_start"), format_long_date(digest.week)],
            [plain("digest.column.week"), digest.week.isoformat()]]
    for number, values in enumerate(info):
        write_xlsxwriter_row(summary, number, values)
    first = len(info) + 1  # after an empty row
    write_xlsxwriter_row(summary, first, [
        plain("digest.column.figure"), plain("digest.column.this_week"),
        plain("digest.column.last_week"), plain("digest.column.arrow"),
        plain("digest.column.average")], bold)
    for number, values in enumerate(_headline(digest, reader), start=first + 1):
        write_xlsxwriter_row(summary, number, values)
    districts = list(digest.scope.districts)
    for title, columns, row in _sheets():
        sheet = workbook.add_worksheet(plain(title))
        header = [plain("digest.column.district"), *(plain(c) for c in columns)]
        rows = [[d.name, *row(digest.district(d.id), Counts(digest, reader, d.id))]
                for d in districts]
        if digest.scope.municipal:
            rows.append([plain("digest.column.total"),
                         *row(digest.total(), Counts(digest, reader, None))])
        _write(sheet, bold, header, rows)
    _write(workbook.add_worksheet(plain("digest.sheet.episodes")), bold,
           [plain("digest.column.district"), plain("digest.column.episode")],
           [[digest.area_name(area_id), text] for area_id, text in digest.episodes])
    for section in digest.sections:
        _write(workbook.add_worksheet(plain(section.sheet)), bold,
               [plain("digest.column.district"), *(plain(c) for c in section.columns)],
               [[digest.area_name(a) if a else plain("digest.column.total"), *values]
                for a, values in section.rows])
    workbook.close()
    return buffer.getvalue()
