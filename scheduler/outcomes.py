"""The outcome indicators (``scheduler.indicators``) as a Japanese text, an XLSX workbook that
opens in Excel as it is (a sheet per group and one of definitions), and a PNG chart.

Text is written as text cells (``models.cells``), never as formulas. A hidden count reads as in
the digest (「3件未満」, 「3件以上」), a rate of a hidden count 「非公開」, an unknown value "－".
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from xlsxwriter import Workbook

from locales.i18n import N_, _, format_long_date, plain
from models.cells import XLSXWRITER_OPTIONS, write_xlsxwriter_row
from scheduler.digests.chart import font_path
from scheduler.digests.suppression import TOTAL, Mark, Row
from scheduler.indicators import INDICATORS, Form, Group, Indicator, Period, Report, Value

GROUPS = {Group.RESIDENTS: N_("report.group.residents"),
          Group.OLDER: N_("report.group.older"),
          Group.PROFESSIONALS: N_("report.group.professionals")}

# Every indicator's name and definition (catalog keys built from its key: listed here so the
# catalog test sees them; test_outcomes checks the list against ``INDICATORS``).
NAMES = (
    N_("indicator.participants"), N_("indicator.participants.definition"),
    N_("indicator.visits"), N_("indicator.visits.definition"),
    N_("indicator.new_residents"), N_("indicator.new_residents.definition"),
    N_("indicator.active_supporters"), N_("indicator.active_supporters.definition"),
    N_("indicator.help_given"), N_("indicator.help_given.definition"),
    N_("indicator.kayoinoba_participants"),
    N_("indicator.kayoinoba_participants.definition"),
    N_("indicator.aged_65_plus"), N_("indicator.aged_65_plus.definition"),
    N_("indicator.aged_75_plus"), N_("indicator.aged_75_plus.definition"),
    N_("indicator.kayoinoba_rate"), N_("indicator.kayoinoba_rate.definition"),
    N_("indicator.certified"), N_("indicator.certified.definition"),
    N_("indicator.checkins_sent"), N_("indicator.checkins_sent.definition"),
    N_("indicator.checkins_answered"), N_("indicator.checkins_answered.definition"),
    N_("indicator.checkin_rate"), N_("indicator.checkin_rate.definition"),
    N_("indicator.checkin_people"), N_("indicator.checkin_people.definition"),
    N_("indicator.checkin_reach"), N_("indicator.checkin_reach.definition"),
    N_("indicator.needs_raised"), N_("indicator.needs_raised.definition"),
    N_("indicator.needs_followed_up"), N_("indicator.needs_followed_up.definition"),
    N_("indicator.followed_up_share"), N_("indicator.followed_up_share.definition"),
    N_("indicator.needs_resolved"), N_("indicator.needs_resolved.definition"),
    N_("indicator.median_days"), N_("indicator.median_days.definition"),
    N_("indicator.watched_people"), N_("indicator.watched_people.definition"),
    N_("indicator.watching_coverage"), N_("indicator.watching_coverage.definition"),
    N_("indicator.alerts_raised"), N_("indicator.alerts_raised.definition"),
    N_("indicator.alerts_in_time"), N_("indicator.alerts_in_time.definition"),
    N_("indicator.alerts_in_time_share"), N_("indicator.alerts_in_time_share.definition"),
    N_("indicator.referrals_made"), N_("indicator.referrals_made.definition"),
    N_("indicator.referrals_accepted"), N_("indicator.referrals_accepted.definition"),
    N_("indicator.care_meetings"), N_("indicator.care_meetings.definition"),
    N_("indicator.care_meeting_attendance"),
    N_("indicator.care_meeting_attendance.definition"),
    N_("indicator.cases_discussed"), N_("indicator.cases_discussed.definition"),
    N_("indicator.workshops"), N_("indicator.workshops.definition"),
)


def period_name(period: Period) -> str:
    """「2026年度」 or 「2026年度 第3四半期（10月〜12月）」."""
    if period.quarter is None:
        return plain("report.period.year", year=period.fiscal_year)
    months = period.months
    return plain("report.period.quarter", year=period.fiscal_year, quarter=period.quarter,
                 first=months[0].month, last=months[-1].month)


def shown(indicator: Indicator, value: Value, threshold: int) -> str:
    """A value in words: a count, a percentage, days, a hidden range or "－"."""
    if isinstance(value, Mark):
        if indicator.form is not Form.COUNT:
            return plain("report.hidden_rate")
        key = "digest.suppressed" if value is Mark.BELOW else "digest.suppressed_high"
        return plain(key, threshold=threshold)
    if value is None:
        return plain("digest.trend_hidden")
    if indicator.form is Form.PERCENT:
        return plain("report.percent", value=value)
    if indicator.form is Form.DAYS:
        return plain("report.days", value=value)
    return f"{value:,}"


def cell(indicator: Indicator, value: Value, threshold: int) -> object:
    """A value for the workbook: a number when it is one, else the words."""
    if isinstance(value, int | float) and not isinstance(value, Mark):
        return value
    return shown(indicator, value, threshold)


def _row_label(report: Report, row: Row) -> str:
    name = report.row_name(row)
    return name if name is not None else plain("digest.column.total")


def _scope_row(report: Report) -> Row:
    return report.rows[0] if len(report.rows) == 1 else TOTAL


def report_title(report: Report) -> str:
    """The report's title (plain)."""
    return plain("report.title", area=report.area.name, period=period_name(report.period))


def report_text(report: Report) -> str:
    """The report in catalog markup: the area's figures with the previous period beside."""
    row = _scope_row(report)
    lines = [_("report.heading", area=report.area.name, period=period_name(report.period)),
             _("report.previous", period=period_name(report.previous.period))]
    if report.current.month is not None:
        lines.append(_("report.month", month=report.current.month.month))
    if report.current.population_as_of is not None:
        lines.append(_("report.population_as_of",
                       day=format_long_date(report.current.population_as_of)))
    else:
        lines.append(_("report.no_population"))
    for group, label in GROUPS.items():
        lines += ["", _("report.group_heading", group=plain(label))]
        for indicator in (i for i in INDICATORS if i.group is group):
            now = report.value(indicator.key, row)
            before = report.value(indicator.key, row, previous=True)
            lines.append(_("report.line", name=plain(indicator.name),
                           value=shown(indicator, now, report.threshold),
                           arrow=report.trend(indicator.key, row),
                           before=shown(indicator, before, report.threshold)))
    if not report.exact:
        lines += ["", _("report.suppressed_note", threshold=report.threshold)]
    lines += ["", _("report.definitions_note")]
    return "\n".join(lines)


def report_workbook(report: Report) -> bytes:
    """The report as an XLSX workbook: a summary, a sheet per group, the definitions."""
    buffer = io.BytesIO()
    workbook = Workbook(buffer, XLSXWRITER_OPTIONS)
    bold = workbook.add_format({"bold": True})
    summary = workbook.add_worksheet(plain("report.sheet.summary"))
    summary.set_column(0, 1, 36)
    month = report.current.month
    as_of = report.current.population_as_of
    info = [
        [plain("report.column.area"), report.area.name],
        [plain("report.column.period"), period_name(report.period)],
        [plain("report.column.previous"), period_name(report.previous.period)],
        [plain("report.column.month"), month.strftime("%Y-%m") if month else "－"],
        [plain("report.column.population_as_of"), as_of.isoformat() if as_of else "－"],
        [plain("report.column.counts"),
         plain("report.counts.exact") if report.exact
         else plain("report.counts.suppressed", threshold=report.threshold)],
    ]
    for number, values in enumerate(info):
        write_xlsxwriter_row(summary, number, values, bold if number == 0 else None)
    for group, label in GROUPS.items():
        indicators = [i for i in INDICATORS if i.group is group]
        sheet = workbook.add_worksheet(plain(label))
        header = [plain("digest.column.district")]
        for indicator in indicators:
            header += [plain(indicator.name),
                       plain("report.column.before", name=plain(indicator.name))]
        write_xlsxwriter_row(sheet, 0, header, bold)
        for number, row in enumerate(report.rows, start=1):
            line: list[object] = [_row_label(report, row)]
            for indicator in indicators:
                line += [cell(indicator, report.value(indicator.key, row), report.threshold),
                           cell(indicator, report.value(indicator.key, row, previous=True),
                                report.threshold)]
            write_xlsxwriter_row(sheet, number, line)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, len(header) - 1, 16)
        sheet.freeze_panes(1, 1)
    definitions = workbook.add_worksheet(plain("report.sheet.definitions"))
    write_xlsxwriter_row(definitions, 0, [plain("report.column.group"),
                                          plain("report.column.indicator"),
                                          plain("report.column.definition")], bold)
    for number, indicator in enumerate(INDICATORS, start=1):
        write_xlsxwriter_row(definitions, number, [
            plain(GROUPS[indicator.group]), plain(indicator.name),
            plain(indicator.definition)])
    definitions.set_column(0, 1, 24)
    definitions.set_column(2, 2, 100)
    workbook.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class ReportFiles:
    """A report rendered in one language for one kind of reader."""

    text: str
    workbook: bytes
    workbook_name: str
    workbook_caption: str


def render_report(report: Report) -> ReportFiles:
    """The text and the workbook of a report in the current language."""
    name = f"report-{report.area.id}-{report.period.name}.xlsx"
    return ReportFiles(report_text(report), report_workbook(report), name,
                       _("report.workbook_caption", title=report_title(report)))


def report_chart(report: Report) -> bytes:
    """A bar chart of the 通いの場 participation rate by district, this period and the one
    before (PNG); rates that are not known are left out."""
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    font = FontProperties(fname=font_path())
    rows = report.rows
    labels = [_row_label(report, row) for row in rows]
    for offset, previous, colour in ((-0.2, True, "#bab0ac"), (0.2, False, "#4e79a7")):
        heights = []
        for row in rows:
            value = report.value("kayoinoba_rate", row, previous=previous)
            heights.append(float(value) if isinstance(value, int | float)
                           and not isinstance(value, Mark) else 0.0)
        axes.bar([i + offset for i in range(len(rows))], heights, width=0.4, color=colour,
                 label=period_name(report.previous.period if previous else report.period))
    axes.set_xticks(range(len(rows)), labels, fontproperties=font)
    axes.set_ylabel(plain("report.chart.y_label"), fontproperties=font)
    axes.set_title(plain("report.chart.title", title=report_title(report)),
                   fontproperties=font)
    axes.legend(prop=font)
    axes.spines[["top", "right"]].set_visible(False)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.12)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
