"""`sneakernet demo`: the whole job on the generated sample library."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import fsck_clean, mdir_order  # noqa: E402

from sneakernet.demo_library import AUTHOR  # noqa: E402


def test_demo_runs_the_whole_job_to_a_clean_card(tmp_path):
    result = run_cli("demo", "--out", tmp_path / "demo-out")
    assert result.code == 0, result.stderr
    image = tmp_path / "demo-out" / "library-cards" / "card-01.img"
    assert image.stat().st_size == 256_000_000
    fsck_clean(image, tmp_path)
    listing = mdir_order(image)
    assert "자유.pdf" in listing["책"] and "어린 왕자.epub" in listing["책"]
    assert "영화.mp4" in listing["영상"]  # converted for the Notel profile
    # Episodes in order; their CP949 subtitles burned in, not separate files.
    assert listing["영상/우리 동네 드라마"] == ["1회.mp4", "2회.mp4", "3회.mp4"]
    assert sorted(listing["음악"]) == ["도라지.mp3", "아리랑.mp3"]
    assert "서울.jpg" in listing["기타"] and "사진 (복사).jpg" in listing["기타"]
    assert "left out OS debris: .DS_Store" in result.stderr
    assert "audit: clean" in result.stderr
    assert "planted in the samples found on the card: none" in result.stderr
    # Independently of the audit: the author's name, the camera and the Red Star
    # mark's constant tail are nowhere in the image.
    data = image.read_bytes()
    for leak in (AUTHOR.encode(), b"Canon", bytes.fromhex("5a13a0e6294b75b1")):
        assert leak not in data
