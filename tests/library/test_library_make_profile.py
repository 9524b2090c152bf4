"""`profile` in sneakernet.toml: part of the prepared-copy key, and it must be a video profile."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import assert_user_error, run_cli
from sneakernet import toolchain

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "media"))
from mediagen import Clip, make_clip  # noqa: E402


def set_profile(project: Path, name: str) -> None:
    config = project / "sneakernet.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'(?m)^profile = ".*"$', f'profile = "{name}"', text), "utf-8")


def film_project(tmp_path: Path) -> Path:
    films = tmp_path / "films"
    films.mkdir()
    make_clip(films / "film.mkv", Clip(size="320x240", seconds=1, acodec="aac"))
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    assert run_cli("add", films / "film.mkv", cwd=project).code == 0
    return project


def test_changing_the_profile_prepares_again(tmp_path):
    project = film_project(tmp_path)
    cache = project / ".sneakernet" / "cache"
    assert run_cli("make", "--size", "48M", cwd=project).code == 0
    notel = toolchain.prepared_folder(cache, "notel")
    (first,) = (p for p in notel.iterdir() if not p.name.startswith("."))
    assert first.suffix == ".mp4"
    made_for_notel = first.read_bytes()
    set_profile(project, "phone")
    again = run_cli("make", "--size", "48M", cwd=project)
    assert again.code == 0, again.stderr
    assert "1 item(s) prepared now" in " ".join(again.stderr.split()), again.stderr
    phone = toolchain.prepared_folder(cache, "phone")
    (copy,) = phone.iterdir()
    assert copy.read_bytes() != made_for_notel
    # Back to notel: the card gets the notel copy again, never the phone one.
    set_profile(project, "notel")
    back = run_cli("make", "--size", "48M", cwd=project)
    assert back.code == 0, back.stderr
    card = (project / "cards" / "card-01.img").read_bytes()
    assert made_for_notel in card and copy.read_bytes() not in card


def test_profile_must_be_a_video_profile(tmp_path):
    project = film_project(tmp_path)
    for name in ("music", "ebook"):
        set_profile(project, name)
        result = run_cli("make", "--size", "48M", cwd=project)
        assert_user_error(result, f"profile {name!r}", "notel")
        assert not (project / "cards").exists()
        assert not list((project / ".sneakernet" / "cache").glob("prepared-*"))
