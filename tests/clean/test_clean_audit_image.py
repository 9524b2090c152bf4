"""`sneakernet audit` on card images: a card made with mkfs.fat and mcopy from
dirty files shows every problem planted on it; a card built clean shows none."""

from __future__ import annotations

import json
import os
import subprocess

from clean_corpus import build

from conftest import SHARED_FIXTURES, require_tool, run_cli
from sneakernet.clean import clean_file
from sneakernet.fat import open_volume

RENAMED = "second file renamed to a much longer name.bin"
DENY = ["Freedom Group", "Kim Volunteer", "kimscard"]


def _mtool(tool: str, *args) -> None:
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run([require_tool(tool), *map(str, args)], env=env, check=True, capture_output=True)


def _point_next_free_at(image, deleted_name: str) -> None:
    """Make the next allocation start in a deleted file's hole, as a full card would."""
    with open_volume(image) as volume:
        entry = next(e for e in volume.walk(include_deleted=True) if e.deleted and e.size == 1500)
        fsinfo = volume.volume_offset + volume.boot.fsinfo_sector * volume.boot.bytes_per_sector
        hole = entry.first_cluster
    with image.open("r+b") as f:
        f.seek(fsinfo + 492)
        f.write(hole.to_bytes(4, "little"))


def _dirty_card(tmp_path):
    src = tmp_path / "src"
    samples = build(src, ["jpeg", "docx"])
    (src / "Freedom Group notes.txt").write_text("agenda\n")
    (src / "readme.txt").write_text("copied by Kim Volunteer\n")
    (src / ".DS_Store").write_bytes(b"\0\0\0\1Bud1" + bytes(50))
    (src / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(50))
    (src / "hidden.txt").write_text("hidden\n")
    (src / "marked.jpg").write_bytes(
        (SHARED_FIXTURES / "redstar" / "preview_bottle_firstuser.jpg").read_bytes()
    )
    (src / "first.bin").write_bytes(b"\x11" * 1500)
    (src / "second.bin").write_bytes(b"\x22" * 300)
    (src / "big.bin").write_bytes(b"\x33" * 4000)
    (src / "gone.txt").write_text("minutes of the meeting with Kim Volunteer\n" * 20)
    for n, path in enumerate(sorted(src.iterdir())):
        os.utime(path, (1_500_000_000 + n * 3600, 1_500_000_000 + n * 3600))
    image = tmp_path / "card.img"
    subprocess.run(
        [
            require_tool("mkfs.fat"),
            "-F",
            "32",
            "-s",
            "1",
            "-n",
            "KIMSCARD",
            "-C",
            str(image),
            "40000",
        ],
        check=True,
        capture_output=True,
    )
    plain = ["Freedom Group notes.txt", "readme.txt", ".DS_Store", "Thumbs.db", "hidden.txt"]
    files = [s.name for s in samples] + plain + ["marked.jpg", "first.bin", "second.bin"]
    _mtool("mcopy", "-m", "-i", image, *[src / f for f in files], "::/")
    _mtool("mattrib", "-i", image, "+h", "::/hidden.txt")
    # A longer name needs new directory slots: listed after big.bin, stored before its tail.
    _mtool("mren", "-i", image, "::/second.bin", f"::/{RENAMED}")
    _mtool("mdel", "-i", image, "::/first.bin")  # leaves a hole...
    _point_next_free_at(image, "first.bin")
    _mtool("mcopy", "-m", "-i", image, src / "big.bin", "::/")  # ...that big.bin is split into
    _mtool("mcopy", "-m", "-i", image, src / "gone.txt", "::/")
    _mtool("mdel", "-i", image, "::/gone.txt")  # a deleted entry, its data left in free space
    with open_volume(image) as volume:
        entry = next(e for e in volume.files() if e.name == RENAMED)
        slack_at = volume.cluster_offset(entry.clusters[-1]) + entry.size % volume.cluster_size
    with image.open("r+b") as f:
        f.seek(slack_at)
        f.write(b"leftover")
    return image


def test_audit_finds_every_planted_problem_on_mkfs_mcopy_card(tmp_path):
    image = _dirty_card(tmp_path)
    deny = tmp_path / "deny.txt"
    deny.write_text("\n".join(DENY) + "\n")
    result = run_cli("audit", "--json", "--deny-list", deny, image)
    assert result.code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    found = {(f["where"], f["field"]) for f in findings}
    expected = {
        ("volume", "OEM name"),
        ("volume", "volume serial"),
        ("volume", "label (boot sector)"),
        ("volume", "label (root folder)"),
        ("volume", "timestamps differ"),
        ("volume", "non-zero unallocated"),
        ("volume", "non-zero file slack"),
        ("volume", "deny-list word in free space"),
        (".DS_Store", "OS debris"),
        ("Thumbs.db", "OS debris"),
        ("hidden.txt", "attributes"),
        ("big.bin", "fragmented"),
        (RENAMED, "out of playback order"),
        ("Freedom Group notes.txt", "deny-list word in name"),
        ("readme.txt", "deny-list word in content"),
        ("marked.jpg", "RedStar:mark 1 (trailer)"),
        ("photo.jpg", "EXIF:GPS:GPSLatitude"),
        ("photo.jpg", "XMP"),
        ("photo.jpg", "trailing data"),
        ("letter.docx", "OOXML:docProps/core.xml:creator"),
        ("letter.docx", "ZIP:member times"),
    }
    assert expected <= found, sorted(expected - found)
    assert any(f["field"] == "deleted entry" for f in findings)
    assert any(f["field"] == "deleted entry" and "ONE.TXT" in f["value"].upper() for f in findings)


def test_card_built_from_cleaned_files_audits_clean(tmp_path):
    dirty = tmp_path / "dirty"
    samples = build(dirty, ["jpeg", "png", "docx", "epub"])
    clean = tmp_path / "clean"
    clean.mkdir()
    for s in samples:
        clean_file(dirty / s.name, clean / s.name)
    image = tmp_path / "card.img"
    made = run_cli("image", "build", clean, "-o", image, "--size", str(40 * 1024 * 1024))
    assert made.code == 0, made.stderr
    result = run_cli("audit", "--json", image)
    assert json.loads(result.stdout)["findings"] == []
    assert result.code == 0


def test_audit_refuses_what_is_not_a_fat32_volume(tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(bytes(1024 * 1024))
    result = run_cli("audit", junk)
    assert result.code == 2 and "Traceback" not in result.stderr
