"""`image extract` onto a disk that fills up: no truncated file under its final name.

The destination is a tmpfs of 1 MiB mounted (and unmounted) by the test; the
card holds a small file, then one too big for what is left.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import assert_user_error, require_tool, run_cli


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = require_tool("mount")
    point = tmp_path / "small-disk"
    point.mkdir()
    subprocess.run([mount, "-t", "tmpfs", "-o", "size=1m", "tmpfs", point], check=True)
    try:
        yield point
    finally:
        subprocess.run([require_tool("umount"), point], check=True)


def test_extract_onto_a_full_disk_leaves_only_whole_files(tmp_path, small_disk):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a-small.txt").write_bytes(b"small file\n" * 100)
    big = os.urandom(3 * 1024 * 1024)
    (src / "b-big.bin").write_bytes(big)
    image = tmp_path / "card.img"
    result = run_cli("image", "build", src, "-o", image, "--size", "48M")
    assert result.code == 0, result.stderr
    dest = small_disk / "out"
    result = run_cli("image", "extract", image, dest)
    assert_user_error(result, "cannot extract 'b-big.bin'", "No space left", "1 files")
    # The small file is whole; of the big one nothing, under its name or a temporary one.
    assert sorted(p.name for p in dest.iterdir()) == ["a-small.txt"]
    assert (dest / "a-small.txt").read_bytes() == (src / "a-small.txt").read_bytes()
    assert sum(p.stat().st_size for p in small_disk.rglob("*") if p.is_file()) < 2000
