"""Choosing what goes on each card.

For each card: greedy by value density (with quotas and swaps), then the exact
integer program started from it, then the card tree is measured with the
layout's own arithmetic and repaired if needed, then every left-out item that
still fits is added. Several different cards are filled one after another
from what is left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sneakernet.errors import UserError
from sneakernet.library.catalog import Item
from sneakernet.plan import fill
from sneakernet.plan.capacity import CapacityModel, Measured, card_capacity
from sneakernet.plan.exact import solve_exact
from sneakernet.plan.heuristic import by_density, greedy, meets_minimums, plain_greedy, upgrade
from sneakernet.plan.ledger import Ledger
from sneakernet.plan.model import LeftOut, PlanFile, Problem, Quota, Unit, build_problem
from sneakernet.plan.multi import solve_cards
from sneakernet.policy import natural_key
from sneakernet.sizes import human_size


@dataclass
class PlanOptions:
    size: int
    cards: int = 1
    copies: bool = False
    must: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    quotas: list[Quota] = field(default_factory=list)
    allow_partial_groups: bool = False
    time_limit: float = 1.0  # seconds of exact solving, all cards together
    gap: float = 1e-4  # stop when proven this close to the optimum (0: prove optimality)
    language: str = "ko"
    cluster_size: int | None = None
    min_copies: list[tuple[str, int]] = field(default_factory=list)  # (REF, K): on >= K cards
    max_copies: list[tuple[str, int]] = field(default_factory=list)  # (REF, K): on <= K cards


@dataclass
class CardPlan:
    index: int
    files: list[PlanFile]  # in playback order
    value: float
    used_bytes: int
    free_bytes: int
    free_note: str


@dataclass
class Plan:
    card_size: int
    cluster_size: int
    data_bytes: int  # what the card's clusters hold in all
    cards: list[CardPlan]
    copies: bool
    value: float
    bound: float
    solver: str
    status: str
    greedy_value: float
    seconds: float
    left_out: list[LeftOut]
    warnings: list[str]
    constraints: dict

    @property
    def gap(self) -> float:
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.value) / self.bound)

    def cards_per_item(self) -> dict[int, int]:
        """How many cards of the set each planned item is on (copies count every card)."""
        counts: dict[int, int] = {}
        for card in self.cards:
            for item_id in {f.item_id for f in card.files}:
                counts[item_id] = counts.get(item_id, 0) + 1
        return counts


def _refs_to_ids(items: list[Item], refs: list[str], what: str) -> set[int]:
    ids: set[int] = set()
    for ref in refs:
        found = {
            it.id
            for it in items
            if (ref.isdigit() and it.id == int(ref)) or ref in it.tags or it.group == ref
        }
        if not found:
            raise UserError(f"{what} {ref!r} matches no item: give an item id, a tag or a group")
        ids |= found
    return ids


def _relaxed_units(units: list[Unit]) -> list[Unit]:
    """An item's rungs as increments along the upper hull of (size, value): the
    greedy over them is the LP optimum of the multiple-choice relaxation."""
    groups: dict[int, list[Unit]] = {}
    out = []
    for u in units:
        if u.choice is None:
            out.append(u)
        else:
            groups.setdefault(u.choice, []).append(u)
    for group in groups.values():
        # The hull from (0, 0): a rung under the chord of its neighbours is never
        # worth its share, even in fractions.
        hull: list[tuple[int, float, Unit | None]] = [(0, 0.0, None)]
        for u in sorted(group, key=lambda u: (u.data_clusters, -u.value)):
            if u.value <= hull[-1][1]:
                continue  # larger for no more value
            while len(hull) >= 2:
                (ac, av, _), (bc, bv, _) = hull[-2], hull[-1]
                if (bv - av) * (u.data_clusters - ac) <= (u.value - av) * (bc - ac):
                    hull.pop()  # b lies on or under the chord from a to u
                else:
                    break
            hull.append((u.data_clusters, u.value, u))
        before: dict[str, int] = {}
        for (c0, v0, _), (c1, v1, u) in zip(hull, hull[1:], strict=False):
            step = {k: c - before.get(k, 0) for k, c in u.kind_clusters.items()}
            out.append(replace(u, data_clusters=c1 - c0, value=v1 - v0, kind_clusters=step,
                               choice=None))  # fmt: skip
            before = u.kind_clusters
    return out


def fractional_bound(units: list[Unit], clusters: int, quotas: list[Quota] = ()) -> float:
    """Value of the relaxed problem (fractions allowed, folders free): an upper bound.

    At-most quotas are kept (greedy stays optimal for these nested limits);
    required items and at-least quotas are dropped, which only loosens it.
    An item's rungs count as increments along their hull (`_relaxed_units`).
    """
    units = _relaxed_units(units)
    room = {None: clusters}
    for q in quotas:
        if not q.at_least:
            room[q.kind] = min(room.get(q.kind, clusters), int(q.share * clusters))
    bound = 0.0
    for unit in sorted(units, key=lambda u: -u.value / max(u.data_clusters, 1e-9)):
        take = 1.0 if unit.data_clusters <= room[None] else room[None] / unit.data_clusters
        for kind, used in unit.kind_clusters.items():
            if kind in room and used > 0:
                take = min(take, room[kind] / used)
        if take <= 0:
            continue
        bound += unit.value * take
        room[None] -= take * unit.data_clusters
        for kind, used in unit.kind_clusters.items():
            if kind in room:
                room[kind] -= take * used
    return bound


def _ledger_of(problem: Problem, chosen: set[int]) -> Ledger:
    ledger = Ledger(problem)
    for i in sorted(chosen):
        ledger.add(problem.units[i])
    return ledger


def _card_files(problem: Problem, ledger: Ledger) -> list[PlanFile]:
    """The card's files in playback order: folder by folder, series by episode."""
    files = [f for i in sorted(ledger.chosen) for f in problem.units[i].files]
    return sorted(
        files,
        key=lambda f: (
            natural_key(f.card_path.rsplit("/", 1)[0]),
            f.position or 0,
            natural_key(f.card_path),
        ),
    )


def _smallest_misfit(problem: Problem) -> Unit | None:
    """The smallest unit when not one unit fits on an empty card, else None."""
    empty = Ledger(problem)
    costs = [(empty.cost(u), u.index) for u in problem.units]
    if costs and all(c > problem.capacity.cluster_count for c, _ in costs):
        return problem.units[min(costs)[1]]
    return None


def _confirm(
    problem: Problem,
    ledger: Ledger,
    copies: list[int] | None = None,
    highs: list[int] | None = None,
) -> Measured:
    """Add what still fits, then measure the tree exactly as the image writer will.

    Should the layout count differ from the ledger, the least valuable units
    go until the measured tree fits. For one card of a set, `copies` counts
    each unit's cards so far (kept up to date here): only units with copies to
    spare (below `highs`) are added, and a required unit may go while another
    card carries it.
    """
    capacity = problem.capacity
    order = by_density(problem)
    for unit in order:
        spare = copies is None or copies[unit.index] < highs[unit.index]
        if unit.index not in ledger.chosen and spare and ledger.allowed(unit):
            ledger.add(unit)
            if copies is not None:
                _count(problem, copies, unit, +1)
    upgrade(problem, ledger)
    while True:
        files = [(f.card_path, f.size) for i in ledger.chosen for f in problem.units[i].files]
        measured = capacity.measure(files)
        if measured.fits:
            return measured
        followers = {problem.units[i].previous for i in ledger.chosen}
        victim = next(
            (
                u
                for u in reversed(order)
                if u.index in ledger.chosen
                and not (u.must and (copies is None or copies[u.index] <= 1))
                and u.index not in followers
            ),
            None,
        )
        if victim is None:
            raise UserError("the required items do not fit on the card; require less")
        ledger.remove(victim)
        if copies is not None:
            _count(problem, copies, victim, -1)


def _count(problem: Problem, copies: list[int], unit: Unit, step: int) -> None:
    """One copy more (or less) of the unit's item, counted on each of its rungs."""
    for u in problem.alternatives(unit):
        copies[u.index] += step


def _free_note(problem: Problem, ledger: Ledger, free_bytes: int) -> str:
    left = [u for u in problem.units if not ledger.taken(u)]
    if not left:
        return "everything that could be planned is on the card"
    cs = problem.capacity.cluster_size
    smallest = min(left, key=lambda u: (ledger.cost(u), u.index))
    cost = ledger.cost(smallest) * cs
    if cost > free_bytes:
        return (
            f"free space {human_size(free_bytes)} is less than the smallest item left out, "
            f"{smallest.label}, which needs {human_size(cost)}"
        )
    full = ledger.over_limit(smallest)
    if full:
        why = f"the quota for {full} is full"
    elif smallest.previous is not None and smallest.previous not in ledger.chosen:
        why = "its series is taken only up to an earlier episode"
    else:
        why = "a constraint keeps it off"
    return f"{smallest.label} would fit in the free {human_size(free_bytes)} but {why}"


def _solve_card(
    problem: Problem, time_limit: float, gap: float
) -> tuple[Ledger, Measured, float, float, str, str]:
    """(ledger, bound, plain greedy value, solver, status) for one card."""
    capacity = problem.capacity
    smallest = _smallest_misfit(problem)
    if smallest is not None:
        raise UserError(
            f"nothing fits: the smallest item, {smallest.label}, needs "
            f"{human_size(smallest.bytes)} ({smallest.bytes} bytes) but a card of "
            f"{human_size(capacity.image_size)} holds "
            f"{human_size(capacity.cluster_count * capacity.cluster_size)} of files"
        )
    start = greedy(problem)
    baseline = plain_greedy(problem).value
    ledger, solver, status = start, "greedy", "heuristic (time limit 0)"
    bound = fractional_bound(problem.units, capacity.cluster_count, problem.quotas)
    proven_close = bound <= 0 or (bound - start.value) / bound <= gap
    if proven_close:
        status = "proven within gap"
    if time_limit > 0 and problem.units and not proven_close:
        result = solve_exact(problem, start, time_limit, gap)
        status = result.status
        if result.status == "infeasible":
            raise UserError(
                "the constraints cannot all be met on this card "
                f"({', '.join(map(str, problem.quotas)) or 'required items'}); relax a quota "
                "or require less"
            )
        bound = min(bound, result.bound) if result.bound > 0 else bound
        if result.chosen is not None and result.value > start.value + 1e-9:
            ledger, solver = _ledger_of(problem, result.chosen), "highs"
        elif result.chosen is not None:
            solver = "highs (greedy start was best)"
    if not meets_minimums(problem, ledger):
        missing = [str(q) for q in problem.quotas if q.at_least]
        raise UserError(
            f"cannot meet the quota {', '.join(missing)} with the items in the library; "
            "lower it or add more of that kind"
        )
    measured = _confirm(problem, ledger)
    bound = max(bound, ledger.value)
    return ledger, measured, bound, baseline, solver, status


def adjust_minimums(problem: Problem, warnings: list[str]) -> None:
    """An at-least quota larger than the library holds becomes 'all of that kind'."""
    adjusted = []
    for quota in problem.quotas:
        if quota.at_least:
            have = sum(u.kind_clusters.get(quota.kind, 0) for u in problem.units)
            if have < problem.quota_clusters(quota):
                warnings.append(
                    f"quota {quota}: the library has only {human_size(have * problem.capacity.cluster_size)} "
                    f"of {quota.kind}; taking what fits of it"
                )
                quota = Quota(quota.kind, have / problem.capacity.cluster_count * 0.999, True)
        adjusted.append(quota)
    problem.quotas = adjusted


def make_plan(
    items: list[Item],
    options: PlanOptions,
    capacity_for: Callable[[int, int | None], CapacityModel] = card_capacity,
) -> Plan:
    began = time.perf_counter()
    if not items:
        raise UserError("the library is empty; add items with `sneakernet add PATH` first")
    if options.cards < 1:
        raise UserError("--cards must be at least 1")
    capacity = capacity_for(options.size, options.cluster_size)
    must = _refs_to_ids(items, options.must, "--must")
    excluded = _refs_to_ids(items, options.exclude, "--exclude")
    fillers = fill.fillers(items, excluded)
    if fillers:
        every = items
        items = [it for it in items if it.id not in {f.id for f in fillers}]
        if not items:
            return _fill_only(every, fillers, options, capacity, began)
    if must & excluded:
        raise UserError("an item is both required (--must) and excluded (--exclude); choose one")
    distinct = 1 if options.copies else options.cards
    must_all = set(must)
    remaining = list(items)
    cards: list[CardPlan] = []
    left_out: list[LeftOut] = []
    warnings: list[str] = []
    total_value = greedy_value = 0.0
    bound = 0.0
    solvers, statuses = set(), set()
    all_units: list[Unit] | None = None
    for index in range(1, distinct + 1):
        problem, skipped, notes = build_problem(
            remaining,
            capacity,
            language=options.language,
            allow_partial_groups=options.allow_partial_groups,
            must=must,
            excluded=excluded,
            quotas=options.quotas,
        )
        if index == 1:
            left_out, warnings = skipped, notes
            all_units = problem.units
            if not problem.units:
                reasons = "; ".join(f"{s.name}: {s.reason}" for s in skipped[:3])
                raise UserError(f"no item can be planned ({reasons})")
        elif not problem.units or _smallest_misfit(problem) is not None:
            break
        adjust_minimums(problem, warnings if index == 1 else [])
        if index > 1 or distinct > 1:
            _defer_musts(problem)
        seq_limit = options.time_limit * (0.25 if distinct > 1 else 1.0)
        budget = (seq_limit - (time.perf_counter() - began)) / (distinct - index + 1)
        limit = max(budget, 0.05) if options.time_limit > 0 else 0
        try:
            ledger, measured, card_bound, baseline, solver, status = _solve_card(
                problem, limit, options.gap
            )
        except UserError:
            if index == 1 or not any(q.at_least for q in problem.quotas):
                raise
            # What is left after the first cards may not meet an at-least quota.
            warnings.append(f"card {index}: at-least quotas dropped, too little left to meet them")
            problem.quotas = [q for q in problem.quotas if not q.at_least]
            ledger, measured, card_bound, baseline, solver, status = _solve_card(
                problem, limit, options.gap
            )
        solvers.add(solver)
        statuses.add(status)
        files = _card_files(problem, ledger)
        cards.append(
            CardPlan(
                index,
                files,
                ledger.value,
                measured.used_bytes,
                measured.free_bytes,
                _free_note(problem, ledger, measured.free_bytes),
            )
        )
        total_value += ledger.value
        greedy_value += baseline
        bound += card_bound
        placed = {f.item_id for f in files}
        must -= placed
        remaining = [it for it in remaining if it.id not in placed]
    if must:
        raise UserError(
            f"{len(must)} required item(s) did not fit on {distinct} card(s); require less "
            "or plan more cards"
        )
    if distinct > 1:
        # Cards filled one after another: each card's own bound holds only for what
        # was left to it, so bound the whole set by its relaxation instead.
        whole = fractional_bound(all_units or [], capacity.cluster_count * distinct, options.quotas)
        bound = max(whole, total_value)
        joint = _solve_together(items, options, capacity, must_all, excluded, cards, began)
        if joint is not None:
            cards, total_value, joint_bound, solver, status, notes = joint
            warnings.extend(notes)
            solvers, statuses = {solver}, {status}
            if joint_bound > 0 and options.max_copies == [] and options.min_copies == []:
                bound = min(bound, joint_bound)
            elif joint_bound > 0:
                bound = joint_bound
            bound = max(bound, total_value)
    elif options.min_copies or options.max_copies:
        raise UserError(
            "--min-copies and --max-copies need several distinct cards: give --cards N "
            "without --copies"
        )
    if fillers:
        fill_notes = fill.fill_cards(cards, fillers, capacity, options.language)
        total_value = sum(c.value for c in cards)
        bound = max(bound, total_value)
        left_out += fill_notes
        items = every
    copies = options.cards if options.copies else 1
    if options.copies and options.cards > 1:
        cards = [
            CardPlan(
                i,
                cards[0].files,
                cards[0].value,
                cards[0].used_bytes,
                cards[0].free_bytes,
                cards[0].free_note,
            )
            for i in range(1, options.cards + 1)
        ]
    on_cards = {f.item_id for c in cards for f in c.files}
    known_left = {lo.item_id for lo in left_out}
    data_bytes = capacity.cluster_count * capacity.cluster_size
    for item in items:
        if item.id not in on_cards and item.id not in known_left and item.id not in excluded:
            if item.card_size_estimate > data_bytes:
                reason = (
                    f"larger than the card ({human_size(item.card_size_estimate)}; "
                    f"the card holds {human_size(data_bytes)} of files)"
                )
            else:
                reason = "no room left"
            left_out.append(LeftOut(item.id, item.name, reason))
    return Plan(
        card_size=options.size,
        cluster_size=capacity.cluster_size,
        data_bytes=capacity.cluster_count * capacity.cluster_size,
        cards=cards,
        copies=copies > 1,
        value=total_value * copies,
        bound=bound * copies,
        solver=", ".join(sorted(solvers)),
        status=", ".join(sorted(statuses)),
        greedy_value=greedy_value * copies,
        seconds=time.perf_counter() - began,
        left_out=sorted(left_out, key=lambda lo: lo.item_id),
        warnings=warnings,
        constraints={
            "cards": options.cards,
            "copies": options.copies,
            "must": list(options.must),
            "exclude": list(options.exclude),
            "quotas": [str(q) for q in options.quotas],
            "allow_partial_groups": options.allow_partial_groups,
            "min_copies": [f"{r}={k}" for r, k in options.min_copies],
            "max_copies": [f"{r}={k}" for r, k in options.max_copies],
        },
    )


def _defer_musts(problem: Problem) -> None:
    """With several cards, require on this card only the required units that fit on it."""
    ledger = Ledger(problem)
    for unit in problem.units:
        if unit.must:
            if ledger.allowed(unit):
                ledger.add(unit)
            else:
                unit.must = False


def _copy_limits(
    items: list[Item], problem: Problem, options: PlanOptions
) -> tuple[list[int], list[int]]:
    """Per unit the fewest and most cards it goes on (default: at most one)."""
    cards = options.cards
    low: dict[int, int] = {}
    high: dict[int, int] = {}
    for ref, k in options.min_copies:
        if k < 0 or k > cards:
            raise UserError(f"--min-copies {ref}={k}: K must be between 0 and --cards ({cards})")
        for i in _refs_to_ids(items, [ref], "--min-copies"):
            low[i] = max(low.get(i, 0), k)
    for ref, k in options.max_copies:
        if k < 0:
            raise UserError(f"--max-copies {ref}={k}: K must be 0 or more")
        for i in _refs_to_ids(items, [ref], "--max-copies"):
            high[i] = min(high.get(i, cards), k)
    lows, highs = [], []
    for unit in problem.units:
        ids = [f.item_id for f in unit.files]
        lo = max((low.get(i, 0) for i in ids), default=0)
        hi = min((high.get(i, 1 if i not in low else cards) for i in ids), default=1)
        hi = min(max(hi, 0), cards)
        if lo > hi:
            raise UserError(
                f"{unit.label}: --min-copies {lo} is more than --max-copies {hi}; make them agree"
            )
        lows.append(lo)
        highs.append(hi)
    return lows, highs


def _solve_together(items, options, capacity, must, excluded, sequential, began):
    """The N cards in one integer program, started from the sequential fill.

    Each card is then measured and repaired with the layout's own arithmetic.
    Returns None when the joint solve found nothing (the sequential cards stay).
    """
    problem, _, _ = build_problem(
        items,
        capacity,
        language=options.language,
        allow_partial_groups=options.allow_partial_groups,
        must=must,
        excluded=excluded,
        quotas=options.quotas,
    )
    adjust_minimums(problem, [])
    lows, highs = _copy_limits(items, problem, options)
    unit_of = {(f.item_id, f.rung): u.index for u in problem.units for f in u.files}
    start = [
        _ledger_of(
            problem,
            {unit_of[f.item_id, f.rung] for f in card.files if (f.item_id, f.rung) in unit_of},
        )
        for card in sequential
    ]
    start_value = sum(ledger.value for ledger in start)
    feasible_start = all(
        lows[u.index]
        <= sum(a.index in s.chosen for s in start for a in problem.alternatives(u))
        <= highs[u.index]
        for u in problem.units
    )
    spent = time.perf_counter() - began
    limit = max(options.time_limit - spent, 0.2)
    if options.time_limit <= 0 and feasible_start:
        return None
    guess = start if feasible_start else None
    notes: list[str] = []
    at_most = [q for q in problem.quotas if not q.at_least]
    # As when cards are filled one after another: the library may hold too little
    # of a kind for every card's at-least share; then the first card keeps it. A
    # shortfall in bytes, even at the most copies, is known without a solve.
    relax = any(
        sum(u.kind_clusters.get(q.kind, 0) * highs[u.index] for u in problem.units)
        < options.cards * problem.quota_clusters(q)
        for q in problem.quotas
        if q.at_least
    )
    result = solve_cards(
        problem, options.cards, lows, highs, guess, limit, options.gap,
        later_quotas=at_most if relax else None,
    )  # fmt: skip
    if result.chosen is None and not relax and len(at_most) < len(problem.quotas):
        relax = True
        limit = max(options.time_limit - (time.perf_counter() - began), 0.2)
        result = solve_cards(
            problem, options.cards, lows, highs, guess, limit, options.gap, later_quotas=at_most
        )
    if relax and result.chosen is not None:
        notes.append("cards 2 and on: at-least quotas dropped, too little to meet them on all")
    if result.status == "infeasible" or result.chosen is None:
        if feasible_start:
            return None
        raise UserError(
            "--min-copies cannot be met on these cards: what must go on every card does not "
            "fit together; lower K or use a larger card"
        )
    if feasible_start and result.value <= start_value + 1e-9:
        ledgers, solver = start, "highs (sequential start was best)"
    else:
        ledgers = [_ledger_of(problem, chosen) for chosen in result.chosen]
        solver = "highs (cards together)"
    copies = [0] * len(problem.units)
    for ledger in ledgers:
        for i in ledger.chosen:
            _count(problem, copies, problem.units[i], +1)
    cards = []
    for k, ledger in enumerate(ledgers, 1):
        measured = _confirm(problem, ledger, copies, highs)
        files = _card_files(problem, ledger)
        cards.append(
            CardPlan(
                k,
                files,
                ledger.value,
                measured.used_bytes,
                measured.free_bytes,
                _set_free_note(problem, ledger, copies, highs, measured.free_bytes),
            )
        )
    short = [u.label for u in problem.units if copies[u.index] < lows[u.index] and u.level == 0]
    if short:
        notes.append(f"fewer copies than --min-copies asks after measuring: {', '.join(short)}")
    # Most valuable card first; a card left empty is not made.
    cards = [c for c in sorted(cards, key=lambda c: -c.value) if c.files]
    for k, card in enumerate(cards, 1):
        card.index = k
    total = sum(c.value for c in cards)
    return cards, total, result.bound, solver, result.status, notes


def _set_free_note(problem, ledger, copies, highs, free_bytes) -> str:
    left = [u for u in problem.units if not ledger.taken(u) and copies[u.index] < highs[u.index]]
    if not left:
        return "everything that could still go on a card of the set is on it"
    smallest = min(left, key=lambda u: (ledger.cost(u), u.index))
    cost = ledger.cost(smallest) * problem.capacity.cluster_size
    if cost > free_bytes:
        return (
            f"free space {human_size(free_bytes)} is less than the smallest item left off "
            f"the set, {smallest.label}, which needs {human_size(cost)}"
        )
    full = ledger.over_limit(smallest)
    why = f"the quota for {full} is full" if full else "a constraint keeps it off"
    return f"{smallest.label} would fit in the free {human_size(free_bytes)} but {why}"


def _fill_only(items, fillers, options: PlanOptions, capacity, began) -> Plan:
    """A library of encyclopedias that fill the cards and nothing else."""
    distinct = 1 if options.copies else options.cards
    empty = capacity.measure([])
    cards = [
        CardPlan(i, [], 0.0, empty.used_bytes, empty.free_bytes, "") for i in range(1, distinct + 1)
    ]
    left_out = fill.fill_cards(cards, fillers, capacity, options.language)
    if options.copies and options.cards > 1:
        cards = [
            CardPlan(i, cards[0].files, cards[0].value, cards[0].used_bytes,
                     cards[0].free_bytes, cards[0].free_note)
            for i in range(1, options.cards + 1)
        ]  # fmt: skip
    copies = options.cards if options.copies else 1
    value = sum(c.value for c in cards[:distinct]) * copies
    return Plan(
        card_size=options.size,
        cluster_size=capacity.cluster_size,
        data_bytes=capacity.cluster_count * capacity.cluster_size,
        cards=cards,
        copies=copies > 1,
        value=value,
        bound=value,
        solver="fill",
        status="filled",
        greedy_value=value,
        seconds=time.perf_counter() - began,
        left_out=left_out,
        warnings=[],
        constraints={"cards": options.cards, "copies": options.copies},
    )
