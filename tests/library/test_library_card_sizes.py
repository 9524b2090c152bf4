"""Card sizes as sold: `16G` plans an image every genuine 16 GB card holds."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import assert_user_error, run_cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clean"))
from clean_corpus import make_pdf  # noqa: E402
from fat_oracles import fsck_clean  # noqa: E402

MICROSD_16 = 15_931_539_456  # a genuine "16 GB" microSD card
STICK_8 = 7_948_206_080  # a genuine "8 GB" USB stick


def small_project(tmp_path: Path) -> Path:
    books = tmp_path / "books"
    books.mkdir()
    make_pdf(books, "Freedom.pdf")
    for side in books.glob(".img-*"):
        side.unlink()
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    assert run_cli("add", books / "Freedom.pdf", cwd=project).code == 0
    return project


def planned_size(project: Path, *args: str) -> int:
    out = run_cli("plan", *args, "--json", cwd=project)
    assert out.code == 0, out.stderr
    return json.loads(out.stdout)["card_size"]


def test_plan_for_cards_as_sold_and_for_one_drive_exactly(tmp_path):
    project = small_project(tmp_path)
    assert planned_size(project, "--size", "16G") <= MICROSD_16
    assert planned_size(project, "--size", "8GB") <= STICK_8
    assert planned_size(project) == planned_size(project, "--size", "16G")  # the default
    said = run_cli("plan", "--size", "16G", cwd=project)
    assert "card size 15,359,541,248 bytes (a card sold as 16G" in " ".join(said.stderr.split())
    drive = tmp_path / "drive.img"  # a drive's exact size, as `--size-of` reads it
    with open(drive, "wb") as f:
        f.truncate(STICK_8)
    assert planned_size(project, "--size-of", str(drive)) == STICK_8
    assert planned_size(project, "--size", "7948206080") == STICK_8
    assert_user_error(run_cli("plan", "--size", "8G", "--size-of", drive, cwd=project), "not both")
    assert_user_error(
        run_cli("plan", "--size-of", tmp_path / "nothing", cwd=project), "cannot read the size"
    )


def test_make_builds_an_image_for_a_card_sold_as_8gb(tmp_path):
    project = small_project(tmp_path)
    made = run_cli("make", "--size", "8G", cwd=project)
    assert made.code == 0, made.stderr
    image = project / "cards" / "card-01.img"
    assert image.stat().st_size <= STICK_8
    assert image.stat().st_size == planned_size(project, "--size", "8G")
    fsck_clean(image, tmp_path)
