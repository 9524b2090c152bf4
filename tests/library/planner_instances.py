"""Generated planner instances: items backed by sparse files of exact sizes."""

from __future__ import annotations

import os
from pathlib import Path

from sneakernet import fat
from sneakernet.library.catalog import Item
from sneakernet.plan.capacity import card_capacity
from sneakernet.plan.model import Problem, build_problem


def sparse_items(folder: Path, specs: list[tuple[str, int, int, str | None]]) -> list[Item]:
    """specs: (kind, size, priority, group); files named item<N>, episodes in order."""
    folder.mkdir(parents=True, exist_ok=True)
    items, positions = [], {}
    for n, (kind, size, priority, group) in enumerate(specs, 1):
        path = folder / f"item{n}.bin"
        with open(path, "wb") as f:
            f.truncate(size)
        position = None
        if group:
            positions[group] = position = positions.get(group, 0) + 1
        items.append(Item(n, f"{n:064x}", str(path), size, kind, priority, (), group, position))
    return items


def job_setup(tmp_path: Path, specs: list[tuple[str, int, int, str | None]]):
    """A catalog of sparse items, an empty cache and the cards folder, for `run_make`."""
    from sneakernet.library.catalog import Catalog

    catalog = Catalog.open(tmp_path / "catalog.sqlite")
    for it in sparse_items(tmp_path / "lib", specs):
        catalog.add(it)
    cache, out = tmp_path / "cache", tmp_path / "cards"
    cache.mkdir()
    return catalog, cache, out


def card_files(plan) -> list[tuple[str, int]]:
    return [(f.card_path, f.size) for card in plan.cards[:1] for f in card.files]


def fits(files: list[tuple[str, int]], size: int) -> bool:
    """The image writer's own verdict."""
    return fat.plan_capacity(files, size).fits


def choices(problem: Problem):
    """Every choice of units the rules allow (series whole, or first K episodes; an
    item at one rung at most)."""
    units = problem.units
    for mask in range(1 << len(units)):
        chosen = [u for u in units if mask >> u.index & 1]
        rungs = [u.choice for u in chosen if u.choice is not None]
        if len(rungs) != len(set(rungs)):
            continue  # one item at two rungs
        if all(u.previous is None or mask >> u.previous & 1 for u in chosen):
            yield chosen


def brute_force(items: list[Item], size: int, quotas=(), partial=False) -> tuple[float, list]:
    """Best value over all allowed choices, fit judged by the FAT layout module."""
    capacity = card_capacity(size)
    problem, _, _ = build_problem(items, capacity, allow_partial_groups=partial, quotas=quotas)
    best, best_choice = 0.0, []
    for chosen in choices(problem):
        value = sum(u.value for u in chosen)
        if value <= best:
            continue
        per_kind: dict[str, int] = {}
        for f in (f for u in chosen for f in u.files):
            clusters = fat.item_cost(f.name, f.size, capacity.cluster_size).clusters
            per_kind[f.kind] = per_kind.get(f.kind, 0) + clusters
        if not all(quota_ok(q, per_kind, capacity.cluster_count) for q in quotas):
            continue
        files = [(f.card_path, f.size) for u in chosen for f in u.files]
        if fits(files, size):
            best, best_choice = value, chosen
    return best, best_choice


def quota_ok(quota, per_kind: dict[str, int], cluster_count: int) -> bool:
    have = per_kind.get(quota.kind, 0)
    limit = quota.share * cluster_count
    return have >= limit if quota.at_least else have <= limit


def stage(plan, items: list[Item], folder: Path) -> Path:
    """A folder laid out as card 1 of the plan (hard links to the originals)."""
    by_id = {it.id: it for it in items}
    for f in plan.cards[0].files:
        target = folder / f.card_path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(by_id[f.item_id].path, target)
    return folder
