"""One debris table: what `image build` leaves off a card is what `audit` flags.

Checked on the image bytes with mtools and fsck.fat, and against a card that
dosfstools and mtools wrote with the debris on it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fat_oracles import fsck_clean, mtools

from conftest import require_tool, run_cli

# Debris folders with something inside (deleted files and all), and debris files.
DEBRIS_DIRS = {
    "RECYCLER": "S-1-5-21-1004/INFO2",
    "$RECYCLE.BIN": "S-1-5-21-1004/$IABC123.txt",
    ".Trash-1000": "files/deleted letter.txt",
    ".Trashes": "501/old.txt",
    ".DocumentRevisions-V100": "PerUID/501/1/rev.txt",
    ".Spotlight-V100": "Store-V2/index",
    ".fseventsd": "0000000000abcdef",
    "System Volume Information": "IndexerVolumeGuid",
}
DEBRIS_FILES = ["Thumbs.db", "desktop.ini", ".DS_Store", "films/._ep1.mp4", "films/Thumbs.db"]
KEPT = {"films/ep1.mp4": b"film one", "films/ep2.mp4": b"film two", "letter.txt": b"hello\n"}


def _source(root: Path) -> Path:
    for rel, data in KEPT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    for folder, inside in DEBRIS_DIRS.items():
        path = root / folder / inside
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"deleted by Kim Volunteer\n")
    for rel in DEBRIS_FILES:
        (root / rel).write_bytes(b"debris")
    return root


def _mdir_names(image: Path) -> list[str]:
    listing = mtools("mdir", image, "-/", "-b", "::")
    return [line.removeprefix("::/").rstrip("/") for line in listing.splitlines() if line]


def _audit_debris(image: Path) -> set[str]:
    result = run_cli("audit", "--json", image)
    assert result.code in (0, 1), result.stderr
    findings = json.loads(result.stdout)["findings"]
    return {f["where"] for f in findings if f["field"] == "OS debris"}


def test_image_build_leaves_every_debris_off_the_card(tmp_path: Path):
    src = _source(tmp_path / "src")
    image = tmp_path / "card.img"
    result = run_cli("image", "build", src, "-o", image, "--size", "48M", "--json")
    assert result.code == 0, result.stderr
    left_out = set(json.loads(result.stdout)["left_out"])
    assert left_out == set(DEBRIS_DIRS) | set(DEBRIS_FILES)
    names = _mdir_names(image)
    assert sorted(names) == sorted(["films", "films/ep1.mp4", "films/ep2.mp4", "letter.txt"])
    fsck_clean(image, tmp_path)
    assert _audit_debris(image) == set()


@pytest.fixture(scope="module")
def foreign_card(tmp_path_factory) -> Path:
    """A card written by mkfs.fat and mcopy with all the debris on it."""
    tmp = tmp_path_factory.mktemp("foreign")
    src = _source(tmp / "src")
    image = tmp / "card.img"
    subprocess.run(
        [require_tool("mkfs.fat"), "-F", "32", "-C", str(image), "40000"],
        check=True,
        capture_output=True,
    )
    mcopy = require_tool("mcopy")
    entries = sorted(p.name for p in src.iterdir())
    subprocess.run(
        [mcopy, "-s", "-i", str(image), *[str(src / e) for e in entries], "::/"],
        check=True,
        capture_output=True,
    )
    return image


def test_audit_flags_what_image_build_leaves_out(foreign_card: Path):
    on_card = set(_mdir_names(foreign_card))
    for name in [*DEBRIS_DIRS, *DEBRIS_FILES]:
        assert name in on_card, name  # the oracle wrote it
    assert _audit_debris(foreign_card) == set(DEBRIS_DIRS) | set(DEBRIS_FILES)
