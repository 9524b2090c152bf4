"""Several sizes per film: a multiple-choice knapsack, solved exactly with HiGHS.

A video can go on the card at one of a few rungs: the encode that meets its
profile's quality floor, and one or two cheaper encodes down to a hard
minimum. Each rung has its size (in clusters) and a value a little below the
rung above it, so a nearly full card takes one more film at a lower rung
rather than leaving it off, and a film is never lowered for nothing.

The model: a 0/1 column x[i, r] per item and rung; at most one rung per item
(exactly one for a must-have); the chosen clusters fit the card; maximise the
chosen value. It is run through the same HiGHS call as the card planner
(`exact.run_mip`).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from sneakernet.errors import UserError
from sneakernet.plan.exact import Rows, run_mip

# Share of the floor-meeting size, and share of its value, for each rung.
# Value falls far slower than size, but it falls: the full rung is preferred
# whenever it fits.
DEFAULT_LADDER: tuple[tuple[float, float], ...] = ((1.0, 1.0), (0.75, 0.95), (0.55, 0.88))


@dataclass(frozen=True)
class Rung:
    level: int  # 0: meets the profile's floor; 1, 2: cheaper
    clusters: int
    value: float
    vmaf: float | None = None  # measured or predicted quality of this rung, when known
    crf: float | None = None  # the encoder setting that gives it, when known


@dataclass(frozen=True)
class RungItem:
    item_id: int
    rungs: tuple[Rung, ...]
    must: bool = False


@dataclass(frozen=True)
class RungChoice:
    chosen: dict[int, Rung]  # item id -> the rung to encode
    value: float
    clusters: int
    status: str


def ladder(
    item_id: int,
    full_clusters: int,
    full_value: float,
    minimum_clusters: int,
    steps: tuple[tuple[float, float], ...] = DEFAULT_LADDER,
    must: bool = False,
) -> RungItem:
    """The item's rungs from its floor-meeting size; none below the hard minimum."""
    rungs = []
    for level, (size_share, value_share) in enumerate(steps):
        clusters = max(1, round(full_clusters * size_share))
        if clusters < minimum_clusters:
            break
        rungs.append(Rung(level, clusters, full_value * value_share))
    if not rungs:
        rungs.append(Rung(0, full_clusters, full_value))
    return RungItem(item_id, tuple(rungs), must)


def choose_rungs(
    items: list[RungItem], capacity_clusters: int, time_limit: float = 30.0
) -> RungChoice:
    """One rung (or none) per item, fitting the card, of the greatest total value."""
    columns = [(i, r) for i, item in enumerate(items) for r in range(len(item.rungs))]
    n = len(columns)
    if n == 0:
        return RungChoice({}, 0.0, 0, "optimal")
    cost = np.array([items[i].rungs[r].value for i, r in columns], dtype=np.float64)
    lower, upper = np.zeros(n), np.ones(n)
    rows = Rows()
    start = 0
    for item in items:
        cols = list(range(start, start + len(item.rungs)))
        rows.add(cols, [1.0] * len(cols), 1.0 if item.must else 0.0, 1.0)
        start += len(cols)
    sizes = [float(items[i].rungs[r].clusters) for i, r in columns]
    rows.add(list(range(n)), sizes, -highspy.kHighsInf, float(capacity_clusters))
    out = run_mip(lower, upper, cost, rows, None, time_limit, 0.0)
    if out.x is None:
        raise UserError(
            "the must-have films do not fit the card even at their lowest rungs: "
            "choose a larger card or fewer must-haves"
        )
    chosen = {
        items[i].item_id: items[i].rungs[r]
        for (i, r), x in zip(columns, out.x, strict=True)
        if x > 0.5
    }
    return RungChoice(
        chosen,
        sum(r.value for r in chosen.values()),
        sum(r.clusters for r in chosen.values()),
        out.status,
    )
