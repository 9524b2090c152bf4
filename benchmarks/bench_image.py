"""`sneakernet image build` against the physical reference and dosfstools + mtools.

A generated 1.5 GiB tree (300 files of 5 MiB and some small ones) goes into a
2 GiB image. Each figure includes its fsync; caches are dropped before each.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.common import Result, drop_caches, time_command

MIB = 1024 * 1024
IMAGE_SIZE = "2GiB"
BIG_FILES = 300
BIG_SIZE = 5 * MIB
SMALL_FILES = 200


def make_tree(root: Path) -> list[Path]:
    """Incompressible files in a few folders; returns them in the order cat gets them."""
    block = os.urandom(BIG_SIZE)
    files = []
    for i in range(BIG_FILES):
        path = root / f"season {i // 30 + 1}" / f"episode {i:03d}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(i.to_bytes(4, "little") + block[4:])
        files.append(path)
    for i in range(SMALL_FILES):
        path = root / "books" / f"book {i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(block[i * 997 : i * 997 + 1000 + i * 250])
        files.append(path)
    return files


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        raise RuntimeError(f"{name} is not installed (make bench installs it)")
    return path


def run(workdir: Path) -> list[Result]:
    tree = workdir / "tree"
    files = make_tree(tree)
    total = sum(f.stat().st_size for f in files)
    print(f"  tree: {len(files)} files, {total / 2**30:.2f} GiB", flush=True)

    ours_out = workdir / "ours.img"
    drop_caches()
    ours = time_command(
        [sys.executable, "-m", "sneakernet", "image", "build", str(tree), "-o", str(ours_out),
         "--size", IMAGE_SIZE],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    ours_out.unlink()

    cat_out = workdir / "cat.out"
    drop_caches()
    physical = time_command(
        ["sh", "-c", 'out="$1"; shift; cat "$@" > "$out" && sync "$out"', "sh", str(cat_out)]
        + [str(f) for f in files]
    )
    cat_out.unlink()

    mtools_out = workdir / "mtools.img"
    drop_caches()
    script = (
        'img="$1"; src="$2"; truncate -s 2G "$img" && "$3" -F 32 --invariant "$img" >/dev/null '
        '&& MTOOLS_SKIP_CHECK=1 "$4" -s -i "$img" "$src"/* ::/ && sync "$img"'
    )
    mtools = time_command(
        ["sh", "-c", script, "sh", str(mtools_out), str(tree), _tool("mkfs.fat"), _tool("mcopy")]
    )
    mtools_out.unlink()

    mb = total / MIB
    return [
        Result("ours: image build, 1.5 GiB into 2 GiB (incl. fsync)", ours.seconds, "s"),
        Result("ours: throughput", mb / ours.seconds, "MiB/s"),
        Result("physical reference: cat FILES > out; sync out", physical.seconds, "s"),
        Result("mkfs.fat --invariant + mcopy -s (+ sync)", mtools.seconds, "s"),
        Result(
            "ratio physical/ours (speed vs the disk)", physical.seconds / ours.seconds, "x", 0.9
        ),
        Result(
            "ratio mkfs+mcopy/ours (faster than mtools)", mtools.seconds / ours.seconds, "x", 1.2
        ),
        Result("ours: peak memory", ours.peak_rss_mb, "MB", 200, higher_is_better=False),
    ]
