"""The shared rules: one natural order for planner and card, one atomic writer."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sneakernet.fat import scan_source
from sneakernet.fat.dirent import fold
from sneakernet.plan.model import PlanFile
from sneakernet.plan.planner import _card_files
from sneakernet.policy import atomic_path, atomic_write, is_debris, natural_key

# Names made of the pieces that make natural order hard: digit runs with and
# without leading zeros, case, dots, spaces, Korean.
PIECE = st.sampled_from(
    ["ep", "Ep", "EP", "0", "00", "1", "01", "2", "10", "9", ".", " ", "a", "화"]
)
NAME = st.lists(PIECE, min_size=1, max_size=6).map("".join)
FILE_NAME = NAME.filter(lambda n: not n.endswith((".", " ")) and n not in (".", ".."))
FILE_NAME = FILE_NAME.filter(lambda n: not is_debris(n) and not n.startswith("."))


@given(NAME, NAME, NAME)
def test_natural_key_is_a_total_order(a: str, b: str, c: str):
    ka, kb, kc = natural_key(a), natural_key(b), natural_key(c)
    assert (ka == kb) == (a == b)  # ties only between identical names
    assert (ka < kb) + (kb < ka) + (ka == kb) == 1
    if ka <= kb <= kc:
        assert ka <= kc


@given(st.lists(NAME, max_size=12), st.randoms())
def test_natural_order_does_not_depend_on_listing_order(names, rnd):
    shuffled = list(names)
    rnd.shuffle(shuffled)
    assert sorted(shuffled, key=natural_key) == sorted(names, key=natural_key)


def test_natural_key_examples():
    names = ["ep10.mp4", "ep2.mp4", "Ep3.mp4", "ep1.mp4", "ep01.mp4", "EP1.mp4"]
    assert sorted(names, key=natural_key) == [
        "ep01.mp4", "EP1.mp4", "ep1.mp4", "ep2.mp4", "Ep3.mp4", "ep10.mp4"
    ]  # fmt: skip


def _plan_file(card_path: str) -> PlanFile:
    return PlanFile(0, "h", card_path, "video", card_path, 1, False, 5)


@settings(max_examples=60, deadline=None)
@given(st.lists(FILE_NAME, min_size=1, max_size=10, unique_by=fold))
def test_planner_and_image_build_order_files_identically(tmp_path_factory, names):
    src = tmp_path_factory.mktemp("src")
    for name in names:
        (src / "Series 1" / name).parent.mkdir(exist_ok=True)
        (src / "Series 1" / name).write_bytes(b"x")
    card = [path for path, _ in scan_source(src).root.files()]
    paths = [f"Series 1/{n}" for n in reversed(names)]
    problem = SimpleNamespace(units=[SimpleNamespace(files=[_plan_file(p) for p in paths])])
    planned = [f.card_path for f in _card_files(problem, SimpleNamespace(chosen={0}))]
    assert planned == card


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_atomic_write_replaces_whole(tmp_path: Path):
    target = tmp_path / "plan.json"
    target.write_text("old")
    atomic_write(target, "new ✓")
    assert target.read_text("utf-8") == "new ✓"
    assert _leftovers(tmp_path) == ["plan.json"]


@pytest.mark.parametrize("existed", [False, True])
def test_atomic_write_failure_leaves_nothing_looking_finished(tmp_path: Path, existed: bool):
    target = tmp_path / "card-01.img"
    if existed:
        target.write_bytes(b"the finished old card")

    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), atomic_path(target) as tmp:
        tmp.write_bytes(b"half of a new card")
        assert tmp.parent == target.parent and tmp.name.startswith(".")
        raise Interrupted
    assert _leftovers(tmp_path) == (["card-01.img"] if existed else [])
    if existed:
        assert target.read_bytes() == b"the finished old card"


def test_atomic_write_into_a_missing_folder_leaves_nothing(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "gone" / "x.json", "{}")
    assert _leftovers(tmp_path) == []


def test_atomic_write_of_unwritable_data_cleans_up(tmp_path: Path):
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "x.json", 12)  # type: ignore[arg-type]
    assert _leftovers(tmp_path) == []
    assert not any(p.name.endswith(str(os.getpid())) for p in tmp_path.iterdir())
