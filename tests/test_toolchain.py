"""The versions that shape a card: recorded per card, changes reported, copies remade."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg

from conftest import run_cli
from sneakernet import toolchain

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "clean"))
from clean_corpus import make_epub, make_pdf  # noqa: E402


def test_versions_agree_with_pip_and_the_ffmpeg_binary():
    found = toolchain.versions()
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "pip", "list", "--format", "json"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    by_name = {p["name"].lower().replace("_", "-"): p["version"] for p in listed}
    for name in ("sneakernet", "pikepdf", "av", "imageio-ffmpeg", "highspy", "blake3"):
        assert found[name] == by_name[name], name
    banner = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    assert banner.startswith(f"ffmpeg version {found['ffmpeg']}")
    assert re.fullmatch(r"\d+( r\d+)?", found["x264"]), found["x264"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", found["qpdf"])


def test_differences_name_each_changed_tool():
    before = {"ffmpeg": "7.0", "pikepdf": "9.0.0", "gone": "1"}
    now = {"ffmpeg": "7.1", "pikepdf": "9.0.0", "new": "2"}
    assert toolchain.differences(before, now) == [
        "ffmpeg 7.1 instead of 7.0",
        "gone none instead of 1",
        "new 2 instead of none",
    ]
    assert toolchain.differences(now, now) == []


def make_project(tmp_path: Path) -> Path:
    originals = tmp_path / "books"
    originals.mkdir()
    make_pdf(originals, "report.pdf")
    make_epub(originals, "novel.epub")
    for p in originals.glob("**/.img-*"):
        p.unlink()
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    assert run_cli("add", *sorted(originals.glob("*.*")), cwd=project).code == 0
    return project


def test_make_records_versions_and_says_when_other_versions_rebuild_a_card(tmp_path):
    project = make_project(tmp_path)
    first = run_cli("make", "--size", "48M", cwd=project)
    assert first.code == 0, first.stderr
    manifest_path = project / "cards" / "card-01.manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["toolchain"] == toolchain.versions()
    image = project / "cards" / "card-01.img"
    sha = manifest["image_sha256"]
    # Same library, options and versions: reused, nothing said about tools.
    again = run_cli("make", "--size", "48M", cwd=project)
    assert again.code == 0 and "rebuilt with" not in again.stderr
    assert json.loads(manifest_path.read_text(encoding="utf-8"))["image_sha256"] == sha
    # A manifest left by an older ffmpeg (other versions give another card key).
    manifest["toolchain"]["ffmpeg"] = "0.9-old"
    manifest["card_key"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    rebuilt = run_cli("make", "--size", "48M", cwd=project)
    assert rebuilt.code == 0, rebuilt.stderr
    note = f"card-01.img rebuilt with ffmpeg {toolchain.versions()['ffmpeg']} instead of 0.9-old"
    assert note in " ".join(rebuilt.stderr.split())
    fresh = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert fresh["toolchain"] == toolchain.versions() and fresh["image_sha256"] == sha
    data = image.read_bytes()
    assert b"x264 - core" not in data and b"Lavf" not in data  # versions: manifest only


def test_copies_prepared_by_other_versions_are_prepared_again(tmp_path):
    project = make_project(tmp_path)
    assert run_cli("make", "--size", "48M", cwd=project).code == 0
    cache = project / ".sneakernet" / "cache"
    (current,) = cache.glob("prepared-*")
    assert current.name == toolchain.prepared_folder(cache, "notel").name
    # The catalog points at copies an older install made in its own folder.
    old = current.with_name("prepared-000000000000")
    current.rename(old)
    with sqlite3.connect(project / ".sneakernet" / "catalog.sqlite") as db:
        db.execute("UPDATE items SET prepared_path = replace(prepared_path, ?, ?)",
                   (current.name, old.name))  # fmt: skip
    again = run_cli("make", "--size", "48M", cwd=project)
    assert again.code == 0, again.stderr
    assert "2 item(s) prepared now" in " ".join(again.stderr.split())
    assert sorted(p.name for p in current.iterdir()) == sorted(p.name for p in old.iterdir())


def test_ffmpeg_is_found_without_running_it_and_is_the_one_imageio_would_pick() -> None:
    """Taking the bundled binary by name (no `-version` run) gives imageio-ffmpeg's choice."""
    from sneakernet.media import ffmpeg

    assert ffmpeg.ffmpeg_exe() == imageio_ffmpeg.get_ffmpeg_exe()
