"""The planner against independent judges: brute force, the FAT layout, fsck.fat, mtools."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from planner_instances import brute_force, card_files, fits, quota_ok, sparse_items, stage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import fsck_clean, mtools  # noqa: E402  (the image tests' oracles)

from sneakernet import fat
from sneakernet.errors import UserError
from sneakernet.plan.capacity import card_capacity
from sneakernet.plan.model import Quota
from sneakernet.plan.planner import PlanOptions, make_plan

MIB = 2**20


def examples(n: int):
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


CARD = 48 * MIB  # the smallest FAT32 card with 512-byte clusters is 40 MiB

item_spec = st.tuples(
    st.sampled_from(["video", "audio", "book"]),
    st.one_of(st.integers(0, 4000), st.integers(1, 12 * MIB)),
    st.integers(1, 10),
    st.sampled_from([None, None, "시리즈 1", "series 2"]),
)


@examples(300)
@given(
    specs=st.lists(item_spec, min_size=1, max_size=9),
    partial=st.booleans(),
    quota=st.sampled_from(
        [None, Quota("video", 0.3, False), Quota("audio", 0.1, True), Quota("book", 0.2, False)]
    ),
    size=st.sampled_from([CARD, 60 * MIB]),
)
def test_plan_equals_brute_force_optimum(tmp_path_factory, specs, partial, quota, size):
    folder = tmp_path_factory.mktemp("items")
    items = sparse_items(folder, specs)
    quotas = [quota] if quota else []
    if quota and quota.at_least:
        capacity = card_capacity(size)
        have = sum(capacity.file_clusters(it.size) for it in items if it.kind == quota.kind)
        assume(have >= quota.share * capacity.cluster_count)
    best, _ = brute_force(items, size, quotas, partial)
    assume(best > 0)
    options = PlanOptions(size=size, quotas=quotas, allow_partial_groups=partial, gap=0)
    try:
        plan = make_plan(items, options)
    except UserError:
        # Only a min quota that no allowed choice can meet may be refused.
        assert quota is not None and quota.at_least
        return
    assert plan.value == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert plan.bound >= plan.value - 1e-9
    files = card_files(plan)
    assert fits(files, size)
    # Every constraint holds on the chosen set.
    chosen = {f.item_id for f in plan.cards[0].files}
    for group in {it.group for it in items if it.group}:
        members = [
            it.id for it in sorted(items, key=lambda i: i.position or 0) if it.group == group
        ]
        taken = [m in chosen for m in members]
        if partial:
            assert taken == sorted(taken, reverse=True)  # a prefix
        else:
            assert all(taken) or not any(taken)
    if quota:
        capacity = card_capacity(size)
        per_kind: dict[str, int] = {}
        for it in items:
            if it.id in chosen:
                per_kind[it.kind] = per_kind.get(it.kind, 0) + capacity.file_clusters(it.size)
        assert quota_ok(quota, per_kind, capacity.cluster_count)


@examples(120)
@given(specs=st.lists(item_spec, min_size=2, max_size=40))
def test_free_space_is_less_than_any_item_left_out(tmp_path_factory, specs):
    folder = tmp_path_factory.mktemp("items")
    items = sparse_items(folder, specs)
    plan = make_plan(items, PlanOptions(size=CARD))
    files = card_files(plan)
    assert fits(files, CARD)
    on_card = {f.item_id for f in plan.cards[0].files}
    # A left-out item (with its whole series) would not fit, by the layout's own count.
    capacity = card_capacity(CARD)
    from sneakernet.plan.model import build_problem

    problem, _, _ = build_problem(items, capacity)
    for unit in problem.units:
        if unit.files[0].item_id not in on_card:
            extra = [(f.card_path, f.size) for f in unit.files]
            assert not fits(files + extra, CARD), unit.label


def test_planned_card_builds_and_passes_fsck_and_mtools(tmp_path):
    specs = [("video", 9 * MIB + 7, 9, "드라마"), ("video", 9 * MIB + 1, 9, "드라마")]
    specs += [("video", 11 * MIB - 3, 5, None), ("audio", 3 * MIB + 1, 7, None)]
    specs += [("book", 200_000 + n, 4 + n % 5, None) for n in range(30)]
    specs += [("audio", 2 * MIB + n * 777, 6, "앨범") for n in range(8)]
    items = sparse_items(tmp_path / "lib", specs)
    plan = make_plan(items, PlanOptions(size=CARD, quotas=[Quota("book", 0.05, True)]))
    card = plan.cards[0]
    assert len(plan.cards[0].files) < len(items)  # the card is the limit
    src = stage(plan, items, tmp_path / "card")
    image = tmp_path / "card.img"
    tree = fat.scan_source(src)
    built = fat.build_image(tree.root, fat.ImageOptions(size=CARD), image)
    # The image holds exactly what the plan said, and the planned free space is real.
    assert built.usage.free_bytes == card.free_bytes
    assert built.usage.used_bytes == card.used_bytes
    fsck_clean(image, tmp_path)
    listing = mtools("mdir", image, "-/", "-b", "::")
    on_image = {line.strip().removeprefix("::/") for line in listing.splitlines()}
    planned = {f.card_path for f in card.files}
    assert {p for p in on_image if p in planned} == planned
    # One more of the smallest left-out items would not build.
    left = [it for it in items if it.id not in {f.item_id for f in card.files}]
    smallest = min(left, key=lambda it: it.size)
    extra = src / "책" / "extra.bin"
    extra.parent.mkdir(exist_ok=True)
    with open(extra, "wb") as f:
        f.truncate(smallest.size)
    with pytest.raises(UserError):
        fat.plan_image(fat.scan_source(src).root, fat.ImageOptions(size=CARD))


def test_large_instance_value_within_reported_gap(tmp_path):
    import random

    rng = random.Random(7)
    specs = []
    for n in range(400):
        kind = rng.choice(["video", "audio", "audio", "book"])
        group = f"s{n % 25}" if kind == "video" and rng.random() < 0.5 else None
        specs.append((kind, rng.randint(1, 3 * MIB), rng.randint(1, 10), group))
    items = sparse_items(tmp_path, specs)
    quotas = [Quota("video", 0.5, False), Quota("book", 0.05, True)]
    fast = make_plan(items, PlanOptions(size=CARD, quotas=quotas, time_limit=0.5))
    best = make_plan(items, PlanOptions(size=CARD, quotas=quotas, time_limit=20, gap=0))
    assert fits(card_files(fast), CARD)
    # The reported bound is a real bound, and the value is within the reported gap of it.
    assert fast.bound >= best.value - 1e-6
    assert best.bound >= best.value - 1e-6
    assert fast.value >= (1 - fast.gap) * fast.bound - 1e-6
    assert fast.value >= 0.995 * best.value


def test_several_cards_share_nothing_and_copies_are_equal(tmp_path):
    specs = [("video", 5 * MIB + n * 1000, 1 + n % 10, None) for n in range(30)]
    items = sparse_items(tmp_path, specs)
    plan = make_plan(items, PlanOptions(size=CARD, cards=3, time_limit=2))
    assert len(plan.cards) == 3
    ids = [f.item_id for c in plan.cards for f in c.files]
    assert len(ids) == len(set(ids))
    for card in plan.cards:
        assert fits([(f.card_path, f.size) for f in card.files], CARD)
    assert plan.bound >= plan.value
    copies = make_plan(items, PlanOptions(size=CARD, cards=3, copies=True))
    assert len(copies.cards) == 3
    assert all(c.files == copies.cards[0].files for c in copies.cards)
    # The most valuable items are on the first card.
    assert min(f.priority for f in plan.cards[0].files) >= max(
        f.priority for f in plan.cards[2].files
    )


def test_must_and_exclude(tmp_path):
    specs = [("video", 10 * MIB, 10, None) for _ in range(6)] + [("book", 1000, 1, None)]
    items = sparse_items(tmp_path, specs)
    items[-1].tags = ("required",)
    items[0].tags = ("banned",)
    plan = make_plan(items, PlanOptions(size=CARD, must=["required"], exclude=["banned"]))
    chosen = {f.item_id for f in plan.cards[0].files}
    assert 7 in chosen and 1 not in chosen
    with pytest.raises(UserError, match="--must"):
        make_plan(items, PlanOptions(size=CARD, must=["nonesuch"]))


@examples(40)
@given(
    specs=st.lists(item_spec, min_size=1, max_size=30),
    cards=st.integers(1, 3),
    partial=st.booleans(),
)
def test_several_cards_each_fit_and_cover_most_valuable(tmp_path_factory, specs, cards, partial):
    items = sparse_items(tmp_path_factory.mktemp("items"), specs)
    plan = make_plan(
        items, PlanOptions(size=CARD, cards=cards, allow_partial_groups=partial, time_limit=0.3)
    )
    ids = [f.item_id for c in plan.cards for f in c.files]
    assert len(ids) == len(set(ids))
    for card in plan.cards:
        assert fits([(f.card_path, f.size) for f in card.files], CARD)
    assert plan.bound >= plan.value - 1e-9
    # Everything left over would fit on no card: a further card would have been made.
    left = {it.id for it in items} - set(ids)
    if left and len(plan.cards) < cards:
        smallest = min((it for it in items if it.id in left), key=lambda it: it.size)
        assert not fits([(f"x/{smallest.name}", smallest.size)], CARD)


def test_prepared_size_and_name_are_used(tmp_path):
    items = sparse_items(tmp_path, [("video", 30 * MIB, 5, None), ("video", 30 * MIB, 4, None)])
    prepared = tmp_path / "cache" / "abc.mp4"
    prepared.parent.mkdir()
    with open(prepared, "wb") as f:
        f.truncate(5 * MIB)
    items[1].prepared_path, items[1].prepared_size = str(prepared), 5 * MIB
    plan = make_plan(items, PlanOptions(size=CARD))
    files = {f.item_id: f for f in plan.cards[0].files}
    assert set(files) == {1, 2}  # only the smaller prepared copy lets both fit
    assert files[2].size == 5 * MIB and not files[2].size_estimated
    assert files[2].card_path == "영상/item2.mp4" and files[1].size_estimated
