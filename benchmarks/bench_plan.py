"""Planner on generated libraries of 100, 1,000 and 10,000 items.

Each library mixes films, series (groups kept whole), songs, books and an
encyclopedia, with quotas video<=60% and book>=5%. For each size we measure
our plan (default settings), a plain greedy by value density, and a long
exact solve (proving optimality, up to 20 s) that gives the optimum or a
proven bound to compare against.
Targets: value >= 99.5% of the optimum (or bound), 10,000 items in <= 2 s.

The 1,000-item library again with each film at up to three rungs (one unit
per rung, at most one per card): the multiple-choice program, same targets.

Then N distinct cards chosen together (`--cards 3`) on libraries about three
times the set: our default solve against a long exact solve (up to 60 s) of
the same joint program, or its proven bound. Target: >= 99.5 %, <= 5 s.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from benchmarks.common import Result
from sneakernet.library.catalog import Item
from sneakernet.plan.capacity import card_capacity
from sneakernet.plan.heuristic import plain_greedy
from sneakernet.plan.model import Quota, build_problem
from sneakernet.plan.planner import Plan, PlanOptions, adjust_minimums, make_plan

MB = 10**6
SIZES = ((100, 16 * 10**9), (1000, 128 * 10**9), (10_000, 1000 * 10**9))
SET_CARDS = 3
QUOTAS = [Quota("video", 0.6, False), Quota("book", 0.05, True)]


def generate_library(folder: Path, count: int, seed: int) -> list[Item]:
    """Items backed by sparse files (sizes are real, contents are not read)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    items: list[Item] = []

    def item(kind: str, size: int, group: str | None = None, position: int | None = None):
        n = len(items) + 1
        path = folder / f"item{n:05d}"
        with open(path, "wb") as f:
            f.truncate(size)
        items.append(
            Item(n, f"{n:064x}", str(path), size, kind, rng.randint(1, 10), (), group, position)
        )

    series = 0
    while len(items) < count:
        roll = rng.random()
        if roll < 0.12:
            item("video", rng.randint(300 * MB, 2000 * MB))
        elif roll < 0.2:
            series += 1
            episodes = min(rng.randint(4, 16), count - len(items))
            episode_size = rng.randint(150 * MB, 600 * MB)
            for e in range(episodes):
                size = int(episode_size * rng.uniform(0.9, 1.1))
                item("video", size, f"드라마 {series}", e + 1)
        elif roll < 0.7:
            item("audio", rng.randint(3 * MB, 12 * MB))
        elif roll < 0.995:
            item("book", rng.randint(200_000, 30 * MB))
        else:
            item("encyclopedia", rng.randint(1000 * MB, 4000 * MB))
    return items


def run(workdir: Path) -> list[Result]:
    results: list[Result] = []
    for count, card in SIZES:
        items = generate_library(workdir / f"lib{count}", count, seed=count)
        options = PlanOptions(size=card, quotas=QUOTAS)
        start = time.perf_counter()
        plan = make_plan(items, options)
        ours_seconds = time.perf_counter() - start

        problem, _, _ = build_problem(items, card_capacity(card), quotas=QUOTAS)
        adjust_minimums(problem, [])
        greedy_value = plain_greedy(problem).value

        reference = make_plan(items, PlanOptions(size=card, quotas=QUOTAS, time_limit=20, gap=0))
        target = _optimum_or_bound(plan, reference)
        label = f"{count} items, {card // 10**9} GB card"
        results += [
            Result(f"{label}: our value / optimum or bound", plan.value / target, "", 0.995),
            Result(f"{label}: plain greedy value / optimum or bound", greedy_value / target),
            Result(
                f"{label}: our value over plain greedy", (plan.value / greedy_value - 1) * 100, "%"
            ),
            Result(f"{label}: our reported gap", plan.gap * 100, "%"),
            Result(f"{label}: time", ours_seconds, "s", 2.0 if count >= 10_000 else None, False),
            Result(f"{label}: reference solve gap", reference.gap * 100, "%"),
        ]
        results += _cards_together(items, count)
        if count == 1000:
            results += _with_rungs(items, card, count)
        for f in (workdir / f"lib{count}").iterdir():
            os.unlink(f)
    return results


def _with_rungs(items: list[Item], card: int, count: int) -> list[Result]:
    """The same library with every film at up to three rungs (the notel ladder), on the
    same card and as 3 cards together, against a long exact solve of the same."""
    from dataclasses import replace

    from sneakernet.library.catalog import ItemRung

    ladder = ((1.0, 1.0), (0.7, 0.95), (0.5, 0.91))
    laddered = [
        replace(
            it, rungs=tuple(ItemRung(n, int(it.size * s), v) for n, (s, v) in enumerate(ladder))
        )  # fmt: skip
        if it.kind == "video"
        else it
        for it in items
    ]
    out: list[Result] = []
    for cards, size in ((1, card), (SET_CARDS, sum(it.size for it in items) // (3 * SET_CARDS))):
        options = PlanOptions(size=size, cards=cards, quotas=QUOTAS)
        start = time.perf_counter()
        plan = make_plan(laddered, options)
        seconds = time.perf_counter() - start
        long = PlanOptions(size=size, cards=cards, quotas=QUOTAS, time_limit=30, gap=0)
        reference = make_plan(laddered, long)
        target = _optimum_or_bound(plan, reference)
        lowered = sum(1 for c in plan.cards for f in c.files if f.rung)
        label = f"{count} items with rungs, {cards} card(s) of {size / 10**9:.1f} GB"
        out += [
            Result(f"{label}: our value / optimum or bound", plan.value / target, "", 0.995),
            Result(f"{label}: films at a lower rung", lowered, ""),
            Result(f"{label}: time", seconds, "s", 5.0, False),
            Result(f"{label}: reference solve gap", reference.gap * 100, "%"),
        ]
    return out


def _optimum_or_bound(plan: Plan, reference: Plan) -> float:
    """The optimum when the long solve proved it, else the best proven bound."""
    if reference.gap > 1e-6:
        return min(reference.bound, plan.bound)
    return max(reference.value, plan.value)


def _cards_together(items: list[Item], count: int) -> list[Result]:
    """`--cards 3` on a library about three times the set's size."""
    total = sum(it.size for it in items)
    card = total // (3 * SET_CARDS)
    options = PlanOptions(size=card, cards=SET_CARDS, quotas=QUOTAS)
    start = time.perf_counter()
    plan = make_plan(items, options)
    seconds = time.perf_counter() - start
    long = PlanOptions(size=card, cards=SET_CARDS, quotas=QUOTAS, time_limit=60, gap=0)
    reference = make_plan(items, long)
    target = _optimum_or_bound(plan, reference)
    distinct = len({frozenset(f.item_id for f in c.files) for c in plan.cards})
    label = f"{count} items, {SET_CARDS} cards of {card / 10**9:.1f} GB together"
    return [
        Result(f"{label}: our value / optimum or bound", plan.value / target, "", 0.995),
        Result(f"{label}: distinct cards", distinct, "", SET_CARDS),
        Result(f"{label}: time", seconds, "s", 5.0, False),
        Result(f"{label}: reference solve gap", reference.gap * 100, "%"),
    ]
