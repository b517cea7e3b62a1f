"""The quarterly indicators never show a count under the threshold to a council, nor let one
be worked out: an attacker (tests/auxil/recover.py) reads every report a council member gets
and searches for a hidden count it can pin down, knowing that a total is the sum of its
districts and that a part (needs followed up within two days, alerts resolved in time,
active supporters) is at most its whole."""

from __future__ import annotations

import io
import random
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from locales.i18n import plain, use_language
from models import Area
from models.clock import travel
from models.db import session_factory
from scheduler.digests.suppression import TOTAL, Mark
from scheduler.indicators import BY_KEY, PAIRS, SENSITIVE, Period, build_report, decide
from scheduler.outcomes import report_workbook
from tests.auxil.indicators import NOW, TOKYO, seed_indicators
from tests.auxil.recover import Attack, Knowledge

THRESHOLD = 3


def _relations(knowledge: Knowledge, rows: list[Any], tag: Any) -> None:
    for column in SENSITIVE:
        knowledge.relate([((tag, r, column), 1) for r in rows]
                         + [((tag, TOTAL, column), -1)], 0, True)
    for row in [*rows, TOTAL]:
        for main, sub in PAIRS:
            knowledge.relate([((tag, row, sub), 1), ((tag, row, main), -1)], 0, False)


def _tell(knowledge: Knowledge, var: Any, shown: Any) -> bool:
    """Record what a cell says; True if it was exact."""
    if isinstance(shown, int):
        knowledge.within(var, shown, shown)
        return True
    if shown == f"{THRESHOLD}件未満":
        knowledge.within(var, 0, THRESHOLD - 1)
    elif shown == f"{THRESHOLD}件以上":
        knowledge.within(var, THRESHOLD, None)
    else:
        raise AssertionError(f"a count shown as {shown!r}")
    return False


def _read(knowledge: Knowledge, exact: set[Any], data: bytes, names: dict[str, Any]) -> None:
    """What a workbook tells about every sensitive count, this period's and the previous."""
    names = {**names, "合計": TOTAL}
    with use_language("ja", TOKYO):
        titles = {plain(BY_KEY[k].name): ("now", k) for k in SENSITIVE}
        titles |= {plain("report.column.before", name=plain(BY_KEY[k].name)): ("before", k)
                   for k in SENSITIVE}
        book = load_workbook(io.BytesIO(data))
        for sheet in book.sheetnames[1:4]:
            rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
            for index, title in enumerate(rows[0]):
                if title not in titles:
                    continue
                tag, key = titles[title]
                for row in rows[1:]:
                    var = (tag, names[row[0]], key)
                    if _tell(knowledge, var, row[index]):
                        exact.add(var)


async def test_a_council_member_cannot_recover_a_small_count(engine: AsyncEngine) -> None:
    town = (await seed_indicators(engine)).town
    travel(NOW)
    books = []
    async with session_factory(engine)() as session:
        for area in (town.city, town.east, town.west):
            loaded = await session.get(Area, area.id)
            assert loaded is not None
            report = await build_report(session, loaded, Period(2026, 3), TOKYO, now=NOW,
                                        threshold=THRESHOLD, exact=False)
            with use_language("ja", TOKYO):
                books.append((report, report_workbook(report)))
    city = books[0][0]
    districts = [town.east.id, town.west.id]
    knowledge = Knowledge(cap=60)
    exact: set[Any] = set()
    for tag in ("now", "before"):
        _relations(knowledge, districts, tag)
    for _report, data in books:
        _read(knowledge, exact, data, {"東地区": town.east.id, "西地区": town.west.id})
    attack = Attack(knowledge)
    checked = 0
    for tag, previous in (("now", False), ("before", True)):
        which = city.previous if previous else city.current
        for row in [*districts, TOTAL]:
            figures = which.total() if row is TOTAL else which.by_district[row]
            for key in SENSITIVE:
                truth = figures.counts[key]
                var = (tag, row, key)
                if 0 < truth < THRESHOLD:
                    assert var not in exact, var
                if var not in exact:
                    checked += 1
                    assert not attack.determined(var, truth), (var, truth)
    assert checked > 10  # the fixture has many small counts


def test_random_towns_keep_every_hidden_count_hidden() -> None:
    dice = random.Random(18)
    for _town in range(150):
        districts = list(range(1, dice.randint(2, 4) + 1))
        counts: dict[int, dict[str, int]] = {}
        for d in districts:
            counts[d] = {key: dice.choice((0, 0, 1, 1, 2, 3, 4, 5, 8)) for key in SENSITIVE}
            for main, sub in PAIRS:
                counts[d][sub] = min(counts[d][sub], counts[d][main])
        values = {(d, key): counts[d][key] for d in districts for key in SENSITIVE}
        hidden = decide(counts, THRESHOLD)
        totals = {key: sum(values[d, key] for d in districts) for key in SENSITIVE}
        truth = dict(values) | {(TOTAL, key): total for key, total in totals.items()}
        knowledge = Knowledge(cap=2 * max([*totals.values(), THRESHOLD]) + 2 * THRESHOLD)
        _relations(knowledge, districts, "t")
        for (row, key), value in truth.items():
            mark = hidden.get((row, key))
            assert mark is not None or not 0 < value < THRESHOLD, (row, key, value)
            shown: Any = value if mark is None else (
                f"{THRESHOLD}件未満" if mark is Mark.BELOW else f"{THRESHOLD}件以上")
            _tell(knowledge, ("t", row, key), shown)
        attack = Attack(knowledge)
        for (row, key), _mark in hidden.items():
            assert not attack.determined(("t", row, key), truth[row, key]), (
                values, row, key)
