"""`--cards N`: N distinct cards chosen together, judged by brute force and the FAT layout."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from planner_instances import fits, sparse_items

from conftest import assert_user_error, run_cli
from sneakernet.errors import UserError
from sneakernet.plan.capacity import card_capacity
from sneakernet.plan.model import build_problem
from sneakernet.plan.planner import PlanOptions, make_plan

MIB = 2**20
CARD = 48 * MIB


def examples(n: int):
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def card_of(card) -> list[tuple[str, int]]:
    return [(f.card_path, f.size) for f in card.files]


def units_of(items):
    problem, _, _ = build_problem(items, card_capacity(CARD))
    return problem.units


def brute_force_cards(items, cards: int) -> float:
    """Best total value of `cards` disjoint cards, each judged by `fat.plan_capacity`."""
    units = units_of(items)
    fitting = {}
    for mask in range(1 << len(units)):
        chosen = [u for u in units if mask >> u.index & 1]
        files = [(f.card_path, f.size) for u in chosen for f in u.files]
        if fits(files, CARD):
            fitting[mask] = sum(u.value for u in chosen)
    best = 0.0
    # Every unit on one card (0..cards-1) or none (cards).
    for where in itertools.product(range(cards + 1), repeat=len(units)):
        masks = [0] * cards
        for i, k in enumerate(where):
            if k < cards:
                masks[k] |= 1 << i
        if all(m in fitting for m in masks):
            best = max(best, sum(fitting[m] for m in masks))
    return best


def assert_each_full(plan, items, max_copies=None):
    """No unit left off a card would still fit on it (the layout's own verdict)."""
    counts = {}
    for card in plan.cards:
        for f in card.files:
            counts[f.item_id] = counts.get(f.item_id, 0) + 1
    for card in plan.cards:
        on = {f.item_id for f in card.files}
        for unit in units_of(items):
            ids = {f.item_id for f in unit.files}
            limit = (max_copies or {}).get(min(ids), 1)
            if ids & on or counts.get(min(ids), 0) >= limit:
                continue
            extra = [(f.card_path, f.size) for f in unit.files]
            assert not fits(card_of(card) + extra, CARD), (card.index, unit.label)


item_spec = st.tuples(
    st.sampled_from(["video", "audio", "book"]),
    st.integers(1 * MIB, 30 * MIB),
    st.integers(1, 10),
    st.sampled_from([None, None, None, "series 2"]),
)


@examples(25)
@given(specs=st.lists(item_spec, min_size=2, max_size=6), cards=st.integers(2, 3))
@example(  # a series larger than the card: nothing fits
    specs=[("video", 10515457, 1, "series 2"), ("video", 31426049, 1, "series 2")], cards=2
)
def test_cards_together_equal_brute_force_optimum(tmp_path_factory, specs, cards):
    items = sparse_items(tmp_path_factory.mktemp("items"), specs)
    best = brute_force_cards(items, cards)
    if best == 0:  # nothing fits a card (e.g. a series larger than it): a clear refusal
        with pytest.raises(UserError, match="nothing fits"):
            make_plan(items, PlanOptions(size=CARD, cards=cards, time_limit=5, gap=0))
        return
    plan = make_plan(items, PlanOptions(size=CARD, cards=cards, time_limit=5, gap=0))
    ids = [f.item_id for c in plan.cards for f in c.files]
    assert len(ids) == len(set(ids))  # distinct cards
    for card in plan.cards:
        assert fits(card_of(card), CARD)
    assert plan.value == pytest.approx(best, rel=1e-9)
    assert plan.bound >= plan.value - 1e-6
    assert_each_full(plan, items)
    # A series is never split across cards.
    groups = {}
    for card in plan.cards:
        for f in card.files:
            if f.group:
                groups.setdefault(f.group, set()).add(card.index)
    assert all(len(v) == 1 for v in groups.values())


def library_three_cards(tmp_path):
    # About three cards' worth: sizes chosen so greedy card by card leaves gaps.
    specs = [
        ("video", (7 + (n * 5) % 11) * MIB + n * 4096, 1 + (n * 7) % 10, None) for n in range(13)
    ]
    return sparse_items(tmp_path, specs)


def test_three_cards_differ_are_full_and_beat_or_match_sequential(tmp_path):
    items = library_three_cards(tmp_path)
    total = sum(it.size for it in items)
    assert 2.9 * CARD < total < 3.3 * CARD
    plan = make_plan(items, PlanOptions(size=CARD, cards=3, time_limit=5, gap=0))
    assert len(plan.cards) == 3
    sets = [frozenset(f.item_id for f in c.files) for c in plan.cards]
    assert all(a.isdisjoint(b) for a, b in itertools.combinations(sets, 2))
    for card in plan.cards:
        assert fits(card_of(card), CARD)
    assert_each_full(plan, items)
    assert plan.value >= plan.greedy_value - 1e-9
    assert plan.value == pytest.approx(sum(c.value for c in plan.cards))
    assert plan.bound >= plan.value - 1e-6


def test_min_and_max_copies(tmp_path):
    specs = [("video", 9 * MIB, 5, None) for _ in range(12)] + [
        ("video", 2 * MIB, 1, "드라마"),
        ("video", 2 * MIB, 1, "드라마"),
    ]
    items = sparse_items(tmp_path, specs)
    items[0].tags = ("wanted",)
    items[1].tags = ("wanted",)
    plan = make_plan(
        items,
        PlanOptions(
            size=CARD, cards=3, time_limit=5, gap=0, min_copies=[("드라마", 3), ("1", 2)],
            max_copies=[("wanted", 2)],
        ),
    )  # fmt: skip
    on = [{f.item_id for f in c.files} for c in plan.cards]
    assert len(on) == 3
    assert all({13, 14} <= s for s in on)  # the series on every card
    assert sum(1 in s for s in on) == 2  # at least 2, at most 2
    assert sum(2 in s for s in on) <= 2
    for n in range(3, 13):
        assert sum(n in s for s in on) <= 1  # default: at most one copy
    for card in plan.cards:
        assert fits(card_of(card), CARD)
    # Value counts once per card an item is on.
    assert plan.value == pytest.approx(sum(c.value for c in plan.cards))
    assert plan.constraints["min_copies"] == ["드라마=3", "1=2"]
    with pytest.raises(UserError, match="between 0 and --cards"):
        make_plan(items, PlanOptions(size=CARD, cards=3, min_copies=[("1", 4)]))
    with pytest.raises(UserError, match="more than --max-copies"):
        make_plan(
            items,
            PlanOptions(size=CARD, cards=3, min_copies=[("1", 3)], max_copies=[("1", 2)]),
        )
    with pytest.raises(UserError, match="several distinct cards"):
        make_plan(items, PlanOptions(size=CARD, cards=1, min_copies=[("1", 1)]))


def test_cli_three_cards_json(tmp_path):
    lib = tmp_path / "lib"
    items = library_three_cards(lib)
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    for it in items:
        assert run_cli("add", it.path, "--priority", str(it.priority), cwd=project).code == 0
    result = run_cli(
        "plan", "--size", str(CARD), "--cards", "3", "--min-copies", "1=3", "--json",
        "--time-limit", "3", cwd=project,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["cards"]) == 3
    assert data["value"] == pytest.approx(sum(c["value"] for c in data["cards"]), rel=1e-6)
    names = [{f["name"] for f in c["files"]} for c in data["cards"]]
    assert all("item1.bin" in s for s in names)
    ids = [{f["item_id"] for f in c["files"]} for c in data["cards"]]
    counted = {i: sum(i in s for s in ids) for s in ids for i in s}
    assert data["cards_per_item"] == {str(i): k for i, k in sorted(counted.items())}
    assert data["cards_per_item"]["1"] == 3
    shown = run_cli(
        "plan", "--size", str(CARD), "--cards", "3", "--min-copies", "1=3",
        "--time-limit", "3", cwd=project,
    )  # fmt: skip
    assert shown.code == 0, shown.stderr
    assert f"the set: {len(counted)} distinct item(s); 1 on more than one card: item1.bin ×3" in (
        shown.stdout + shown.stderr
    )
    rest = [s - {"item1.bin"} for s in names]
    assert all(a.isdisjoint(b) for a, b in itertools.combinations(rest, 2))
    for c in data["cards"]:
        assert fits([(f["card_path"], f["size"]) for f in c["files"]], CARD)
    assert_user_error(
        run_cli("plan", "--size", str(CARD), "--cards", "3", "--min-copies", "x", cwd=project),
        "REF=K",
    )


def test_at_least_quota_the_library_cannot_meet_on_every_card(tmp_path):
    """Too little of a kind for each card's share: the first card keeps the quota, the
    set is still chosen together, and its value is the brute-force optimum of that rule."""
    from sneakernet.plan.model import Quota

    specs = [("book", 20 * MIB, 1, None)] + [("video", 9 * MIB, 5, None) for _ in range(8)]
    items = sparse_items(tmp_path, specs)
    options = PlanOptions(
        size=CARD, cards=2, time_limit=5, gap=0, quotas=[Quota("book", 0.3, True)]
    )
    plan = make_plan(items, options)
    assert any("at-least quotas dropped" in w for w in plan.warnings)
    on = [{f.item_id for f in c.files} for c in plan.cards]
    assert sum(1 in s for s in on) == 1
    units = units_of(items)
    book = next(u for u in units if any(f.item_id == 1 for f in u.files))
    best = 0.0
    for where in itertools.product(range(3), repeat=len(units)):
        if where[book.index] == 2:
            continue  # the quota: the book is on a card
        cards = [[u for u in units if where[u.index] == k] for k in range(2)]
        if all(fits([(f.card_path, f.size) for u in c for f in u.files], CARD) for c in cards):
            best = max(best, sum(u.value for c in cards for u in c))
    assert plan.value == pytest.approx(best)
    for card in plan.cards:
        assert fits(card_of(card), CARD)
