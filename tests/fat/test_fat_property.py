"""Property: any tree FAT can hold builds into an image that fsck.fat passes and that
mtools and our reader read back identically."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from fat_oracles import fsck_clean, is_bmp, mcopy_all, tree_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sneakernet.fat import (
    ImageOptions,
    is_debris,
    item_cost,
    minimum_image_size,
    open_volume,
    plan_capacity,
    plan_image,
    scan_source,
    write_image,
)
from sneakernet.fat.dirent import fold

# Smallest FAT32 volume (512-byte clusters, no partition table): quick to check.
IMAGE_SIZE = minimum_image_size(512, partition=False)
EXAMPLES = int(os.environ.get("FAT_PROPERTY_EXAMPLES", "300"))
# Hundreds of small files per example: keep them in memory where Linux offers it.
WORK_ROOT = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

# Mostly the Basic Multilingual Plane (Korean, Latin, symbols, punctuation), now and then emoji.
BMP_CHAR = st.characters(
    categories=("L", "N", "P", "S", "Zs"), exclude_characters='"*/:<>?\\|', max_codepoint=0xFFFF
)
OTHER_CHAR = st.one_of(st.sampled_from("😀🎬🎵📚"), st.sampled_from("한국어 영화 노래.~+,;=[]"))
NAME = st.text(st.one_of(*[BMP_CHAR] * 12, OTHER_CHAR), min_size=1, max_size=24).filter(
    lambda n: (
        not n.endswith((".", " "))
        and n not in (".", "..")
        and len(n.encode()) <= 240
        and not is_debris(n)  # left out on purpose; tested elsewhere
    )
)
SIZE = st.one_of(
    st.sampled_from([0, 1, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049]),
    st.integers(0, 6000),
)


def _unique_by_case(folder: dict) -> bool:
    return len({fold(name) for name in folder}) == len(folder)


# Now and then a folder of many files with similar names (~N short-name tails).
MANY = st.integers(20, 70).map(lambda n: {f"track {i:03d}.mp3": (i * 37) % 1500 for i in range(n)})
TREE = st.recursive(
    SIZE,
    lambda children: st.one_of(
        *[st.dictionaries(NAME, children, max_size=6).filter(_unique_by_case)] * 8, MANY
    ),
    max_leaves=12,
)
ROOT = st.dictionaries(NAME, TREE, min_size=1, max_size=8).filter(_unique_by_case)


PATTERN = bytes(range(256)) * 40


def materialize(folder: dict, path: Path, seed: list[int]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for name, value in folder.items():
        if isinstance(value, dict):
            materialize(value, path / name, seed)
        else:
            seed[0] += 1
            start = (seed[0] * 31) % 256
            (path / name).write_bytes(PATTERN[start : start + value])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@given(tree=ROOT)
def test_random_trees_round_trip(tree: dict):
    work = Path(tempfile.mkdtemp(prefix="fat-property-", dir=WORK_ROOT))
    try:
        src = work / "src"
        materialize(tree, src, [0])
        scanned = scan_source(src)
        options = ImageOptions(size=IMAGE_SIZE, cluster_size=512, partition=False)
        plan = plan_image(scanned.root, options)
        image = work / "card.img"
        write_image(plan, image, sync=False)  # fsync only costs time here

        summary = fsck_clean(image, work)

        # The planner's arithmetic matches what fsck.fat counts on the built card.
        used, total = map(int, re.search(r"(\d+)/(\d+) clusters", summary).groups())
        items = [
            (path + ("/" if node.is_dir else ""), node.size) for path, node in scanned.root.walk()
        ]
        usage = plan_capacity(items, IMAGE_SIZE, cluster_size=512, partition=False)
        assert (usage.used_clusters, plan.geometry.cluster_count) == (used, total)
        assert usage.free_bytes == (total - used) * 512
        data_clusters = sum(
            item_cost(n.name, n.size, 512).clusters for _, n in scanned.root.files()
        )
        assert data_clusters == usage.file_clusters

        source = tree_files(src)
        # mtools 4.0 mangles names outside the BMP (two emoji can even become one name):
        # for those trees our reader is the round-trip oracle.
        if all(is_bmp(str(p)) for p in src.rglob("*")):
            mcopy_all(image, work / "mtools")
            assert tree_files(work / "mtools") == source

        with open_volume(image) as volume:
            files = [e for e in volume.walk() if not e.is_dir]
            assert {e.path: volume.read_file(e) for e in files} == source
            assert [e.path for e in files] == [p for p, _ in scanned.root.files()]
            assert all(e.contiguous for e in files)
    finally:
        shutil.rmtree(work)
