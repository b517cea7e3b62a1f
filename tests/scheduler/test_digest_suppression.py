"""Small counts stay hidden from councils over several weeks of digests (issue 15, finding 3).

A council member may get the city's digest and every district's, every week: the text and
the workbook. The property test plays that member as an attacker (``tests/auxil/recover.py``):
it reads the figures back out of what was rendered and, for every figure it was not told
exactly, asks whether the published numbers leave it only one possible value.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from math import ceil, floor
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from locales.i18n import plain, use_language
from models import Area, AreaLevel, Council
from models.needs import Category
from scheduler.digests.aggregate import Digest, Figures, Scope
from scheduler.digests.chart import participants_chart
from scheduler.digests.render import CATEGORIES, COUNCIL, digest_text
from scheduler.digests.workbook import digest_workbook
from tests.auxil.digest import TOKYO, WEEK
from tests.auxil.recover import Attack, Knowledge

THRESHOLD = 3
TOTAL = "total"
SCALAR = {"raised": "needs_raised", "taken": "needs_taken", "referred": "needs_referred",
          "resolved": "needs_resolved", "open": "needs_open", "alerts_raised": "alerts_raised",
          "alerts_resolved": "alerts_resolved"}
CATEGORY_COLUMNS = [f"cat:{c.value}" for c in Category]
COLUMNS = ["raised", *CATEGORY_COLUMNS, "taken", "referred", "resolved", "open",
           "alerts_raised", "alerts_resolved"]


def value_of(figures: Figures, column: str) -> int:
    """The true value of one of the sensitive figures."""
    if column.startswith("cat:"):
        return figures.needs_by_category.get(column[4:], 0)
    return int(getattr(figures, SCALAR[column]))


# ---------------------------------------------------------------- the town and its weeks

@dataclass
class Town:
    """A city, its districts and the figures of each district, week by week."""

    city: Area
    districts: tuple[Area, ...]
    councils: dict[int | None, Council]  # by district id; None: the city's
    mondays: list[date]
    weekly: dict[int, list[Figures]]  # district id -> figures of every week
    published: list[int] = field(default_factory=list)  # indexes of the digests' weeks

    def truth(self, week: int, row: Any, column: str) -> int:
        if row == TOTAL:
            return sum(value_of(self.weekly[d.id][week], column) for d in self.districts)
        return value_of(self.weekly[row][week], column)


def make_town(weekly_by_position: list[list[Figures]], published: int = 4) -> Town:
    city = Area(id=1, name="テスト市", level=AreaLevel.MUNICIPALITY)
    names = ["東地区", "西地区", "北地区", "南地区"]
    districts = tuple(Area(id=10 + i, name=names[i], parent_id=1, level=AreaLevel.DISTRICT)
                      for i in range(len(weekly_by_position)))
    councils: dict[int | None, Council] = {None: Council(id=1, name="テスト市 協議体", area_id=1)}
    for i, district in enumerate(districts):
        councils[district.id] = Council(id=2 + i, name=f"{district.name} 協議体",
                                        area_id=district.id)
    count = len(weekly_by_position[0])
    mondays = [WEEK - timedelta(days=7 * (count - 1 - i)) for i in range(count)]
    weekly = {d.id: figures for d, figures in zip(districts, weekly_by_position, strict=True)}
    return Town(city, districts, councils, mondays, weekly,
                list(range(count - published, count)))


def digests_of(town: Town, week: int) -> list[tuple[Digest, Any]]:
    """Every digest of one week: the city's and each district's, with whose figures they show."""
    first = week - 7
    window = town.mondays[first:week + 1]
    everyone = {d.id: town.weekly[d.id][first:week + 1] for d in town.districts}
    extra: dict[str, Any] = {}
    if "municipality" in {f.name for f in fields(Digest)}:  # since the suppression
        extra["municipality"] = everyone
    made: list[tuple[Digest, Any]] = [
        (Digest(Scope(town.councils[None], town.city, town.districts), window, everyone,
                [], []), TOTAL)]
    for district in town.districts:
        made.append((Digest(Scope(town.councils[district.id], district, (district,)), window,
                            {district.id: everyone[district.id]}, [], [], **extra),
                     district.id))
    return made


# ---------------------------------------------------------------- reading what was sent

def _range(shown: Any) -> tuple[int, int | None] | None:
    """The range of counts a shown value stands for (None: it says nothing)."""
    if shown is None or shown == "":
        return None
    if isinstance(shown, int | float):
        return int(shown), int(shown)
    text = str(shown).strip()
    if text == plain("digest.suppressed", threshold=THRESHOLD):
        return 0, THRESHOLD - 1
    match = re.fullmatch(r"(\d+)件以上", text)
    if match:
        return int(match.group(1)), None
    match = re.fullmatch(r"(\d+)件", text)
    if match:
        return int(match.group(1)), int(match.group(1))
    return None


def _average(shown: Any) -> tuple[int, int | None] | None:
    """The range of the four weeks' sum a shown 4-week average stands for."""
    if shown is None or shown == "":
        return None
    if isinstance(shown, int | float):
        digits = Decimal(str(shown))
    else:
        text = str(shown).strip()
        if text == plain("digest.suppressed", threshold=THRESHOLD):
            return 0, 4 * THRESHOLD - 1
        match = re.fullmatch(r"(\d+)件以上", text)
        if match:
            return 4 * int(match.group(1)), None
        match = re.fullmatch(r"(\d+(?:\.\d+)?)件", text)
        if not match:
            return None
        digits = Decimal(match.group(1))
    exponent = digits.as_tuple().exponent
    half = Decimal(5) * Decimal(10) ** (exponent - 1) if isinstance(exponent, int) else 0
    return ceil(4 * (digits - half)), floor(4 * (digits + half))


class Publication:
    """What one council member has read, as the attacker's knowledge."""

    def __init__(self, town: Town) -> None:
        self.town = town
        top = max([town.truth(w, TOTAL, c) for w in range(len(town.mondays)) for c in COLUMNS]
                  + [THRESHOLD])
        self.knowledge = Knowledge(cap=2 * top + 2 * THRESHOLD)
        self.exact: set[Any] = set()
        self.ranged: set[Any] = set()
        rows = [d.id for d in town.districts]
        for week in range(len(town.mondays)):
            for column in COLUMNS:  # a total is the sum of its districts
                self.knowledge.relate([((week, r, column), 1) for r in rows]
                                      + [((week, TOTAL, column), -1)], 0, True)
            for row in [*rows, TOTAL]:  # a category: at most the needs; all: at least
                raised = (week, row, "raised")
                for column in CATEGORY_COLUMNS:
                    self.knowledge.relate([((week, row, column), 1), (raised, -1)], 0, False)
                self.knowledge.relate([(raised, 1)] + [((week, row, c), -1)
                                                        for c in CATEGORY_COLUMNS], 0, False)

    def told(self, var: Any, shown: Any) -> None:
        found = _range(shown)
        if found is None:
            return
        low, high = found
        self.knowledge.within(var, low, high)
        (self.exact if low == high else self.ranged).add(var)

    def headline(self, week: int, row: Any, shown: tuple[Any, Any, Any, Any]) -> None:
        """The headline's new needs: (this week, arrow, last week, 4-week average)."""
        now, arrow, before, mean = shown
        self.told((week, row, "raised"), now)
        self.told((week - 1, row, "raised"), before)
        this, last = (week, row, "raised"), (week - 1, row, "raised")
        if arrow in ("↑", " ↑"):
            self.knowledge.relate([(last, 1), (this, -1)], -1, False)
        elif arrow in ("↓", " ↓"):
            self.knowledge.relate([(this, 1), (last, -1)], -1, False)
        elif arrow in ("→", " →"):
            self.knowledge.relate([(this, 1), (last, -1)], 0, True)
        summed = _average(mean)
        if summed is not None:
            terms = [((week - k, row, "raised"), 1) for k in range(1, 5)]
            low, high = summed
            self.knowledge.relate([(v, -a) for v, a in terms], -low, False)
            if high is not None:
                self.knowledge.relate(terms, high, False)

    def read_workbook(self, week: int, row: Any, data: bytes) -> None:
        book = load_workbook(io.BytesIO(data), read_only=True)
        label = plain("digest.metric.needs_raised")
        for values in book[plain("digest.sheet.summary")].iter_rows(values_only=True):
            if values and values[0] == label:
                _label, now, before, arrow, mean = values[:5]
                self.headline(week, row, (now, arrow, before, mean))
        names = {d.name: d.id for d in self.town.districts}
        names[plain("digest.column.total")] = TOTAL
        headers = {plain("digest.column.raised"): "raised",
                   **{plain(label): f"cat:{key}" for key, label in CATEGORIES.items()},
                   plain("digest.column.taken"): "taken",
                   plain("digest.column.referred"): "referred",
                   plain("digest.column.resolved"): "resolved",
                   plain("digest.column.open"): "open",
                   plain("digest.column.alerts_raised"): "alerts_raised",
                   plain("digest.column.alerts_resolved"): "alerts_resolved"}
        for sheet in (plain("digest.sheet.needs"), plain("digest.sheet.watching")):
            table = list(book[sheet].iter_rows(values_only=True))
            columns = [headers.get(str(h)) for h in table[0]]
            for values in table[1:]:
                for column, shown in zip(columns, values, strict=True):
                    if column is not None:
                        self.told((week, names[values[0]], column), shown)
        book.close()

    def read_text(self, week: int, row: Any, text: str) -> None:
        value = r"([^・（）、\n]+?)"
        label = plain("digest.metric.needs_raised")
        line = rf"^・{label}: {value}( [↑↓→])?（先週 {value}・4週平均 {value}）$"
        for match in re.finditer(line, text, re.M):
            now, arrow, before, mean = match.groups()
            self.headline(week, row, (now, arrow, before, mean))
        match = re.search(rf"^新しく {value}・対応開始 {value}・つないだ {value}・解決 {value}$",
                          text, re.M)
        assert match, text
        for column, shown in zip(("raised", "taken", "referred", "resolved"), match.groups(),
                                 strict=True):
            self.told((week, row, column), shown)
        items = re.search(r"^分野別: (.*)$", text, re.M)
        assert items
        listed = {}
        if items.group(1) == plain("digest.needs.categories_withheld"):
            listed = None  # nothing said about this row's categories
        elif items.group(1) != plain("digest.none"):
            for item in items.group(1).split("、"):
                name, shown = item.rsplit(" ", 1)
                listed[name] = shown
        for key, label_key in CATEGORIES.items():  # a category not listed had none
            if listed is not None:
                self.told((week, row, f"cat:{key}"), listed.get(plain(label_key), 0))
        match = re.search(rf"^週末の時点で対応中 {value}(（|$)", text, re.M)
        assert match
        self.told((week, row, "open"), match.group(1))
        match = re.search(rf"^見守りの知らせ {value}・対応済み {value}$", text, re.M)
        assert match
        self.told((week, row, "alerts_raised"), match.group(1))
        self.told((week, row, "alerts_resolved"), match.group(2))
        for district in self.town.districts:
            match = re.search(rf"^・{district.name}: .*・困りごと {value}$", text, re.M)
            if match:
                self.told((week, district.id, "raised"), match.group(1))


def received(town: Town) -> Publication:
    """Everything one member of every council reads over the town's published weeks."""
    publication = Publication(town)
    with use_language("ja", TOKYO):
        for week in town.published:
            for digest, row in digests_of(town, week):
                publication.read_text(week, row, digest_text(digest, COUNCIL))
                publication.read_workbook(week, row, digest_workbook(digest, COUNCIL))
    return publication


def recovered(town: Town) -> list[tuple[Any, int]]:
    """Every figure the member was not told exactly, but can work out: (cell, value).

    Looked at: every figure shown as a range, and every small count (1-2) of any week the
    digests reach, shown or not."""
    publication = received(town)
    attack = Attack(publication.knowledge)
    targets = set(publication.ranged)
    for var in publication.knowledge.lo:
        week, row, column = var
        if 0 < town.truth(week, row, column) < THRESHOLD:
            targets.add(var)
    found = []
    for var in sorted(targets - publication.exact, key=repr):
        truth = town.truth(*var)
        if attack.determined(var, truth):
            found.append((var, truth))
    return found


# ---------------------------------------------------------------- towns

def figures(raised: list[set[str]] | None = None, **counts: int) -> Figures:
    """One district's week: the needs raised (each a set of categories) and other counts."""
    one = Figures(**counts)
    for categories in raised or []:
        one.needs_raised += 1
        one.needs_by_category.update(categories)
    return one


SMALL = st.sampled_from([0, 0, 1, 1, 2, 2, 3, 4, 6])
USED = ["shopping", "health", "talk"]


@st.composite
def towns(draw: st.DrawFn) -> Town:
    district_count = draw(st.integers(2, 3))
    weeks = 12
    by_position = []
    for _district in range(district_count):
        weekly = []
        for _week in range(weeks):
            needs = [set(draw(st.sets(st.sampled_from(USED), min_size=1, max_size=2)))
                     for _ in range(draw(SMALL))]
            weekly.append(figures(needs, needs_taken=draw(SMALL), needs_referred=draw(SMALL),
                                  needs_resolved=draw(SMALL), needs_open=draw(SMALL),
                                  alerts_raised=draw(SMALL), alerts_resolved=draw(SMALL)))
        by_position.append(weekly)
    return make_town(by_position)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(towns())
def test_no_hidden_count_can_be_worked_out_over_four_weeks(town: Town) -> None:
    assert recovered(town) == []


# ---------------------------------------------------------------- the issue's examples

def _quiet(weeks: int = 12) -> list[Figures]:
    return [Figures() for _ in range(weeks)]


def test_the_city_digest_example_of_the_issue() -> None:
    # 新しく4件, 買い物3件, 健康・からだ「3件未満」, 西地区3件, 東地区「3件未満」, 合計 4:
    # the old digest gave away that 東地区 had one need, about health.
    east, west = _quiet(), _quiet()
    east[-1] = figures([{"health"}])
    west[-1] = figures([{"shopping"}] * 3)
    town = make_town([east, west], published=1)
    assert recovered(town) == []
    with use_language("ja", TOKYO):
        city = digests_of(town, len(town.mondays) - 1)[0][0]
        text = digest_text(city, COUNCIL)
        sheet = load_workbook(io.BytesIO(digest_workbook(city, COUNCIL)))["困りごと"]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
        health = table[0].index("健康・からだ")
        needs = [[*r[:3], r[health]] for r in table]
    # 西地区 is hidden too (else 東地区's needs would be 4 - 3 = 1), and neither row says
    # what its needs were about.
    assert "新しく 4件・対応開始 0件・つないだ 0件・解決 0件" in text
    assert "分野別: 買い物 3件、健康・からだ 3件未満" in text
    assert "・東地区: 開催 0回・参加 0人・声かけ回答 0/0件・困りごと 3件未満" in text
    assert "・西地区: 開催 0回・参加 0人・声かけ回答 0/0件・困りごと 3件以上" in text
    # A row whose new needs are hidden does not say what they were about either.
    assert needs == [["地区", "新しい困りごと", "買い物", "健康・からだ"],
                     ["東地区", "3件未満", "－", "－"],
                     ["西地区", "3件以上", "－", "－"],
                     ["合計", 4, 3, "3件未満"]]


def test_the_district_trend_example_of_the_issue() -> None:
    # 「3件未満（先週 3件未満・4週平均 3.2件）」 with the earlier weeks exact in earlier
    # digests: last week was 1.
    east, west = _quiet(), _quiet()
    for index, count in zip(range(-6, 0), [4, 4, 4, 4, 1, 2], strict=True):
        east[index] = figures([{"talk"}] * count)
    for index in range(-12, 0):
        west[index] = figures([{"shopping"}] * 5)
    town = make_town([east, west])
    assert recovered(town) == []
    with use_language("ja", TOKYO):
        texts = [digest_text(digests_of(town, week)[1][0], COUNCIL) for week in (10, 11)]
    # Last week's average covered four exact weeks; this week's covers the hidden 1.
    assert "・新しい困りごと: 3件未満（先週 4件・4週平均 4件）" in texts[0]
    assert "・新しい困りごと: 3件未満（先週 3件未満・4週平均 －）" in texts[1]


def test_the_chart_shows_no_need_or_alert() -> None:
    # The chart draws participants by kind only: digests that differ in needs and alerts
    # alone draw the same picture, so a bar can never tell a hidden count.
    calm, busy = _quiet(), _quiet()
    busy[-1] = figures([{"health"}], needs_open=1, alerts_raised=2)
    with use_language("ja", TOKYO):
        charts = {participants_chart(digests_of(make_town([town, _quiet()]), 11)[0][0])
                  for town in (calm, busy)}
    assert len(charts) == 1
