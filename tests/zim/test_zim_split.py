"""A ZIM of 4 GiB or more goes on FAT32 as parts Kiwix opens as one: name.zimaa, .zimab..."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from zim_oracles import kiwix_serve
from zim_samples import make_zim

from conftest import run_cli
from sneakernet import fat
from sneakernet.fat import split
from sneakernet.fat.tree import Node
from sneakernet.library.catalog import Item
from sneakernet.plan.planner import PlanOptions, make_plan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import fsck_clean, mcopy_all, mdir_order  # noqa: E402

GIB = 2**30


def test_part_names_and_sizes():
    parts = split.zim_parts("wiki.zim", 9 * GIB)
    assert [p[0] for p in parts] == ["wiki.zimaa", "wiki.zimab", "wiki.zimac"]
    assert all(length <= fat.layout.MAX_FILE_SIZE for _, _, length in parts)
    assert sum(length for _, _, length in parts) == 9 * GIB
    assert [o for _, o, _ in parts] == [0, split.PART_SIZE, 2 * split.PART_SIZE]
    assert split.zim_parts("small.zim", 100) == [("small.zim", 0, 100)]
    assert split.part_suffix(27) == "bb"
    assert split.group_parts(["a/w.zimab", "a/w.zimaa", "b.txt", "c.zimab"]) == [
        ["a/w.zimaa", "a/w.zimab"], ["b.txt"], ["c.zimab"],
    ]  # fmt: skip


def test_writer_copies_each_part_from_its_offset(tmp_path):
    """The parts mcopy reads back, joined, are the file (small parts stand for 4 GiB ones)."""
    data = os.urandom(300_000)
    src = tmp_path / "whole.bin"
    src.write_bytes(data)
    folder = Node("백과사전", True)
    for n in range(3):  # the writer does the same for parts of PART_SIZE
        node = Node(split.part_name("wiki.zim", n), False, 100_000, src, n * 100_000, len(data))
        folder.children.append(node)
    image = tmp_path / "card.img"
    fat.build_image(Node("", True, children=[folder]), fat.ImageOptions(size=64 * 2**20), image)
    fsck_clean(image, tmp_path)
    out = tmp_path / "out"
    mcopy_all(image, out)
    names = sorted((out / "백과사전").iterdir())
    assert [p.name for p in names] == ["wiki.zimaa", "wiki.zimab", "wiki.zimac"]
    assert b"".join(p.read_bytes() for p in names) == data


def test_planner_counts_the_parts_of_a_large_zim(tmp_path):
    zim = tmp_path / "wiki.zim"
    with open(zim, "wb") as f:
        f.write(split.ZIM_MAGIC)
        f.truncate(9 * GIB)
    item = Item(1, "ab" * 32, str(zim), 9 * GIB, "encyclopedia", 5)
    plan = make_plan([item], PlanOptions(size=16 * GIB))
    files = plan.cards[0].files
    assert [f.card_path for f in files] == [
        "백과사전/wiki.zimaa", "백과사전/wiki.zimab", "백과사전/wiki.zimac",
    ]  # fmt: skip
    assert [f.offset for f in files] == [0, split.PART_SIZE, 2 * split.PART_SIZE]
    assert sum(f.size for f in files) == 9 * GIB and all(f.whole == 9 * GIB for f in files)
    assert fat.plan_capacity([(f.card_path, f.size) for f in files], 16 * GIB).fits
    # On an 8 GB card it does not fit, whole or in parts.
    small = make_plan(
        [item, Item(2, "cd" * 32, str(zim), 1, "encyclopedia", 1)], PlanOptions(size=8 * GIB)
    )
    assert 1 not in {f.item_id for f in small.cards[0].files}


@pytest.mark.slow
def test_zim_over_4_gib_goes_on_in_parts_kiwix_serve_opens(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    blobs = (470 * 2**20,) * 9  # incompressible: the ZIM is over 4 GiB
    sample = make_zim(src / "wiki.zim", 40, big_blobs=blobs, footer=None)
    size = sample.path.stat().st_size
    assert size > fat.layout.MAX_FILE_SIZE
    image = tmp_path / "card.img"
    built = run_cli(
        "image", "build", src, "-o", image, "--size", str(size + 64 * 2**20), timeout=3600
    )
    assert built.code == 0, built.stderr
    fsck_clean(image, tmp_path)
    assert [n for n in mdir_order(image)[""] if "zim" in n] == ["wiki.zimaa", "wiki.zimab"]
    out = tmp_path / "out"
    mcopy_all(image, out)
    image.unlink()
    pieces = sorted(out.rglob("wiki.zima*"))
    assert [p.stat().st_size for p in pieces] == [split.PART_SIZE, size - split.PART_SIZE]
    with kiwix_serve(out / "wiki.zim") as (book,):  # the name Kiwix readers are given
        status, body, _ = book.main_page()
        assert status == 200 and b"Welcome" in body
        some = next(a for a in sample.articles if a != sample.main)
        status, body = book.page(some)
        assert status == 200 and sample.articles[some].encode() in body
        status, body = book.page("data/blob8.bin")
        assert status == 200 and len(body) == blobs[8]
    with open(sample.path, "rb") as whole:
        for piece in pieces:
            with open(piece, "rb") as f:
                while block := f.read(64 * 2**20):
                    assert whole.read(len(block)) == block


def _filler(path: Path, size: int, n: int) -> Item:
    with open(path, "wb") as f:
        f.write(split.ZIM_MAGIC)
        f.truncate(size)
    return Item(n, f"{n:064x}", str(path), size, "encyclopedia", 4, fill=True)


def test_a_filling_zim_over_4_gib_goes_whole_in_parts_or_as_a_large_subset(tmp_path):
    from sneakernet.plan.fill import split_subset

    card = 16 * GIB
    whole = make_plan([_filler(tmp_path / "a.zim", 9 * GIB, 1)], PlanOptions(size=card))
    files = whole.cards[0].files
    assert [f.card_path.rsplit("/", 1)[1] for f in files] == ["a.zimaa", "a.zimab", "a.zimac"]
    assert not any(f.fill for f in files) and sum(f.size for f in files) == 9 * GIB
    cut = make_plan([_filler(tmp_path / "b.zim", 40 * GIB, 1)], PlanOptions(size=card))
    (f,) = cut.cards[0].files
    assert f.fill and f.size > 2 * split.PART_SIZE  # one subset, split once it is made
    parts = split_subset(f, f.size - 12345)
    assert [p.offset for p in parts] == [
        0,
        split.PART_SIZE,
        2 * split.PART_SIZE,
        3 * split.PART_SIZE,
    ][: len(parts)]
    layout = [(p.card_path, p.size) for p in parts]
    assert fat.plan_capacity(layout, card).fits
    bigger = split_subset(f, f.size + cut.cluster_size)
    assert not fat.plan_capacity([(p.card_path, p.size) for p in bigger], card).fits
