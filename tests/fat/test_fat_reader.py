"""Our reader on images made by an independent writer (mkfs.fat + mcopy), and what it shows an auditor."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from fat_oracles import TOOL_ENV, mtools, tree_files

from conftest import require_tool, run_cli
from sneakernet.fat import (
    ImageOptions,
    open_volume,
    plan_image,
    scan_source,
    stream_image,
    write_image,
)

FILES = {
    "한국어/드라마 1화.mp4": 70_001,
    "한국어/드라마 2화.mp4": 512,
    "music/song.mp3": 4096,
    "empty.txt": 0,
    "notes.txt": 1,
}


def make_tree(root: Path) -> Path:
    for index, (rel, size) in enumerate(FILES.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes((index + i) % 256 for i in range(size)))
    return root


def mkfs_image(tmp_path: Path, partition: bool) -> Path:
    """A FAT32 image from dosfstools, the MBR (when wanted) written here by hand."""
    mkfs = require_tool("mkfs.fat")
    image = tmp_path / "mkfs.img"
    size = 64 * 1024 * 1024
    with open(image, "wb") as f:
        f.truncate(size)
    args = [mkfs, "-F", "32", "-s", "1", "--invariant", "-n", "MKFSLABEL"]
    if partition:
        entry = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x0C, b"\0\0\0", 2048, size // 512 - 2048)
        mbr = bytes(446) + entry + bytes(48) + b"\x55\xaa"
        with open(image, "r+b") as f:
            f.write(mbr)
        args += ["--offset", "2048", str(image), str((size - 2048 * 512) // 1024)]
    else:
        args += [str(image)]
    subprocess.run(args, check=True, capture_output=True, env=TOOL_ENV)
    return image


@pytest.mark.parametrize("partition", [True, False], ids=["mbr", "bare"])
def test_reads_mkfs_and_mcopy_images(tmp_path: Path, partition: bool):
    src = make_tree(tmp_path / "src")
    image = mkfs_image(tmp_path, partition)
    for item in sorted(src.iterdir()):
        mtools("mcopy", image, "-s", str(item), "::/")
    with open_volume(image) as volume:
        assert volume.volume_offset == (2048 * 512 if partition else 0)
        assert volume.oem_name == "mkfs.fat"
        assert volume.boot_label == "MKFSLABEL"
        assert volume.label == "MKFSLABEL"
        assert volume.serial == 0x1234ABCD  # mkfs.fat --invariant
        entries = {e.path: e for e in volume.walk()}
        for rel, size in FILES.items():
            assert entries[rel].size == size
            assert volume.read_file(entries[rel]) == (src / rel).read_bytes()
    result = run_cli("image", "extract", image, tmp_path / "out")
    assert result.code == 0, result.stderr
    assert tree_files(tmp_path / "out") == tree_files(src)
    listing = run_cli("image", "ls", image)
    assert "드라마 1화.mp4" in listing.stdout and "70001" in listing.stdout


def test_deleted_entries_and_leftovers_are_visible(tmp_path: Path):
    src = make_tree(tmp_path / "src")
    image = mkfs_image(tmp_path, partition=False)
    mtools("mcopy", image, "-s", str(src / "한국어"), str(src / "notes.txt"), "::/")
    mtools("mdel", image, "::/한국어/드라마 1화.mp4")
    with open_volume(image) as volume:
        live = [e.path for e in volume.walk()]
        everything = list(volume.walk(include_deleted=True))
        deleted = [e for e in everything if e.deleted]
        assert "한국어/드라마 1화.mp4" not in live
        assert [e.path for e in deleted] == ["한국어/드라마 1화.mp4"]
        assert deleted[0].size == 70_001
        # The deleted film's bytes are still in unallocated space: an auditor must see them.
        leftover = (src / "한국어/드라마 1화.mp4").read_bytes()[:4096]
        found = any(
            leftover in volume.read_at(r.offset, min(r.length, 200_000))
            for r in volume.unallocated_regions()
        )
        assert found
    listing = run_cli("image", "ls", image, "--all")
    assert "deleted" in listing.stdout and "드라마 1화.mp4" in listing.stdout


def test_our_images_have_nothing_in_free_space_or_slack(tmp_path: Path):
    src = make_tree(tmp_path / "src")
    image = tmp_path / "card.img"
    assert run_cli("image", "build", src, "-o", image, "--size", "48M").code == 0
    with open_volume(image) as volume:
        regions = list(volume.unallocated_regions()) + list(volume.slack_regions())
        kinds = {r.kind for r in regions}
        assert kinds == {"unallocated", "file slack", "directory slack"}
        for region in regions:
            assert volume.read_at(region.offset, region.length).count(0) == region.length
        assert all(e.contiguous for e in volume.walk())
        assert volume.fsinfo.free_count == sum(n for _, n in volume.unallocated_runs())
        assert volume.fsinfo.next_free == next(volume.unallocated_runs())[0]
        assert volume.backup_boot == volume.boot


def test_orphan_long_name_records_are_reported(tmp_path: Path):
    src = make_tree(tmp_path / "src")
    image = tmp_path / "card.img"
    assert run_cli("image", "build", src, "-o", image, "--size", "48M").code == 0
    with open_volume(image) as volume:
        target = next(e for e in volume.walk() if e.path == "notes.txt")
    # Corrupt the short name so the long-name record before it no longer belongs to it.
    with open(image, "r+b") as f:
        f.seek(target.entry_offset)
        f.write(b"X")
    with open_volume(image) as volume:
        orphans = [e for e in volume.walk(include_deleted=True) if e.orphan_long_name]
        assert [e.name for e in orphans] == ["notes.txt"]
        assert "notes.txt" not in [e.path for e in volume.walk()]


def test_not_a_fat_image_is_refused(tmp_path: Path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"\x01" * 4096)
    result = run_cli("image", "ls", junk)
    assert result.code == 2 and "neither a FAT32 volume" in result.stderr
    fat16 = tmp_path / "fat16.img"
    subprocess.run(
        [require_tool("mkfs.fat"), "-F", "16", "-C", str(fat16), "16384"],
        check=True,
        capture_output=True,
    )
    result = run_cli("image", "ls", fat16)
    assert result.code == 2 and "FAT12/16" in result.stderr


@pytest.mark.root
def test_reads_a_block_device(tmp_path: Path):
    """The reader opens a (read-only loop) block device as it opens an image file."""
    losetup = require_tool("losetup")
    src = make_tree(tmp_path / "src")
    image = tmp_path / "card.img"
    assert run_cli("image", "build", src, "-o", image, "--size", "48M").code == 0
    attach = subprocess.run(
        [losetup, "--read-only", "--find", "--show", str(image)], capture_output=True, text=True
    )
    assert attach.returncode == 0, f"needs root and loop devices: {attach.stderr}"
    device = attach.stdout.strip()
    try:
        with open_volume(device) as volume:
            assert volume.partition is not None and volume.volume_offset == 4 * 1024 * 1024
            files = {e.path: volume.read_file(e) for e in volume.walk() if not e.is_dir}
        assert files == tree_files(src)
    finally:
        subprocess.run([losetup, "--detach", device], check=True)


def test_a_folder_linked_back_to_the_root_does_not_trap_the_reader(tmp_path: Path):
    src = make_tree(tmp_path / "src")
    image = tmp_path / "card.img"
    assert run_cli("image", "build", src, "-o", image, "--size", "48M").code == 0
    with open_volume(image) as volume:
        music = next(e for e in volume.walk() if e.path == "music")
    with open(image, "r+b") as f:  # point the folder at the root directory (cluster 2)
        f.seek(music.entry_offset + 20)
        f.write(struct.pack("<H", 0))
        f.seek(music.entry_offset + 26)
        f.write(struct.pack("<H", 2))
    with open_volume(image) as volume:
        paths = [e.path for e in volume.walk(include_deleted=True)]
    assert "music" in paths and "music/song.mp3" not in paths
    assert len(paths) == len(set(paths))


def test_stream_image_is_the_image_file_byte_for_byte(tmp_path: Path):
    src = make_tree(tmp_path / "src")
    options = ImageOptions(size=48_000_001, label="STREAM")
    image = tmp_path / "card.img"
    write_image(plan_image(scan_source(src).root, options), image, sync=False)
    blocks = list(stream_image(plan_image(scan_source(src).root, options), block_size=1 << 20))
    assert {len(b) for b in blocks[:-1]} == {1 << 20}
    assert b"".join(blocks) == image.read_bytes()
