"""`sneakernet audit` on card images: a card made with mkfs.fat and mcopy from
dirty files shows every problem planted on it; a card built clean shows none."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from clean_corpus import BUILDERS, build

from conftest import FIXTURES, require_tool, run_cli
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
        (FIXTURES / "redstar" / "preview_bottle_firstuser.jpg").read_bytes()
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
        readme_at = next(e for e in volume.files() if e.name == "readme.txt").entry_offset
        backup_at = volume.volume_offset + volume.boot.backup_boot_sector * 512
    with image.open("r+b") as f:
        f.seek(slack_at)
        f.write(b"leftover")
        f.seek(readme_at + 18)  # last-access date of readme.txt: opened on another day
        f.write((((2019 - 1980) << 9) | (3 << 5) | 4).to_bytes(2, "little"))
        f.seek(backup_at + 71)  # the backup boot sector keeps the card's earlier label
        f.write(b"OLDNAME    ")
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
        ("volume", "access dates differ"),
        ("volume", "backup boot sector label"),
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
    samples = build(dirty, [k for k in BUILDERS if k != "jpeg-progressive"])
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


@pytest.mark.root
def test_audit_reads_a_block_device_like_an_image(tmp_path):
    image = _dirty_card(tmp_path)
    losetup = require_tool("losetup")
    attach = subprocess.run(
        [losetup, "--find", "--show", "--read-only", str(image)], capture_output=True, text=True
    )
    if attach.returncode != 0:
        pytest.fail(f"cannot attach a loop device (needs root): {attach.stderr.strip()}")
    device = attach.stdout.strip()
    try:
        from_device = run_cli("audit", "--json", device)
        from_image = run_cli("audit", "--json", image)
    finally:
        subprocess.run([losetup, "--detach", device], check=True)
    assert from_device.code == from_image.code == 1
    assert json.loads(from_device.stdout)["findings"] == json.loads(from_image.stdout)["findings"]
