"""An attacker for the digest's small-cell suppression: what can be worked out exactly?

The attacker knows every figure a council member was sent, as ranges (an exact number, or
the range a "3件未満" / "3件以上" stands for), and every relation between the figures that
holds in any town: a table's total is the sum of its districts, a category's count is at
most its row's new needs and their sum at least that (every need has a category), the
headline's last week is the earlier week's figure, its 4-week average a sum of four weeks,
its arrow a comparison. For a hidden figure, it asks whether any value but the true one is
consistent with all of it: a search over integer values (bounded by ``cap``, so a value it
finds is always a real alternative; the bound only makes the attacker stronger).

Written for small towns (a few districts, a few weeks): the search is exact, not clever.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

Var = Hashable
Term = tuple[Var, int]


class BudgetExceeded(Exception):
    """The search took more steps than it may (the test would rather fail than hang)."""


@dataclass
class Knowledge:
    """Ranges of unknowns and linear relations between them (``sum(a * x) <= or == b``)."""

    cap: int
    lo: dict[Var, int] = field(default_factory=dict)
    hi: dict[Var, int] = field(default_factory=dict)
    relations: list[tuple[tuple[Term, ...], int, bool]] = field(default_factory=list)

    def declare(self, var: Var) -> None:
        """Make ``var`` an unknown (0..cap) if it is not one yet."""
        self.lo.setdefault(var, 0)
        self.hi.setdefault(var, self.cap)

    def within(self, var: Var, low: int, high: int | None) -> None:
        """What was published about ``var``: low <= var <= high (None: no upper bound)."""
        self.declare(var)
        self.lo[var] = max(self.lo[var], low)
        self.hi[var] = min(self.hi[var], self.cap if high is None else high)

    def relate(self, terms: list[Term], bound: int, equal: bool) -> None:
        """sum(a * x for x, a in terms) == bound (equal) or <= bound."""
        for var, _a in terms:
            self.declare(var)
        self.relations.append((tuple(terms), bound, equal))


def _floor_div(a: int, b: int) -> int:
    return a // b


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _propagate(lo: dict[Var, int], hi: dict[Var, int],
               relations: list[tuple[tuple[Term, ...], int, bool]]) -> bool:
    """Narrow the ranges until nothing changes; False if some range becomes empty."""
    changed = True
    while changed:
        changed = False
        for terms, bound, equal in relations:
            for sign in ((1, -1) if equal else (1,)):
                # sum(sign * a * x) <= sign * bound
                mins = [sign * a * (lo[v] if sign * a > 0 else hi[v]) for v, a in terms]
                least = sum(mins)
                if least > sign * bound:
                    return False
                for (v, a), smallest in zip(terms, mins, strict=True):
                    coefficient = sign * a
                    room = sign * bound - (least - smallest)
                    if coefficient > 0:
                        top = _floor_div(room, coefficient)
                        if top < hi[v]:
                            hi[v] = top
                            changed = True
                    else:
                        bottom = _ceil_div(room, coefficient)
                        if bottom > lo[v]:
                            lo[v] = bottom
                            changed = True
                    if lo[v] > hi[v]:
                        return False
    return True


@dataclass
class Attack:
    """The attacker's reasoning over a ``Knowledge``, after the first narrowing."""

    knowledge: Knowledge
    budget: int = 200_000
    lo: dict[Var, int] = field(init=False)
    hi: dict[Var, int] = field(init=False)
    by_var: dict[Var, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.lo, self.hi = dict(self.knowledge.lo), dict(self.knowledge.hi)
        if not _propagate(self.lo, self.hi, self.knowledge.relations):
            raise AssertionError("what was published contradicts itself")
        self.by_var = defaultdict(list)
        for index, (terms, _bound, _equal) in enumerate(self.knowledge.relations):
            for var, _a in terms:
                self.by_var[var].append(index)

    def _component(self, var: Var) -> list[tuple[tuple[Term, ...], int, bool]]:
        """The relations linking ``var`` to other unknowns not pinned down yet."""
        seen, todo, picked = {var}, [var], set()
        while todo:
            for index in self.by_var[todo.pop()]:
                if index in picked:
                    continue
                picked.add(index)
                for other, _a in self.knowledge.relations[index][0]:
                    if other not in seen and self.lo[other] < self.hi[other]:
                        seen.add(other)
                        todo.append(other)
        return [self.knowledge.relations[i] for i in sorted(picked)]

    def _feasible(self, lo: dict[Var, int], hi: dict[Var, int],
                  relations: list[tuple[tuple[Term, ...], int, bool]],
                  steps: list[int]) -> bool:
        steps[0] += 1
        if steps[0] > self.budget:
            raise BudgetExceeded
        if not _propagate(lo, hi, relations):
            return False
        open_vars = {v for terms, _b, _e in relations for v, _a in terms if lo[v] < hi[v]}
        if not open_vars:
            return True
        var = min(open_vars, key=lambda v: (hi[v] - lo[v], repr(v)))
        for value in range(lo[var], hi[var] + 1):
            lo2, hi2 = dict(lo), dict(hi)
            lo2[var] = hi2[var] = value
            if self._feasible(lo2, hi2, relations, steps):
                return True
        return False

    def determined(self, var: Var, truth: int) -> bool:
        """True when no value but ``truth`` fits what was published (within the cap)."""
        if self.lo[var] == self.hi[var]:
            return True
        relations = self._component(var)
        involved = {v for terms, _b, _e in relations for v, _a in terms} | {var}
        steps = [0]
        for low, high in ((self.lo[var], truth - 1), (truth + 1, self.hi[var])):
            if low > high:
                continue
            lo = {v: self.lo[v] for v in involved}
            hi = {v: self.hi[v] for v in involved}
            lo[var], hi[var] = low, high
            if self._feasible(lo, hi, relations, steps):
                return False
        return True
