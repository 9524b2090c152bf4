"""N distinct cards chosen together: one integer program over all cards.

Per card the same columns and rows as the single-card model (units, folders
that exist, folder clusters counted exactly); across cards, per unit, the
number of cards it is on lies between its minimum and maximum copies (by
default at most one). The value is counted once per card a unit is on. The
sequential fill is handed over as the starting solution.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sneakernet.plan.exact import Columns, Rows, card_bounds, card_rows, run_mip, start_guess
from sneakernet.plan.ledger import Ledger
from sneakernet.plan.model import Problem, Quota


@dataclass
class CardsResult:
    chosen: list[set[int]] | None  # per card; None when nothing feasible was found
    value: float
    bound: float
    status: str


def solve_cards(
    problem: Problem,
    cards: int,
    min_copies: list[int],
    max_copies: list[int],
    start: list[Ledger] | None,
    time_limit: float,
    gap: float = 1e-6,
    later_quotas: list[Quota] | None = None,
) -> CardsResult:
    """`later_quotas`, when given, replaces the quotas on every card but the first."""
    units = problem.units
    n_u, n_d = len(units), len(problem.dirs)
    cols = Columns.of(problem)
    per = cols.per
    n_cols = per * cards
    lower, upper, cost = np.zeros(n_cols), np.ones(n_cols), np.zeros(n_cols)
    rows = Rows()
    later = problem if later_quotas is None else replace(problem, quotas=later_quotas)
    for k in range(cards):
        card_bounds(problem, cols, k * per, lower, upper, cost)
        card_rows(problem if k == 0 else later, cols, k * per, rows)
    # Copies of each item across the set, whatever rung each copy is at.
    groups: dict[int, list[int]] = {}
    for u in units:
        groups.setdefault(problem.group_key(u), []).append(u.index)
    for members in groups.values():
        head = units[members[0]]
        lo = max(min_copies[head.index], 1 if any(units[i].must for i in members) else 0)
        cols_ = [k * per + i for k in range(cards) for i in members]
        rows.add(cols_, [1] * len(cols_), lo, max_copies[head.index])
    guess = None
    if start is not None:
        guess = np.zeros(n_cols)
        for k, ledger in enumerate(start[:cards]):
            start_guess(cols, k * per, ledger, n_d, guess)
        for k in range(len(start), cards):
            guess[k * per + cols.y0] = lower[k * per + cols.y0]
    out = run_mip(lower, upper, cost, rows, guess, time_limit, gap)
    if out.x is None:
        return CardsResult(None, 0.0, out.bound, out.status)
    chosen = [
        {int(i) for i in np.flatnonzero(out.x[k * per : k * per + n_u] > 0.5)} for k in range(cards)
    ]
    return CardsResult(chosen, out.value, out.bound, out.status)
