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
is told: a whole other set of figures, found here and checked whole, that would be
published identically — so no reasoning, however clever, can tell the true one. The search
for it is made fast by the shape of the table: a row's cells are linked to other rows only
through the columns' totals. So:

- a column other than new needs and categories (taken, referred, resolved, open, alerts)
  has one equation; a cell of it can take another value exactly when the other hidden
  cells' ranges can make up the difference (exact, no search);
- in the block of new needs and categories, first the cell's own row is searched alone
  (about eleven cells): if no change of the row's hidden cells fits the row, the cell is
  pinned whatever the other rows do;
- else a change is sought as a chain through the table, changing one or two hidden cells
  of a row by one at a time (say 買い物 +1 and 健康 -1 in one district, 健康 +1 and
  新しい困りごと +1 in the next, 新しい困りごと -1 in a third), each row kept consistent
  and every column's total kept (or the total row changed alike); a breadth-first search
  over the columns left unbalanced, then the whole alternative checked;
- or as one change of several columns of the cell's row matched by the opposite change
  in one other row (or the same change in the total row), searched exhaustively.

These only ever find real alternatives, so a cell they call safe is safe; a cell they miss
counts as pinned, which can only hide more. While some hidden cell is not safe, the
smallest shown cell of its line (its column across the districts and the total; ties:
districts in order, then the total) is hidden as well, or, in a line with nothing left to
hide, the smallest shown new needs or category of its row, then of the total's row, then of
the rows hidden in its column; then everything is checked again (a fixed point; hiding more
never makes a safe cell unsafe, so safe cells are not checked again). A line hidden
entirely says nothing beyond each cell's range, which for a threshold of 3 or more always
holds at least two values (with a threshold of 2, "2件未満" means 0 or 1 and a line of two
such districts summing to "2件以上" gives both away: the setting refuses thresholds below
3). For 60 districts a week is decided in well under a second (``tests/bench/suppression.py``).

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


def _order(cell: Cell) -> tuple[int, int, str]:
    row, column = cell
    return (1, 0, column) if row is TOTAL else (0, row, column)


# ---------------------------------------------------------------- the fast decision

COUPLED = (RAISED, *CATEGORY_COLUMNS)  # linked within a row: categories against new needs
_SLOT = {column: index for index, column in enumerate(COUPLED)}  # 0: new needs


def _span(value: int, hidden: bool, threshold: int) -> tuple[int, int]:
    """The range a reader is told for one cell."""
    if not hidden:
        return value, value
    return (0, threshold - 1) if value < threshold else (threshold, _INFINITY)


def _column_moves(cell: Cell, values: Mapping[Cell, int], hidden: set[Cell],
                  rows: list[Row], threshold: int) -> bool:
    """Whether a cell of a column linked by its total's equation alone can take another
    value. Exact: with one equation (total = sum of the districts) and a range per cell,
    the values a cell can take are the whole interval its neighbours' ranges allow."""
    where, column = cell
    target = 0  # sum(districts) - total = 0, the known cells moved to the right
    least = most = 0  # what the other hidden cells can add up to (signed)
    for row in rows:
        sign = -1 if row is TOTAL else 1
        other = (row, column)
        if other == cell:
            continue
        if other not in hidden:
            target -= sign * values[other]
            continue
        low, high = _span(values[other], True, threshold)
        if sign > 0:
            least, most = least + low, most + high
        else:
            least, most = least - high, most - low
    sign = -1 if where is TOTAL else 1
    low, high = _span(values[cell], True, threshold)
    for value in (values[cell] - 1, values[cell] + 1):
        if low <= value <= high and least <= target - sign * value <= most:
            return True
    return False


def _pair_moves(cell: Cell, partner: Row, values: Mapping[Cell, int],
                hidden: set[Cell], threshold: int, *, alone: bool = False) -> bool:
    """Whether another set of figures, differing from the truth in two rows only, fits
    everything the reader is told and gives ``cell`` another value.

    The rows are the cell's and ``partner``'s; a change ``d`` of a column in the one is
    matched by ``-d`` in the other (two districts: their total stays) or by ``+d`` (a
    district and the total: the other districts stay). Only columns hidden in both rows
    change; both rows keep every category at most their new needs and the categories'
    sum at least that; every changed cell stays within its shown range and within
    ``threshold`` of the truth (so the attacker's bound on values is kept). A search over
    at most eleven changes, made exhaustive by narrowing the ranges of the changes.

    With ``alone``, the cell's row alone (``partner`` unused), its totals set aside: when
    even that cannot change, no set of figures gives the cell another value."""
    row, column = cell
    sign = 1 if TOTAL in (row, partner) else -1
    free = [c for c in COUPLED if (row, c) in hidden and (alone or (partner, c) in hidden)]
    slots = {c: i for i, c in enumerate(free)}
    low, high = [], []
    for c in free:
        a, b = values[row, c], values[row if alone else partner, c]
        ra, rb = _span(a, True, threshold), _span(b, True, threshold)
        lo, hi = max(-threshold, ra[0] - a), min(threshold, ra[1] - a)
        # the partner's cell is b + sign * d
        if alone:
            pass
        elif sign > 0:
            lo, hi = max(lo, rb[0] - b), min(hi, rb[1] - b)
        else:
            lo, hi = max(lo, b - rb[1]), min(hi, b - rb[0])
        low.append(lo)
        high.append(hi)
    # sum(coefficient * d) <= bound, one per row relation, over the changing columns
    constraints: list[tuple[list[tuple[int, int]], int]] = []
    raised = slots.get(RAISED)
    for where, factor in ((row, 1),) if alone else ((row, 1), (partner, sign)):
        need = values[where, RAISED]
        everything = [(raised, -factor)] if raised is not None else []
        total = 0
        for c in CATEGORY_COLUMNS:
            count = values[where, c]
            total += count
            slot = slots.get(c)
            if slot is not None:
                everything.append((slot, factor))
                terms = [(slot, factor)] + ([(raised, -factor)] if raised is not None else [])
                constraints.append((terms, need - count))  # category <= new needs
            elif raised is not None:
                constraints.append(([(raised, -factor)], need - count))
        # new needs <= sum of the categories: -(sum of the category changes) + d(needs)
        constraints.append(([(s, -a) for s, a in everything], total - need))
    target = slots[column]
    steps = [0]
    for value in sorted(range(low[target], high[target] + 1), key=lambda v: (abs(v), v)):
        if value == 0:
            continue
        low2, high2 = list(low), list(high)
        low2[target] = high2[target] = value
        if _feasible(low2, high2, constraints, steps):
            return True
    return False


def _feasible(low: list[int], high: list[int],
              constraints: list[tuple[list[tuple[int, int]], int]], steps: list[int],
              budget: int | None = None) -> bool:
    """True if whole numbers within the ranges fit every constraint (narrowing, then
    depth-first; the ranges are small, so the search is exhaustive). With a ``budget`` of
    steps, raise ``_OutOfSteps`` past it."""
    if budget is not None and steps[0] > budget:
        raise _OutOfSteps
    steps[0] += 1
    if not _narrow(low, high, constraints):
        return False
    open_slots = [s for s in range(len(low)) if low[s] < high[s]]
    if not open_slots:
        return True
    slot = min(open_slots, key=lambda s: (high[s] - low[s], s))
    for value in range(low[slot], high[slot] + 1):
        low2, high2 = list(low), list(high)
        low2[slot] = high2[slot] = value
        if _feasible(low2, high2, constraints, steps, budget):
            return True
    return False


Move = tuple[tuple[str, int], ...]  # (column, change) of one row: one or two cells, by 1


def _row_valid(values: Mapping[Cell, int], hidden: set[Cell], row: Row,
               change: Mapping[str, int], threshold: int) -> bool:
    """Whether a row changed by ``change`` (hidden cells only) still fits what is shown of
    it and the relations within it."""
    for column, by in change.items():
        if by and (row, column) not in hidden:
            return False
        low, high = _span(values[row, column], True, threshold)
        if not low <= values[row, column] + by <= high:
            return False
    need = values[row, RAISED] + change.get(RAISED, 0)
    counts = [values[row, c] + change.get(c, 0) for c in CATEGORY_COLUMNS]
    return max(counts) <= need <= sum(counts)


def _row_moves(values: Mapping[Cell, int], hidden: set[Cell], row: Row, threshold: int
               ) -> list[Move]:
    """A row's changes of one or two hidden cells by one that keep it consistent."""
    cells = [c for c in COUPLED if (row, c) in hidden]
    moves: list[Move] = []
    for i, first in enumerate(cells):
        for a in (1, -1):
            if _row_valid(values, hidden, row, {first: a}, threshold):
                moves.append(((first, a),))
            for second in cells[i + 1:]:
                for b in (1, -1):
                    if _row_valid(values, hidden, row, {first: a, second: b}, threshold):
                        moves.append(((first, a), (second, b)))
    return moves


class _Chains:
    """Alternatives made of chains of row changes (a flow through the table).

    A change of a row moves the sums of one or two columns by one; another row's change
    takes the column's sum back and may move one other column's, and so on, until a
    change moves one column only, or the chain comes back to the first row's second
    column. Each chain found is checked whole (every row it changes, every range, every
    total) before it counts, so a chain that uses a row twice in a way the row cannot
    take is never believed."""

    def __init__(self, values: Mapping[Cell, int], hidden: set[Cell], rows: list[Row],
                 threshold: int) -> None:
        self.values, self.hidden, self.rows, self.threshold = values, hidden, rows, threshold
        self.moves: dict[Row, list[Move]] = {}
        # (column, effect on its sum) -> {row: its moves}; the total counts against its sum
        self.by_effect: dict[tuple[str, int], dict[Row, list[Move]]] = {}
        self.update(rows)

    def update(self, rows: Iterable[Row]) -> None:
        """Work out again the changes of rows that got a hidden cell (``hidden`` grew)."""
        for row in rows:
            for move in self.moves.get(row, []):
                for effect in self._effects(row, move):
                    self.by_effect[effect].pop(row, None)
            self.moves[row] = _row_moves(self.values, self.hidden, row, self.threshold)
            for move in self.moves[row]:
                for effect in self._effects(row, move):
                    self.by_effect.setdefault(effect, {}).setdefault(row, []).append(move)

    @staticmethod
    def _effects(row: Row, move: Move) -> list[tuple[str, int]]:
        return [(c, -by if row is TOTAL else by) for c, by in move]

    def _chain(self, start: tuple[str, int], goal: tuple[str, int] | None,
               avoid: set[Row]) -> tuple[list[tuple[Row, Move]], bool] | None:
        """Row changes that cancel the effect ``start`` (or turn it into ``goal``'s
        opposite; then the second value is True): a breadth-first search over the effects
        left open."""
        parent: dict[tuple[str, int], tuple[tuple[str, int], Row, Move] | None] = {start: None}
        queue = [start]
        for effect in queue:
            column, by = effect
            for row, move in [(r, m) for r, ms in self.by_effect.get((column, -by), {}).items()
                              for m in ms]:
                if row in avoid:
                    continue
                rest = [e for e in self._effects(row, move) if e != (column, -by)]
                if rest and rest[0] != goal and rest[0] in parent:
                    continue
                path = [(row, move)]
                at = effect
                while parent[at] is not None:
                    at, prow, pmove = parent[at]  # type: ignore[misc]
                    path.append((prow, pmove))
                if not rest or rest[0] == goal:
                    return path, bool(rest)
                parent[rest[0]] = (effect, row, move)
                queue.append(rest[0])
        return None

    def movable(self, cell: Cell) -> bool:
        row, column = cell
        for move in self.moves[row]:
            if column not in dict(move):
                continue
            effects = self._effects(row, move)
            first = next(e for e in effects if e[0] == column)
            second = next((e for e in effects if e[0] != column), None)
            goal = (second[0], -second[1]) if second else None
            # a chain from the first effect, closing alone or on the second's opposite
            found = self._chain(first, goal, {row})
            if found is None:
                continue
            path, closed = found
            changes = [(row, move), *path]
            if second and not closed:
                more = self._chain(second, None, {row} | {r for r, _m in path})
                if more is None:
                    continue
                changes += more[0]
            if self._check(changes):
                return True
        return False

    def _check(self, changes: list[tuple[Row, Move]]) -> bool:
        """The whole alternative: every changed row consistent, every total kept."""
        by_row: dict[Row, dict[str, int]] = {}
        sums: dict[str, int] = {}
        for row, move in changes:
            for column, by in move:
                change = by_row.setdefault(row, {})
                change[column] = change.get(column, 0) + by
                sums[column] = sums.get(column, 0) + (-by if row is TOTAL else by)
        if any(sums.values()):
            return False
        return all(_row_valid(self.values, self.hidden, row, change, self.threshold)
                   for row, change in by_row.items())


def _decide_fast(values: Mapping[Cell, int], districts: list[int], threshold: int,
                 forced: Iterable[Cell] = ()) -> set[Cell]:
    rows: list[Row] = [*districts, TOTAL]
    hidden = {cell for cell, value in values.items() if 0 < value < threshold} | set(forced)
    safe: set[Cell] = set()  # hiding more never makes a safe cell unsafe
    version = dict.fromkeys(rows, 0)  # bumped when a row gets a hidden cell
    failed: dict[tuple[Cell, Row], tuple[int, int]] = {}
    lonely: dict[Cell, int] = {}
    chains = _Chains(values, hidden, rows, threshold)

    def movable(cell: Cell) -> bool:
        row, column = cell
        if column not in _SLOT:
            return _column_moves(cell, values, hidden, rows, threshold)
        if lonely.get(cell) == version[row]:
            return False
        if not _pair_moves(cell, row, values, hidden, threshold, alone=True):
            lonely[cell] = version[row]  # pinned by its own row, whatever the others do
            return False
        if chains.movable(cell):
            return True
        for partner in rows:
            if partner == row or (partner, column) not in hidden:
                continue
            stamp = (version[row], version[partner])
            if failed.get((cell, partner)) == stamp:
                continue
            if _pair_moves(cell, partner, values, hidden, threshold):
                return True
            failed[cell, partner] = stamp
        return False

    while hidden:
        stuck = []
        for cell in sorted(hidden - safe, key=_order):
            (safe.add(cell) if movable(cell) else stuck.append(cell))
        if not stuck:
            break
        more: set[Cell] = set()
        for where, column in stuck:
            line = [(row, column) for row in rows if (row, column) not in hidden]
            if not line and column in _SLOT:
                partners = [where, TOTAL, *(r for r in rows if (r, column) in hidden)]
                for row in dict.fromkeys(partners):
                    line = [(row, c) for c in COUPLED if (row, c) not in hidden]
                    if line:
                        break
            if line:
                more.add(min(line, key=lambda c: (values[c], _order(c))))
        if not more:
            break
        hidden |= more
        for row, _column in more:
            version[row] += 1
        chains.update(row for row in rows if row in {r for r, _column in more})
    return hidden


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
    hidden = _decide_fast(values, [row for row, _counts in key], threshold)
    return tuple((cell, Mark.BELOW if values[cell] < threshold else Mark.AT_LEAST)
                 for cell in sorted(hidden, key=_order))


def decide_table(values: Mapping[Cell, int], districts: list[int], threshold: int,
                 pairs: Iterable[tuple[str, str]] = ()) -> dict[Cell, Mark]:
    """Return the hidden cells of a table of districts (and their total, computed here) by
    columns that are each a sum over the districts, like the quarterly indicators.

    ``values`` holds every district's cells; no column may be one of the digest's coupled
    columns (new needs, categories). A pair (``main``, ``sub``) is a count and a part of it
    (needs raised, and of them those followed up within two days): the reader knows
    ``sub <= main`` in every row as well as the two columns' totals, so the two cells of a
    row are hidden together, and each hidden cell of the two columns must have another
    value that fits all of that at once (a search over both columns, ``_pair_moves_any``);
    where one has none, the smallest shown cell of its column (else of the other column) is
    hidden as well, and everything is decided again."""
    table = dict(values)
    columns = sorted({column for _row, column in values})
    assert not set(columns) & set(COUPLED), columns
    for column in columns:
        table[TOTAL, column] = sum(table[d, column] for d in districts)
    rows: list[Row] = [*districts, TOTAL]
    pairs = list(pairs)
    forced: set[Cell] = set()
    hidden: set[Cell] = set()
    for _round in range(len(rows) * max(len(columns), 1) + 1):
        hidden = _decide_fast(table, districts, threshold, forced)
        more: set[Cell] = set()
        for main, sub in pairs:
            for row in rows:
                cells = {(row, main), (row, sub)}
                if cells & hidden and not cells <= hidden:
                    more |= cells - hidden
        if not more:
            more = _pairs_pinned(table, hidden, rows, threshold, pairs)
        if not more:
            break
        forced |= hidden | more
    return {cell: Mark.BELOW if table[cell] < threshold else Mark.AT_LEAST
            for cell in sorted(hidden, key=_order)}


def _pairs_pinned(values: Mapping[Cell, int], hidden: set[Cell], rows: list[Row],
                  threshold: int, pairs: list[tuple[str, str]]) -> set[Cell]:
    """The cells to hide next because a hidden cell of a pair has no other value (nothing
    when every one has one, or when nothing is left to hide)."""
    more: set[Cell] = set()
    for main, sub in pairs:
        for cell in sorted((c for c in hidden if c[1] in (main, sub)), key=_order):
            if _pair_moves_any(cell, values, hidden, rows, threshold, pair=(main, sub)):
                continue
            other = sub if cell[1] == main else main
            for column in (cell[1], other):
                line = [(r, column) for r in rows if (r, column) not in hidden]
                if line:
                    more.add(min(line, key=lambda c: (values[c], _order(c))))
                    break
            if more:
                return more
    return more


_PAIR_BUDGET = 20_000  # search steps per cell; past it the cell counts as pinned


def _pair_moves_any(cell: Cell, values: Mapping[Cell, int], hidden: set[Cell],
                    rows: list[Row], threshold: int, *, pair: tuple[str, str]) -> bool:
    """Whether another set of the pair's two columns fits what the reader is told (shown
    cells, hidden ranges, each column's total, ``sub <= main`` in every row) and gives
    ``cell`` another value. Changes are searched within ``threshold`` of the truth, so any
    alternative found is real; one that is not found only hides more."""
    main, sub = pair
    cells = [c for c in hidden if c[1] in pair]
    slot = {c: i for i, c in enumerate(cells)}
    low, high = [], []
    for c in cells:
        a, b = _span(values[c], True, threshold)
        low.append(max(a - values[c], -threshold))
        high.append(min(b - values[c], threshold))
    constraints: list[tuple[list[tuple[int, int]], int]] = []
    for column in pair:
        terms = [(slot[r, column], -1 if r is TOTAL else 1) for r in rows if (r, column) in slot]
        if terms:
            constraints += [(terms, 0), ([(s, -a) for s, a in terms], 0)]
    for row in rows:
        terms = []
        if (row, sub) in slot:
            terms.append((slot[row, sub], 1))
        if (row, main) in slot:
            terms.append((slot[row, main], -1))
        if terms:
            constraints.append((terms, values[row, main] - values[row, sub]))
    target = slot[cell]
    for value in sorted(range(low[target], high[target] + 1), key=lambda v: (abs(v), v)):
        if value == 0:
            continue
        low2, high2 = list(low), list(high)
        low2[target] = high2[target] = value
        steps = [0]
        try:
            if _bounded_feasible(low2, high2, constraints, steps):
                return True
        except _OutOfSteps:
            return False
    return False


def _narrow(low: list[int], high: list[int],
            constraints: list[tuple[list[tuple[int, int]], int]]) -> bool:
    """Narrow the ranges by the constraints until nothing changes; False if one empties."""
    changed = True
    while changed:
        changed = False
        for terms, bound in constraints:
            least = sum(low[s] if a > 0 else -high[s] for s, a in terms)
            if least > bound:
                return False
            for s, a in terms:
                room = bound - least
                if a > 0:
                    top = low[s] + room
                    if top < high[s]:
                        high[s], changed = top, True
                else:
                    bottom = high[s] - room
                    if bottom > low[s]:
                        low[s], changed = bottom, True
                if low[s] > high[s]:
                    return False
    return True


class _OutOfSteps(Exception):
    """The search went past its budget."""


def _bounded_feasible(low: list[int], high: list[int],
                      constraints: list[tuple[list[tuple[int, int]], int]],
                      steps: list[int]) -> bool:
    """``_feasible`` with a budget of steps."""
    return _feasible(low, high, constraints, steps, _PAIR_BUDGET)


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
