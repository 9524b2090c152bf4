"""The exact integer program, solved by HiGHS under a time limit.

One binary per unit; per folder, a binary "exists" and an integer number of
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


def solve_exact(
    problem: Problem, start: Ledger | None, time_limit: float, gap: float = 1e-6
) -> ExactResult:
    cap = problem.capacity
    units, dirs = problem.units, problem.dirs
    n_u, n_d = len(units), len(dirs)
    # Columns: x_u (units), z_d (folders 1..), y_d (folder clusters, root included).
    z0 = n_u - 1  # z index for folder d is z0 + d (d >= 1)
    y0 = n_u + n_d - 1
    n_cols = y0 + n_d
    slots_per_cluster = cap.cluster_size // 32

    lower = np.zeros(n_cols)
    upper = np.ones(n_cols)
    upper[y0:] = cap.cluster_count
    lower[y0] = cap.dir_clusters(dirs[0].own_slots)
    for u in units:
        if u.must:
            lower[u.index] = 1
    cost = np.zeros(n_cols)
    cost[:n_u] = [u.value for u in units]

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
    # The card: file clusters plus folder clusters.
    row(
        list(range(n_u)) + list(range(y0, y0 + n_d)),
        [u.data_clusters for u in units] + [1] * n_d,
        -inf,
        cap.cluster_count,
    )
    # Each folder holds its entries: S*y_d - own*z_d - sum(slots * members) >= 0.
    members: list[list[tuple[int, float]]] = [[] for _ in dirs]
    for u in units:
        members[u.directory].append((u.index, u.slots))
    for d in range(1, n_d):
        members[dirs[d].parent].append((z0 + d, dirs[d].name_slots))
    for d in range(n_d):
        cols = [y0 + d] + [c for c, _ in members[d]]
        coefs = [slots_per_cluster] + [-s for _, s in members[d]]
        if d == 0:
            row(cols, coefs, dirs[0].own_slots, inf)
        else:
            row(cols + [z0 + d], coefs + [-dirs[d].own_slots], 0, inf)
    # A folder exists when anything is in it.
    for u in units:
        if u.directory:
            row([u.index, z0 + u.directory], [1, -1], -inf, 0)
    for d in range(1, n_d):
        if dirs[d].parent:
            row([z0 + d, z0 + dirs[d].parent], [1, -1], -inf, 0)
    # A series taken in part keeps its first episodes.
    for u in units:
        if u.previous is not None:
            row([u.index, u.previous], [1, -1], -inf, 0)
    for quota in problem.quotas:
        kind_units = [u for u in units if quota.kind in u.kind_clusters]
        bound = problem.quota_clusters(quota)
        row(
            [u.index for u in kind_units],
            [u.kind_clusters[quota.kind] for u in kind_units],
            bound if quota.at_least else -inf,
            inf if quota.at_least else bound,
        )

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
        for i in start.chosen:
            guess[i] = 1
        for d in range(1, n_d):
            guess[z0 + d] = 1 if start.members[d] else 0
        guess[y0:] = start.dir_used
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
        return ExactResult(None, 0.0, 0.0, name)
    bound = info.mip_dual_bound
    if info.primal_solution_status != 2:  # no feasible point
        return ExactResult(None, 0.0, bound, name)
    x = np.asarray(h.getSolution().col_value[:n_u])
    chosen = {int(i) for i in np.flatnonzero(x > 0.5)}
    return ExactResult(chosen, float(info.objective_function_value), float(bound), name)
