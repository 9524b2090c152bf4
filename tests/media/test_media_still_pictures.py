"""A still picture given to `prepare` is refused with its reason, never encoded as a 1-frame film."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mediagen import Clip, make_clip

from conftest import run_cli

PHOTO = (
    Path(__file__).resolve().parent.parent / "fixtures" / "redstar" / "preview_bottle_original.jpg"
)


def test_a_photo_and_a_truncated_jpeg_are_refused_and_a_film_still_prepares(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    photo = shutil.copy(PHOTO, src / "photo.jpg")
    cut = src / "cut.jpg"
    cut.write_bytes(PHOTO.read_bytes()[: PHOTO.stat().st_size // 3])
    disguised = src / "holiday.mp4"  # a photo under a film's name
    disguised.write_bytes(PHOTO.read_bytes())
    film = make_clip(src / "film.mkv", Clip(size="320x240", acodec="aac"))
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    out = tmp_path / "out"
    result = run_cli("prepare", photo, cut, disguised, film, "-o", out, "--profile", "notel",
                     "--cache", tmp_path / "cache", "--json")  # fmt: skip
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    items = {Path(i["src"]).name: i for i in json.loads(result.stdout)}
    for name in ("photo.jpg", "cut.jpg", "holiday.mp4"):
        assert items[name]["status"] != "done", items[name]
        assert "a still picture" in items[name]["reason"], items[name]
        assert "not a video" in items[name]["reason"]
        lines = [ln for ln in result.stderr.splitlines() if name in ln]
        assert len(lines) == 1, result.stderr
    assert items["film.mkv"]["status"] == "done"
    assert sorted(p.name for p in out.iterdir()) == ["film.mp4"]
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before  # originals untouched
