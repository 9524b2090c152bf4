"""The multiple-choice planner: one rung per film, exact, never below the hard minimum."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sneakernet.errors import UserError
from sneakernet.plan.rungs import Rung, RungItem, choose_rungs, ladder


def _brute_force(items: list[RungItem], capacity: int) -> float:
    best = 0.0
    options = [[None, *item.rungs] if not item.must else list(item.rungs) for item in items]
    for pick in itertools.product(*options):
        taken = [r for r in pick if r is not None]
        if sum(r.clusters for r in taken) <= capacity:
            best = max(best, sum(r.value for r in taken))
    return best


@st.composite
def instances(draw):
    n = draw(st.integers(1, 5))
    items = []
    for i in range(n):
        full = draw(st.integers(2, 60))
        minimum = draw(st.integers(1, full))
        value = draw(st.integers(1, 100))
        items.append(ladder(i, full, float(value), minimum, must=draw(st.booleans()) and i == 0))
    capacity = draw(st.integers(0, 200))
    return items, capacity


@settings(max_examples=150, deadline=None)
@given(instances())
def test_rungs_equal_brute_force(instance):
    items, capacity = instance
    try:
        result = choose_rungs(items, capacity)
    except UserError:
        must = [it for it in items if it.must]
        assert sum(min(r.clusters for r in it.rungs) for it in must) > capacity
        return
    assert result.clusters <= capacity
    assert result.value == pytest.approx(_brute_force(items, capacity), rel=1e-9, abs=1e-9)
    for item in items:
        if item.item_id in result.chosen:
            assert result.chosen[item.item_id] in item.rungs
        elif item.must:
            pytest.fail("a must-have was left out")


def test_card_for_nine_and_a_half_films_takes_ten_with_one_lower():
    full = 1000
    steps = ((1.0, 1.0), (0.5, 0.9), (0.3, 0.8))
    minimum = 450  # the hard minimum: the 0.3 rung (300 clusters) is below it
    films = [ladder(i, full, 100.0, minimum, steps) for i in range(10)]
    assert all(min(r.clusters for r in f.rungs) >= minimum for f in films)
    result = choose_rungs(films, capacity_clusters=9500)
    assert sorted(result.chosen) == list(range(10))
    levels = sorted(r.level for r in result.chosen.values())
    assert levels == [0] * 9 + [1]
    assert all(r.clusters >= minimum for r in result.chosen.values())
    assert result.clusters <= 9500
    # Without the lower rungs, only nine fit.
    only_full = [RungItem(f.item_id, f.rungs[:1]) for f in films]
    assert len(choose_rungs(only_full, 9500).chosen) == 9


def test_room_to_spare_keeps_every_film_at_full_rung():
    films = [ladder(i, 1000, 50.0 + i, 500) for i in range(5)]
    result = choose_rungs(films, 5000)
    assert {r.level for r in result.chosen.values()} == {0}


def test_must_haves_that_cannot_fit_even_lowest_is_a_clear_refusal():
    films = [RungItem(i, (Rung(0, 100, 1.0), Rung(1, 60, 0.9)), must=True) for i in range(3)]
    with pytest.raises(UserError, match="must-have films do not fit"):
        choose_rungs(films, 150)
