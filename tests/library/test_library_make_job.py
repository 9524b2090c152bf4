"""The make job's bookkeeping: plan, prepare what is chosen, plan again, build, reuse."""

from __future__ import annotations

import json
import os
from pathlib import Path

from planner_instances import job_setup

from sneakernet.errors import ItemFailed
from sneakernet.make.job import Prepared, run_make
from sneakernet.plan.planner import PlanOptions

MIB = 2**20
CARD = 48 * MIB


class HalvingPreparer:
    """Prepares by writing a copy half the size (as a transcode shrinks a film)."""

    def __init__(self, fail: set[int] = frozenset()) -> None:
        self.calls: list[int] = []
        self.fail = fail

    def __call__(self, item, cache_dir: Path) -> Prepared:
        self.calls.append(item.id)
        if item.id in self.fail:
            raise ItemFailed("cannot decode the video stream")
        out = cache_dir / f"{item.hash[-16:]}.mp4"
        with open(item.path, "rb") as src, open(out, "wb") as dst:
            dst.write(src.read(item.size // 2))
        return Prepared(out, out.stat().st_size)


def test_make_prepares_only_planned_items_and_replans_with_exact_sizes(tmp_path):
    specs = [("video", 20 * MIB + n, 10 - n, None) for n in range(6)]
    catalog, cache, out = job_setup(tmp_path, specs)
    preparer = HalvingPreparer(fail={2})
    result = run_make(catalog, cache, out, PlanOptions(size=CARD), preparer, lambda _img: [])
    # Two originals fit a card; prepared (halved) copies make room, so the job plans
    # again and prepares the next choices, never an item no plan chose.
    on_card = {f.item_id for f in result.plan.cards[0].files}
    assert on_card == {1, 3, 4}
    assert preparer.calls == [1, 2, 3, 4]
    assert result.failed == {2: "cannot decode the video stream"}
    assert all(not f.size_estimated for f in result.plan.cards[0].files)
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["cards"][0]["files"]
    first = result.cards[0].built
    assert not first.reused
    # Run again: nothing to prepare, nothing to build, same image.
    preparer.calls.clear()
    again = run_make(catalog, cache, out, PlanOptions(size=CARD), preparer, lambda _img: [])
    assert preparer.calls == [] and again.cards[0].built.reused
    assert again.cards[0].built.image_sha256 == first.image_sha256
    # A prepared copy lost from the cache is prepared again; the card is rebuilt the same.
    os.unlink(catalog.get(3).prepared_path)
    third = run_make(catalog, cache, out, PlanOptions(size=CARD), preparer, lambda _img: [])
    assert preparer.calls == [3]
    assert third.cards[0].built.image_sha256 == first.image_sha256
    catalog.close()
