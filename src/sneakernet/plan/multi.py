"""N distinct cards chosen together: one integer program over all cards.

Per card the same columns and rows as the single-card model (units, folders
that exist, folder clusters counted exactly); across cards, per unit, the
number of cards it is on lies between its minimum and maximum copies (by
default at most one). The value is counted once per card a unit is on. The
sequential fill is handed over as the starting solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from sneakernet.plan.exact import _stdout_silenced
from sneakernet.plan.ledger import Ledger
from sneakernet.plan.model import Problem


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
) -> CardsResult:
    cap = problem.capacity
    units, dirs = problem.units, problem.dirs
    n_u, n_d = len(units), len(dirs)
    z0 = n_u - 1
    y0 = n_u + n_d - 1
    per = y0 + n_d  # columns of one card
    n_cols = per * cards
    spc = cap.cluster_size // 32

    lower = np.zeros(n_cols)
    upper = np.ones(n_cols)
    cost = np.zeros(n_cols)
    for k in range(cards):
        o = k * per
        upper[o + y0 : o + per] = cap.cluster_count
        lower[o + y0] = cap.dir_clusters(dirs[0].own_slots)
        cost[o : o + n_u] = [u.value for u in units]

    rows_lo: list[float] = []
    rows_hi: list[float] = []
    starts: list[int] = []
    index: list[int] = []
    values: list[float] = []

    def row(cols: list[int], coefs: list[float], lo: float, hi: float) -> None:
        starts.append(len(index))
        index.extend(cols)
        values.extend(coefs)
        rows_lo.append(lo)
        rows_hi.append(hi)

    inf = highspy.kHighsInf
    members: list[list[tuple[int, float]]] = [[] for _ in dirs]
    for u in units:
        members[u.directory].append((u.index, u.slots))
    for d in range(1, n_d):
        members[dirs[d].parent].append((z0 + d, dirs[d].name_slots))
    for k in range(cards):
        o = k * per
        row(
            [o + i for i in range(n_u)] + [o + y0 + d for d in range(n_d)],
            [u.data_clusters for u in units] + [1] * n_d,
            -inf,
            cap.cluster_count,
        )
        for d in range(n_d):
            cols = [o + y0 + d] + [o + c for c, _ in members[d]]
            coefs = [spc] + [-s for _, s in members[d]]
            if d == 0:
                row(cols, coefs, dirs[0].own_slots, inf)
            else:
                row(cols + [o + z0 + d], coefs + [-dirs[d].own_slots], 0, inf)
        for u in units:
            if u.directory:
                row([o + u.index, o + z0 + u.directory], [1, -1], -inf, 0)
        for d in range(1, n_d):
            if dirs[d].parent:
                row([o + z0 + d, o + z0 + dirs[d].parent], [1, -1], -inf, 0)
        for u in units:
            if u.previous is not None:
                row([o + u.index, o + u.previous], [1, -1], -inf, 0)
        for quota in problem.quotas:
            kind_units = [u for u in units if quota.kind in u.kind_clusters]
            bound = problem.quota_clusters(quota)
            row(
                [o + u.index for u in kind_units],
                [u.kind_clusters[quota.kind] for u in kind_units],
                bound if quota.at_least else -inf,
                inf if quota.at_least else bound,
            )
    # Copies of each unit across the set.
    for u in units:
        lo = max(min_copies[u.index], 1 if u.must else 0)
        row([k * per + u.index for k in range(cards)], [1] * cards, lo, max_copies[u.index])

    with _stdout_silenced():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.05, time_limit))
    h.setOptionValue("mip_rel_gap", gap)
    h.addVars(n_cols, lower, upper)
    h.changeColsIntegrality(
        n_cols, np.arange(n_cols, dtype=np.int32), np.full(n_cols, 1, dtype=np.uint8)
    )
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
    h.addRows(
        len(rows_lo),
        np.array(rows_lo),
        np.array(rows_hi),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(values, dtype=np.float64),
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if start is not None:
        guess = np.zeros(n_cols)
        for k, ledger in enumerate(start[:cards]):
            o = k * per
            for i in ledger.chosen:
                guess[o + i] = 1
            for d in range(1, n_d):
                guess[o + z0 + d] = 1 if ledger.members[d] else 0
            guess[o + y0 : o + per] = ledger.dir_used
        for k in range(len(start), cards):
            guess[k * per + y0] = lower[k * per + y0]
        solution = highspy.HighsSolution()
        solution.col_value = list(guess)
        h.setSolution(solution)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    name = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time limit",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
    }.get(status, h.modelStatusToString(status))
    if name == "infeasible":
        return CardsResult(None, 0.0, 0.0, name)
    bound = float(info.mip_dual_bound)
    if info.primal_solution_status != 2:
        return CardsResult(None, 0.0, bound, name)
    x = np.asarray(h.getSolution().col_value)
    chosen = [
        {int(i) for i in np.flatnonzero(x[k * per : k * per + n_u] > 0.5)} for k in range(cards)
    ]
    return CardsResult(chosen, float(info.objective_function_value), bound, name)
