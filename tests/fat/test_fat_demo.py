"""`sneakernet demo` builds a clean, reproducible sample card."""

from __future__ import annotations

import re
from pathlib import Path

from fat_oracles import fsck_clean, sha256

from conftest import run_cli


def test_demo_builds_a_clean_reproducible_card(tmp_path: Path):
    result = run_cli("demo", "--out", tmp_path / "demo-out")
    assert result.code == 0, result.stderr
    image = tmp_path / "demo-out" / "card.img"
    assert image.stat().st_size == 256_000_000
    fsck_clean(image, tmp_path)
    hashes = re.findall(r"SHA-256 ([0-9a-f]{64})", result.stderr)
    assert hashes == [sha256(image)] * 2
    assert "rebuilt from scratch: identical" in result.stderr
    assert "드라마/series/ep2.mp4" in result.stderr
    assert result.stderr.index("ep2.mp4") < result.stderr.index("ep10.mp4")
    assert "left out OS debris: .DS_Store" in result.stderr
