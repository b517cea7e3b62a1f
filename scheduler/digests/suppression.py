"""Which counts of needs and watching alerts a council may not read exactly (二次秘匿).

Hiding each small count on its own is not enough: a total minus the other districts, or a
4-week average minus the weeks shown before, gives it back. So the decision is made for all
of a council reader's figures at once, per municipality and per week:

*Cells.* For each week and each sensitive column — new needs, needs by category, taken,
referred, resolved, open at the week's end, watching alerts raised and resolved — one cell
per district of the municipality and one for the municipal total. A district council's
digest shows its district's row, the city's digest every row and the total: the same cells,
so one decision serves both, and a member who gets both learns nothing more.

*Primary suppression.* A cell with 0 < n < threshold is hidden.

*Secondary suppression.* The reader knows how the cells hang together: a total is the sum
of its districts; a category's count is at most its row's new needs, and their sum at least
that (every need has a category). Hidden cells are shown as a range, never as a lie:
"3件未満" (0 to threshold - 1; a hidden 0 reads the same, so the range holds) or "3件以上"
(threshold or more). A hidden cell is safe when some other value fits everything the reader
is told: a whole other set of figures, found by a search (ranges narrowed by the relations,
then depth-first over the linked hidden cells), that would be published identically — so no
reasoning, however clever, can tell the true one. While some hidden cell is not safe (or its
search runs out of steps), the smallest shown
cell of its line (its column across the districts and the total; ties: districts in order,
then the total) is hidden as well, or, in a line with nothing left to hide, the smallest of
its row's new needs and categories; then everything is computed again (a fixed point). A
line hidden entirely says nothing beyond each cell's range, which for a threshold of 3 or
more always holds at least two values: the search always ends with no cell pinned (with a
threshold of 2, "2件未満" means 0 or 1 and a line of two such districts summing to "2件以上"
gives both away: use 3 or more).

*Weeks and trends.* The decision for a week depends only on that week's figures, so it is
the same whenever the week is shown: in its own digest, as a later digest's "last week",
in the 4-week average, in the city's and the districts' digests. A trend figure is shown
to a council only when every cell it is made of is shown: last week's value as that week's
cell was shown (a range if hidden), the arrow only when both weeks are exact, the 4-week
average only when all four weeks are exact (otherwise "－"). So the trends publish nothing
that is not a function of exactly published cells, and add no equation about hidden ones.

The chart (participants by kind of activity) shows no need or alert, so nothing in it is
hidden. Coordinators read exact counts and are not concerned.

Not modelled: relations through figures the digest does not publish (the needs closed as
対応不要, or raised before the weeks shown) — e.g. that a week's open needs are at most last
week's plus the new ones less the resolved. A week's figures that change after it was first
shown (a person who used /forget, a need deleted after the retention period) get a new
decision from the new figures. ``tests/scheduler/test_digest_suppression.py`` plays a
council member who reads every digest for four weeks and searches for a hidden count.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from models.needs import Category

if TYPE_CHECKING:  # aggregate.py builds on this module
    from scheduler.digests.aggregate import Figures

TOTAL = None  # the row of the municipal total
Row = int | None  # a district's id, or TOTAL
Cell = tuple[Row, str]  # (row, column)

SCALARS = {"needs_raised", "needs_taken", "needs_referred", "needs_resolved", "needs_open",
           "alerts_raised", "alerts_resolved"}
RAISED = "needs_raised"
CATEGORY_PREFIX = "category:"
CATEGORY_COLUMNS = tuple(CATEGORY_PREFIX + c.value for c in Category)
COLUMNS = (RAISED, *CATEGORY_COLUMNS, "needs_taken", "needs_referred", "needs_resolved",
           "needs_open", "alerts_raised", "alerts_resolved")
_INFINITY = 1 << 40  # an upper bound that is no bound


def category_column(category: str) -> str:
    """The column of one category of needs."""
    return CATEGORY_PREFIX + category


def cell_value(figures: Figures, column: str) -> int:
    """One sensitive count of a district's (or a total's) figures."""
    if column.startswith(CATEGORY_PREFIX):
        return figures.needs_by_category.get(column[len(CATEGORY_PREFIX):], 0)
    assert column in SCALARS, column
    return int(getattr(figures, column))


class Mark(enum.Enum):
    """How a hidden count is shown: a range that holds it."""

    BELOW = "below"  # 0 .. threshold - 1: 「3件未満」
    AT_LEAST = "at_least"  # threshold or more: 「3件以上」


@dataclass(frozen=True)
class Relation:
    """sum(coefficient * cell) == 0 (equal) or <= 0."""

    terms: tuple[tuple[Cell, int], ...]
    equal: bool


def relations(rows: Iterable[Row]) -> list[Relation]:
    """What a reader knows holds between the cells of one week."""
    districts = [r for r in rows if r is not TOTAL]
    known = [Relation((*(((d, c), 1) for d in districts), ((TOTAL, c), -1)), True)
             for c in COLUMNS]
    for row in [*districts, TOTAL]:
        raised = (row, RAISED)
        known += [Relation((((row, c), 1), (raised, -1)), False) for c in CATEGORY_COLUMNS]
        known.append(Relation(((raised, 1), *(((row, c), -1) for c in CATEGORY_COLUMNS)),
                              False))
    return known


def _narrow(low: dict[Cell, int], high: dict[Cell, int],
            terms: list[tuple[Cell, int]]) -> bool | None:
    """Narrow the ranges by sum(a * cell) <= 0 (every a is 1 or -1): True if a range
    changed, None if one became empty."""
    least, unbounded = 0, []
    for cell, a in terms:
        if a > 0:
            least += low[cell]
        elif high[cell] >= _INFINITY:
            unbounded.append(cell)
        else:
            least -= high[cell]
    if len(unbounded) > 1:
        return False
    changed = False
    for cell, a in terms:
        if unbounded and cell != unbounded[0]:
            continue
        if a > 0:
            top = -(least - low[cell])
            if top < high[cell]:
                high[cell], changed = top, True
        else:
            rest = least if unbounded else least + high[cell]
            if rest > low[cell]:
                low[cell], changed = rest, True
        if low[cell] > high[cell]:
            return None
    return changed


def _tighten(low: dict[Cell, int], high: dict[Cell, int], known: list[Relation]) -> bool:
    """Narrow every range by the relations until nothing changes; False if one empties."""
    changed = True
    while changed:
        changed = False
        for relation in known:
            for sign in ((1, -1) if relation.equal else (1,)):
                narrowed = _narrow(low, high, [(c, sign * a) for c, a in relation.terms])
                if narrowed is None:
                    return False
                changed = changed or narrowed
    return True


def _ranges(values: Mapping[Cell, int], hidden: set[Cell], threshold: int
            ) -> tuple[dict[Cell, int], dict[Cell, int]]:
    """What the reader is told of each cell: the number, or the range of its mark."""
    low, high = {}, {}
    for cell, value in values.items():
        if cell not in hidden:
            low[cell] = high[cell] = value
        elif value < threshold:
            low[cell], high[cell] = 0, threshold - 1
        else:
            low[cell], high[cell] = threshold, _INFINITY
    return low, high


def _linked(cell: Cell, hidden: set[Cell], by_cell: Mapping[Cell, list[Relation]]
            ) -> list[Relation]:
    """The relations between ``cell`` and the hidden cells it is linked to."""
    seen, todo, picked = {cell}, [cell], {}
    while todo:
        for relation in by_cell.get(todo.pop(), []):
            if id(relation) in picked:
                continue
            picked[id(relation)] = relation
            for other, _a in relation.terms:
                if other in hidden and other not in seen:
                    seen.add(other)
                    todo.append(other)
    return list(picked.values())


class _Budget(Exception):
    """The search for another possible value took too long: count the cell as pinned."""


def _search(low: dict[Cell, int], high: dict[Cell, int], known: list[Relation],
            cap: int, steps: list[int]) -> bool:
    """True if whole numbers fit every range and relation (a depth-first search)."""
    steps[0] -= 1
    if steps[0] < 0:
        raise _Budget
    if not _tighten(low, high, known):
        return False
    free = [c for r in known for c, _a in r.terms if low[c] < high[c]]
    if not free:
        return True
    cell = min(free, key=lambda c: (min(high[c], cap) - low[c], _order(c)))
    for value in range(low[cell], min(high[cell], cap) + 1):
        low2, high2 = dict(low), dict(high)
        low2[cell] = high2[cell] = value
        if _search(low2, high2, known, cap, steps):
            return True
    return False


def pinned(values: Mapping[Cell, int], hidden: set[Cell], threshold: int,
           known: list[Relation], budget: int = 400) -> list[Cell]:
    """The hidden cells for which the reader can rule out every value but the true one.

    A cell is safe when a second, different value is found that fits everything the reader
    is told: a whole other set of figures that would be published the same. Narrowing the
    ranges first finds most pinned cells at once; the search (bounded: a cell whose search
    runs out of ``budget`` steps counts as pinned) finds the rest.
    """
    low, high = _ranges(values, hidden, threshold)
    if not _tighten(low, high, known):
        return sorted(hidden, key=_order)  # cannot happen with true figures; hide more
    by_cell: dict[Cell, list[Relation]] = {}
    for relation in known:
        if any(c in hidden for c, _a in relation.terms):
            for c, _a in relation.terms:
                by_cell.setdefault(c, []).append(relation)
    cap = max(values.values(), default=0) * 2 + threshold
    stuck = []
    for cell in sorted(hidden, key=_order):
        truth = values[cell]
        if low[cell] >= high[cell]:
            stuck.append(cell)
            continue
        linked = _linked(cell, hidden, by_cell)
        if len(linked) == 1 and linked[0].equal:
            continue  # one total's equation: the narrowed range is exact, and wider than one
        cells = {c for r in linked for c, _a in r.terms} | {cell}
        steps = [budget]
        found = False
        try:
            for other in (truth - 1, truth + 1, *range(low[cell], min(high[cell], cap) + 1)):
                if other == truth or not low[cell] <= other <= high[cell]:
                    continue
                low2 = {c: low[c] for c in cells}
                high2 = {c: high[c] for c in cells}
                low2[cell] = high2[cell] = other
                if _search(low2, high2, linked, cap, steps):
                    found = True
                    break
        except _Budget:
            found = False
        if not found:
            stuck.append(cell)
    return stuck


def _order(cell: Cell) -> tuple[int, int, str]:
    row, column = cell
    return (1, 0, column) if row is TOTAL else (0, row, column)


def decide_week(rows: Mapping[int, Figures], threshold: int) -> dict[Cell, Mark]:
    """Return the hidden cells of one week of a municipality (its districts' figures).

    A pure function of the figures: the same week gets the same answer in every digest (and
    the city's digest and its districts' share the work, through a small cache)."""
    key = tuple((d, tuple(cell_value(f, c) for c in COLUMNS)) for d, f in sorted(rows.items()))
    return dict(_decide(key, threshold))


@lru_cache(maxsize=1024)
def _decide(key: tuple[tuple[int, tuple[int, ...]], ...], threshold: int
            ) -> tuple[tuple[Cell, Mark], ...]:
    values: dict[Cell, int] = {}
    for index, column in enumerate(COLUMNS):
        for row, counts in key:
            values[row, column] = counts[index]
        values[TOTAL, column] = sum(counts[index] for _row, counts in key)
    rows = [row for row, _counts in key]
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    known = relations(rows)
    coupled = {RAISED, *CATEGORY_COLUMNS}
    while hidden:
        stuck = pinned(values, hidden, threshold, known)
        if not stuck:
            break
        more: set[Cell] = set()
        for where, column in stuck:
            line = [c for c in values if c[1] == column and c not in hidden]
            if not line and column in coupled:
                line = [(where, c) for c in coupled if (where, c) not in hidden]
            if line:
                more.add(min(line, key=lambda c: (values[c], _order(c))))
        if not more:
            break  # everything linked is hidden already (see the module's note on 2)
        hidden |= more
    return tuple((cell, Mark.BELOW if values[cell] < threshold else Mark.AT_LEAST)
                 for cell in sorted(hidden, key=_order))


@dataclass
class Suppression:
    """The hidden cells of every week of a digest, decided from the whole municipality."""

    municipality: Mapping[int, list[Figures]]  # every district of it, week by week
    threshold: int
    _weeks: dict[int, dict[Cell, Mark]] = field(default_factory=dict, init=False, repr=False)

    def week(self, index: int) -> dict[Cell, Mark]:
        """The hidden cells of one week (an index into the digest's weeks)."""
        length = len(next(iter(self.municipality.values()), []))
        index %= max(length, 1)
        if index not in self._weeks:
            self._weeks[index] = decide_week(
                {d: weekly[index] for d, weekly in self.municipality.items()}, self.threshold)
        return self._weeks[index]

    def mark(self, index: int, row: Row, column: str) -> Mark | None:
        """How a cell is shown: None when exact, else the range that stands for it."""
        return self.week(index).get((row, column))
