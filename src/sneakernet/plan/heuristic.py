"""Fast plans: greedy by value density, then repair and improvement.

Used as the exact solver's starting point, and alone when it has no time.
"""

from __future__ import annotations

import bisect

from sneakernet.errors import UserError
from sneakernet.plan.ledger import Ledger
from sneakernet.plan.model import Problem, Unit


def density(unit: Unit, cluster_size: int) -> float:
    return unit.value / (unit.data_clusters + unit.slots * 32 / cluster_size or 1)


def by_density(problem: Problem) -> list[Unit]:
    """Densest first. A film's cheaper rung keeps more of its value than of its
    size, so it comes before its best rung: filling takes each film at its
    densest rung, and `upgrade` then raises films while room is left."""
    cs = problem.capacity.cluster_size
    return sorted(problem.units, key=lambda u: (-density(u, cs), -u.data_clusters, u.index))


def upgrade(problem: Problem, ledger: Ledger) -> None:
    """Raise films to better rungs while they fit, the most value per extra cluster
    first (the greedy of the multiple-choice knapsack along each film's rungs).

    A film's rungs share its folder and name, so a better rung costs exactly its
    extra data clusters."""
    choices = problem.choices()
    if not choices:
        return
    steps = []
    for group in choices.values():
        for a in group:
            for b in group:
                if b.value > a.value and b.data_clusters > a.data_clusters:
                    gain = (b.value - a.value) / (b.data_clusters - a.data_clusters)
                    steps.append((-gain, a.index, b.index))
                elif b.value > a.value:
                    steps.append((float("-inf"), a.index, b.index))  # better and no larger
    steps.sort()
    units = problem.units
    for _, a, b in steps:
        if a not in ledger.chosen:
            continue
        low, high = units[a], units[b]
        extra = high.data_clusters - low.data_clusters
        if extra > ledger.free:
            continue
        over = any(
            kind in ledger.limits
            and ledger.kind_clusters.get(kind, 0)
            + high.kind_clusters.get(kind, 0)
            - low.kind_clusters.get(kind, 0)
            > ledger.limits[kind]
            for kind in high.kind_clusters
        )
        if not over:
            ledger.remove(low)
            ledger.add(high)


def place_musts(problem: Problem, ledger: Ledger) -> None:
    for unit in problem.units:
        if unit.must and not ledger.taken(unit):
            # The best rung that fits (an item without rungs has only itself).
            fitting = [u for u in problem.alternatives(unit) if u.must and ledger.allowed(u)]
            if fitting:
                unit = fitting[0]
            else:
                unit = problem.alternatives(unit)[-1]
            if not ledger.allowed(unit):
                raise UserError(
                    f"the items you require (--must) do not fit on one card: {unit.label} "
                    f"needs {ledger.cost(unit) * ledger.capacity.cluster_size} bytes but only "
                    f"{ledger.free * ledger.capacity.cluster_size} are left; require less "
                    "or use a larger card"
                )
            ledger.add(unit)


def _fill(ledger: Ledger, order: list[Unit]) -> None:
    """Add every unit that still fits, in order; repeat while a series grows."""
    added = True
    while added:
        added = False
        for unit in order:
            if unit.index not in ledger.chosen and ledger.allowed(unit):
                ledger.add(unit)
                added = added or unit.previous is not None


def plain_greedy(problem: Problem) -> Ledger:
    """The textbook baseline: required items, then by value density while it fits."""
    ledger = Ledger(problem)
    place_musts(problem, ledger)
    _fill(ledger, by_density(problem))
    return ledger


def meets_minimums(problem: Problem, ledger: Ledger) -> bool:
    return all(
        ledger.kind_clusters.get(q.kind, 0) >= problem.quota_clusters(q)
        for q in problem.quotas
        if q.at_least
    )


def greedy(problem: Problem) -> Ledger:
    """Required items, then each at-least quota, then the rest; then improve by swaps."""
    ledger = Ledger(problem)
    place_musts(problem, ledger)
    order = by_density(problem)
    for quota in problem.quotas:
        if not quota.at_least:
            continue
        target = problem.quota_clusters(quota)
        for unit in order:
            if ledger.kind_clusters.get(quota.kind, 0) >= target:
                break
            if (
                quota.kind in unit.kind_clusters
                and unit.index not in ledger.chosen
                and ledger.allowed(unit)
            ):
                ledger.add(unit)
    _fill(ledger, order)
    upgrade(problem, ledger)
    improve(problem, ledger, order)
    return ledger


def improve(problem: Problem, ledger: Ledger, order: list[Unit], tries: int = 200) -> None:
    """Swap one chosen unit for a more valuable left-out one where that fits."""
    units = problem.units
    minimums_met = meets_minimums(problem, ledger)
    left = sorted((u for u in order if u.index not in ledger.chosen), key=lambda u: -u.value)[
        :tries
    ]
    removable = sorted(
        (units[i] for i in ledger.chosen if not units[i].must), key=lambda u: u.data_clusters
    )
    sizes = [u.data_clusters for u in removable]
    follower = {u.previous: u.index for u in units if u.previous is not None}
    for unit in left:
        if unit.index in ledger.chosen:
            continue
        need = ledger.cost(unit) - ledger.free
        start = bisect.bisect_left(sizes, need)
        for victim in removable[start : start + 8]:
            if victim.index not in ledger.chosen or victim.value >= unit.value:
                continue
            if follower.get(victim.index) in ledger.chosen:
                continue
            ledger.remove(victim)
            if ledger.allowed(unit):
                ledger.add(unit)
                if meets_minimums(problem, ledger) or not minimums_met:
                    _fill(ledger, order)
                    break
                ledger.remove(unit)
            ledger.add(victim)
