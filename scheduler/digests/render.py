"""The digest in words, in the current language: one message in the catalogs' markup.

Council members read the counts of needs and watching alerts that ``suppression.py`` hides as
"3件未満" or "3件以上", trend figures made of a hidden count as such a range or "－", and
never a name or a need's text; coordinators read exact counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from locales.activity_text import KIND_LABELS, MEANING_LABELS
from locales.i18n import N_, _, format_datetime, format_long_date, plain
from models import ActivityKind, Meaning
from models.checkins import Level
from models.digests import iso_week_name
from models.needs import Category
from models.outbox import TEXT_LIMIT
from scheduler.checkins import LEVEL_LABELS
from scheduler.digests.aggregate import AVERAGE_WEEKS, Digest, Figures, average, trend
from scheduler.digests.suppression import RAISED, Mark, Row, category_column, cell_value
from scheduler.needs import CATEGORY_LABELS

DEFAULT_THRESHOLD = 3
MAX_EPISODES = 8


@dataclass(frozen=True)
class Reader:
    """Who reads a digest: a council (small counts suppressed) or a coordinator (exact)."""

    exact: bool
    threshold: int = DEFAULT_THRESHOLD

    def shown(self, value: float, mark: Mark | None) -> str:
        """A count of needs or alerts in words: exact, or the range of a hidden one."""
        if mark is Mark.BELOW:
            return plain("digest.suppressed", threshold=self.threshold)
        if mark is Mark.AT_LEAST:
            return plain("digest.suppressed_high", threshold=self.threshold)
        return plain("digest.cases", count=_number(value))


@dataclass(frozen=True)
class Counts:
    """The sensitive counts of one row (a district, or the scope's total) of one week, as
    one reader may see them."""

    digest: Digest
    reader: Reader
    row: Row
    index: int = -1

    @property
    def figures(self) -> Figures:
        """The row's figures of the week."""
        if self.row is None:
            return self.digest.total(self.index)
        return self.digest.district(self.row, self.index)

    def value(self, column: str) -> int:
        """The exact count (never for a council's eyes unless ``mark`` is None)."""
        return cell_value(self.figures, column)

    def mark(self, column: str) -> Mark | None:
        """None when the reader sees the count exactly."""
        if self.reader.exact:
            return None
        return self.digest.suppression(self.reader.threshold).mark(self.index, self.row, column)

    def text(self, column: str) -> str:
        """The count in words: 「4件」, 「3件未満」, 「3件以上」."""
        return self.reader.shown(self.value(column), self.mark(column))

    def cell(self, column: str) -> int | str:
        """The count for a workbook: a number, or the range in words."""
        mark = self.mark(column)
        return self.value(column) if mark is None else self.reader.shown(0, mark)

    @property
    def categories_withheld(self) -> bool:
        """True when the row's new needs are hidden: then what they were about is not shown
        either (a district with one need must not say it was about health)."""
        return self.mark(RAISED) is not None

    def category_cell(self, column: str) -> int | str:
        """A category's count for a workbook, or "－" where the row's categories are withheld."""
        return plain("digest.trend_hidden") if self.categories_withheld else self.cell(column)


def own_counts(digest: Digest, reader: Reader, index: int = -1) -> Counts:
    """The counts of the digest's whole scope (the city's total or the district's row)."""
    return Counts(digest, reader, digest.row, index)


COUNCIL = Reader(exact=False)
COORDINATOR = Reader(exact=True)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _percent(rate: float | None) -> str:
    return "-" if rate is None else plain("digest.percent", value=round(rate * 100))


def _arrow(now: float, before: float) -> str:
    return " ↑" if now > before else " ↓" if now < before else " →"


HEADLINE: tuple[tuple[str, str, bool], ...] = (
    ("sessions_held", N_("digest.metric.sessions_held"), False),
    ("participants", N_("digest.metric.participants"), False),
    ("active_people", N_("digest.metric.active_people"), False),
    ("checkins_answered", N_("digest.metric.checkins_answered"), False),
    ("needs_raised", N_("digest.metric.needs_raised"), True),
)


@dataclass(frozen=True)
class Trend:
    """A headline figure: this week, last week, the 4-week average (weeks -5 to -2), each
    as shown to the reader, and the arrow (empty when it would tell a hidden count)."""

    now: str
    before: str
    mean: str
    arrow: str
    numbers: tuple[float, float, float] | None  # when all three are shown exactly


def sensitive_trend(digest: Digest, reader: Reader, name: str = RAISED) -> Trend:
    """The trend of a count of needs: a figure made of a hidden count is not shown."""
    weeks = [own_counts(digest, reader, i) for i in range(-1 - AVERAGE_WEEKS, 0)]
    marks = [w.mark(name) for w in weeks]
    values = [float(w.value(name)) for w in weeks]
    now, before = weeks[-1], weeks[-2]
    mean = average(values[:-1])
    exact_mean = not any(marks[:-1])
    both = marks[-1] is None and marks[-2] is None
    return Trend(now.text(name), before.text(name),
                 plain("digest.cases", count=_number(mean)) if exact_mean
                 else plain("digest.trend_hidden"),
                 _arrow(values[-1], values[-2]) if both else "",
                 (values[-1], values[-2], mean) if both and exact_mean else None)


def headline_rows(digest: Digest, reader: Reader) -> list[tuple[str, str, str, str, str]]:
    """Return (label, this week, arrow, last week, 4-week average) per headline figure."""
    rows = []
    for name, label, sensitive in HEADLINE:
        if sensitive:
            shown = sensitive_trend(digest, reader, name)
            rows.append((plain(label), shown.now, shown.arrow, shown.before, shown.mean))
            continue
        now, before, mean = trend(digest, name)
        rows.append((plain(label), _number(now), _arrow(now, before), _number(before),
                     _number(mean)))
    return rows


def period(digest: Digest) -> str:
    """Return the digest's week in words: 令和8年11月16日〜令和8年11月22日（2026-W47）."""
    return plain("digest.period", start=format_long_date(digest.week),
                 end=format_long_date(digest.week + timedelta(days=6)),
                 week=iso_week_name(digest.week))


def _items(counts: Counter[str], labels: dict[str, str], show: Callable[[int], str]) -> str:
    listed = [plain("digest.item", label=plain(labels[key]), count=show(counts[key]))
              for key in labels if counts.get(key)]
    return plain("common.list_separator").join(listed) if listed else plain("digest.none")


KINDS = {k.value: KIND_LABELS[k] for k in ActivityKind}
MEANINGS = {m.value: MEANING_LABELS[m] for m in Meaning}
LEVELS = {level.value: LEVEL_LABELS[level] for level in Level}
CATEGORIES = {c.value: CATEGORY_LABELS[c] for c in Category}


def _people(count: int) -> str:
    return plain("digest.people_count", count=count)


def kinds_text(figures: Figures) -> str:
    """Return sessions and participants by kind: サロン 1回 12人、…"""
    listed = [plain("digest.kind_item", kind=plain(KINDS[k]),
                    sessions=figures.sessions_by_kind[k],
                    participants=figures.participants_by_kind[k])
              for k in KINDS if figures.sessions_by_kind.get(k)]
    return plain("common.list_separator").join(listed) if listed else plain("digest.none")


def _categories(counts: Counts) -> str:
    """Needs by category: every category with needs, or hidden (a hidden 0 is listed too);
    none of them where the row's new needs are hidden."""
    if counts.categories_withheld:
        return plain("digest.needs.categories_withheld")
    listed = []
    for key, label in CATEGORIES.items():
        column = category_column(key)
        if counts.value(column) or counts.mark(column):
            listed.append(plain("digest.item", label=plain(label), count=counts.text(column)))
    return plain("common.list_separator").join(listed) if listed else plain("digest.none")


def section_lines(digest: Digest, reader: Reader) -> list[str]:
    """Return the sections of one scope's week: activities, people, check-ins, needs, watching."""
    figures = digest.total()
    counts = own_counts(digest, reader)
    cases = counts.text
    oldest = figures.oldest_open_days
    show_oldest = oldest is not None and counts.mark("needs_open") is None
    return [
        _("digest.section.activities"),
        _("digest.activities.summary", held=figures.sessions_held,
          cancelled=figures.sessions_cancelled, participants=figures.participants),
        _("digest.activities.by_kind", items=kinds_text(figures)),
        _("digest.activities.by_meaning",
          items=_items(figures.participants_by_meaning, MEANINGS, _people)),
        _("digest.activities.changes", unreported=figures.unreported_activities,
          new=figures.new_activities, paused=figures.paused_activities,
          ended=figures.ended_activities),
        "",
        _("digest.section.people"),
        _("digest.people.summary", residents=figures.new_residents,
          supporters=figures.new_supporters, active=figures.active_people),
        "",
        _("digest.section.checkins"),
        _("digest.checkins.summary", sent=figures.checkins_sent,
          answered=figures.checkins_answered, rate=_percent(figures.response_rate)),
        _("digest.checkins.levels",
          items=_items(figures.answers_by_level, LEVELS, str)),
        "",
        _("digest.section.needs"),
        _("digest.needs.summary", raised=cases(RAISED), taken=cases("needs_taken"),
          referred=cases("needs_referred"), resolved=cases("needs_resolved")),
        _("digest.needs.by_category", items=_categories(counts)),
        _("digest.needs.open_oldest", open=cases("needs_open"), days=oldest)
        if show_oldest else _("digest.needs.open", open=cases("needs_open")),
        "",
        _("digest.section.watching"),
        _("digest.watching.summary", raised=cases("alerts_raised"),
          resolved=cases("alerts_resolved")),
    ]


def digest_text(digest: Digest, reader: Reader) -> str:
    """Return the whole digest as one message (catalog markup) in the current language."""
    lines = [_("digest.title", council=digest.scope.council.name), _("digest.period_line",
             period=period(digest)), "", _("digest.section.headline")]
    for label, now, arrow, before, mean in headline_rows(digest, reader):
        lines.append(_("digest.headline_line", label=label, value=now, arrow=arrow,
                       previous=before, average=mean))
    lines.append("")
    lines += section_lines(digest, reader)
    for section in digest.sections:
        lines += ["", _(section.title), *(_(key, **_readable(params))
                                          for key, params in section.lines)]
    lines += ["", _("digest.section.episodes")]
    episodes = digest.episodes[:MAX_EPISODES]
    for area_id, text in episodes:
        if digest.scope.municipal:
            lines.append(_("digest.episode_in", area=digest.area_name(area_id), text=text))
        else:
            lines.append(_("digest.episode", text=text))
    if not episodes:
        lines.append(_("digest.episodes.none"))
    footer = ["", _("digest.footer.exact") if reader.exact
              else _("digest.footer.council", threshold=reader.threshold)]
    if digest.scope.municipal:
        lines += _district_lines(digest, reader, TEXT_LIMIT - _length(lines + footer))
    return _fit("\n".join(lines + footer))


def _readable(params: dict[str, Any]) -> dict[str, Any]:
    """Dates and times of a section's line, in the reader's language."""
    return {name: format_datetime(value) if isinstance(value, datetime) else value
            for name, value in params.items()}


def _length(lines: list[str]) -> int:
    return len("\n".join(lines)) + 1


def _district_lines(digest: Digest, reader: Reader, room: int) -> list[str]:
    """The breakdown by district, as much of it as fits (the workbook has all of it)."""
    lines = ["", _("digest.section.districts")]
    more = _("digest.districts.more")
    for district in digest.scope.districts:
        one = digest.district(district.id)
        line = _("digest.district_line", district=district.name, held=one.sessions_held,
                 participants=one.participants, answered=one.checkins_answered,
                 sent=one.checkins_sent,
                 needs=Counts(digest, reader, district.id).text(RAISED))
        if _length([*lines, line, more]) > room:
            return [*lines, more]
        lines.append(line)
    return lines


def _fit(text: str) -> str:
    """Keep the digest within one message, whatever the episodes' length."""
    if len(text) <= TEXT_LIMIT:
        return text
    return text[:TEXT_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"
