"""The exact integer program, solved by HiGHS under a time limit.

One binary per unit (an item at one of its rungs is one unit per rung, at
most one of them chosen: a multiple-choice knapsack); per folder, a binary "exists" and an integer number of
clusters at least its entries need, so folder growth is counted exactly, not
estimated. The greedy plan is handed over as the starting solution.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np

from sneakernet.plan.ledger import Ledger
from sneakernet.plan.model import Problem


@dataclass
class ExactResult:
    chosen: set[int] | None  # None when HiGHS found nothing better than the start
    value: float
    bound: float
    status: str  # optimal, time limit, infeasible, ...


@contextmanager
def _stdout_silenced():
    """HiGHS prints a banner on stdout when created; stdout belongs to --json."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


class Rows:
    """Constraint rows in HiGHS's sparse form, added one by one."""

    def __init__(self) -> None:
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.starts: list[int] = []
        self.index: list[int] = []
        self.values: list[float] = []

    def add(self, cols: list[int], coefs: list[float], lo: float, hi: float) -> None:
        self.starts.append(len(self.index))
        self.index.extend(cols)
        self.values.extend(coefs)
        self.lo.append(lo)
        self.hi.append(hi)


@dataclass
class Columns:
    """Where one card's columns start: x_u at o+u, z_d at o+z0+d (d >= 1), y_d at o+y0+d."""

    z0: int
    y0: int
    per: int  # columns of one card

    @classmethod
    def of(cls, problem: Problem) -> Columns:
        n_u, n_d = len(problem.units), len(problem.dirs)
        return cls(n_u - 1, n_u + n_d - 1, n_u + n_d - 1 + n_d)


def card_bounds(problem: Problem, cols: Columns, o: int, lower, upper, cost) -> None:
    """One card's column bounds and values, its columns starting at `o`."""
    cap, units, dirs = problem.capacity, problem.units, problem.dirs
    upper[o + cols.y0 : o + cols.per] = cap.cluster_count
    lower[o + cols.y0] = cap.dir_clusters(dirs[0].own_slots)
    cost[o : o + len(units)] = [u.value for u in units]


def card_rows(problem: Problem, cols: Columns, o: int, rows: Rows) -> None:
    """One card's rows (capacity, folders, series order, quotas), its columns at `o`."""
    cap, units, dirs = problem.capacity, problem.units, problem.dirs
    n_u, n_d = len(units), len(dirs)
    z0, y0 = o + cols.z0, o + cols.y0
    slots_per_cluster = cap.cluster_size // 32
    inf = highspy.kHighsInf
    # The card: file clusters plus folder clusters.
    rows.add(
        [o + i for i in range(n_u)] + list(range(y0, y0 + n_d)),
        [u.data_clusters for u in units] + [1] * n_d,
        -inf,
        cap.cluster_count,
    )
    # Each folder holds its entries: S*y_d - own*z_d - sum(slots * members) >= 0.
    members: list[list[tuple[int, float]]] = [[] for _ in dirs]
    for u in units:
        members[u.directory].append((o + u.index, u.slots))
    for d in range(1, n_d):
        members[dirs[d].parent].append((z0 + d, dirs[d].name_slots))
    for d in range(n_d):
        cs = [y0 + d] + [c for c, _ in members[d]]
        coefs = [slots_per_cluster] + [-s for _, s in members[d]]
        if d == 0:
            rows.add(cs, coefs, dirs[0].own_slots, inf)
        else:
            rows.add(cs + [z0 + d], coefs + [-dirs[d].own_slots], 0, inf)
    # A folder exists when anything is in it.
    for u in units:
        if u.directory:
            rows.add([o + u.index, z0 + u.directory], [1, -1], -inf, 0)
    for d in range(1, n_d):
        if dirs[d].parent:
            rows.add([z0 + d, z0 + dirs[d].parent], [1, -1], -inf, 0)
    # One rung per item (or series) at most.
    for group in problem.choices().values():
        rows.add([o + u.index for u in group], [1] * len(group), -inf, 1)
    # A series taken in part keeps its first episodes.
    for u in units:
        if u.previous is not None:
            rows.add([o + u.index, o + u.previous], [1, -1], -inf, 0)
    for quota in problem.quotas:
        kind_units = [u for u in units if quota.kind in u.kind_clusters]
        bound = problem.quota_clusters(quota)
        rows.add(
            [o + u.index for u in kind_units],
            [u.kind_clusters[quota.kind] for u in kind_units],
            bound if quota.at_least else -inf,
            inf if quota.at_least else bound,
        )


def start_guess(cols: Columns, o: int, ledger: Ledger, n_d: int, guess) -> None:
    """A ledger's card as column values, its columns at `o`."""
    for i in ledger.chosen:
        guess[o + i] = 1
    for d in range(1, n_d):
        guess[o + cols.z0 + d] = 1 if ledger.members[d] else 0
    guess[o + cols.y0 : o + cols.per] = ledger.dir_used


@dataclass
class MipOutcome:
    status: str  # optimal, time limit, infeasible, ...
    bound: float
    value: float
    x: np.ndarray | None  # None when no feasible point was found


def run_mip(lower, upper, cost, rows: Rows, guess, time_limit: float, gap: float) -> MipOutcome:
    """Maximise `cost` over integer columns under `rows`, started from `guess` (or None)."""
    n_cols = len(cost)
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
        len(rows.lo),
        np.array(rows.lo),
        np.array(rows.hi),
        len(rows.index),
        np.array(rows.starts, dtype=np.int32),
        np.array(rows.index, dtype=np.int32),
        np.array(rows.values, dtype=np.float64),
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if guess is not None:
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
        return MipOutcome(name, 0.0, 0.0, None)
    bound = float(info.mip_dual_bound)
    if info.primal_solution_status != 2:  # no feasible point
        return MipOutcome(name, bound, 0.0, None)
    x = np.asarray(h.getSolution().col_value)
    return MipOutcome(name, bound, float(info.objective_function_value), x)


def solve_exact(
    problem: Problem, start: Ledger | None, time_limit: float, gap: float = 1e-6
) -> ExactResult:
    cols = Columns.of(problem)
    n_u = len(problem.units)
    lower, upper, cost = np.zeros(cols.per), np.ones(cols.per), np.zeros(cols.per)
    card_bounds(problem, cols, 0, lower, upper, cost)
    rows = Rows()
    for u in problem.units:
        if u.must and u.choice is None:
            lower[u.index] = 1
    for group in problem.choices().values():
        if any(u.must for u in group):  # a required item, at one of its rungs
            rows.add([u.index for u in group], [1] * len(group), 1, 1)
    card_rows(problem, cols, 0, rows)
    guess = None
    if start is not None:
        guess = np.zeros(cols.per)
        start_guess(cols, 0, start, len(problem.dirs), guess)
    out = run_mip(lower, upper, cost, rows, guess, time_limit, gap)
    if out.x is None:
        return ExactResult(None, 0.0, 0.0 if out.status == "infeasible" else out.bound, out.status)
    chosen = {int(i) for i in np.flatnonzero(out.x[:n_u] > 0.5)}
    return ExactResult(chosen, out.value, out.bound, out.status)
