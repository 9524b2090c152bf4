"""`sneakernet image build` checked from the operator's side against dosfstools and mtools."""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
from pathlib import Path

import pytest
from fat_oracles import (
    fsck_clean,
    fsck_data_offset,
    is_bmp,
    mcopy_all,
    mdir_order,
    mshowfat_runs,
    partition_offset,
    tree_files,
)

from conftest import run_cli

SAMPLE = {
    "series/ep1.mp4": 1000,
    "series/ep2.mp4": 512,
    "series/ep10.mp4": 4097,
    "series/Ep3.mp4": 0,
    "한국어 영화/제1화 첫 만남.mkv": 70000,
    "한국어 영화/자막.srt": 1023,
    "😀 웃음.txt": 13,
    "books/a very long file name that needs several LFN records.epub": 2049,
    "books/README.TXT": 5,
    "books/readme2.txt": 511,
    "deep/er/and/deeper/still.bin": 513,
    "Same Prefix 1.txt": 3,
    "Same Prefix 2.txt": 3,
    "Same Prefix 10.txt": 3,
    "x+y,z;[1]=2.dat": 7,
    ".hidden start.txt": 9,
}


def make_tree(root: Path, files: dict[str, int]) -> Path:
    for index, (rel, size) in enumerate(sorted(files.items())):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes((index * 7 + i) % 251 for i in range(size)))
    return root


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "src", SAMPLE)


def build(src: Path, out: Path, *args: str, env=None) -> dict:
    result = run_cli("image", "build", src, "-o", out, "--json", *args, env=env)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("partition", [True, False], ids=["mbr", "bare"])
def test_build_is_clean_complete_ordered_and_contiguous(sample: Path, tmp_path: Path, partition):
    out = tmp_path / "card.img"
    args = ["--size", "48M"] + ([] if partition else ["--no-partition-table"])
    summary = build(sample, out, *args)
    assert out.stat().st_size == 48_000_000
    assert out.stat().st_blocks * 512 < 8 * 1024 * 1024, "zero regions must be holes"
    assert partition_offset(out) == (4 * 1024 * 1024 if partition else 0)
    fsck_clean(out, tmp_path)
    assert fsck_data_offset(out, tmp_path) % (4 * 1024 * 1024) == 0, "erase-block alignment"

    # mtools extracts every file byte-identical (names outside the BMP are mangled by mtools).
    mcopy_all(out, tmp_path / "mtools")
    source = tree_files(sample)
    extracted = tree_files(tmp_path / "mtools")
    assert len(extracted) == len(source)
    for rel, content in source.items():
        if is_bmp(rel):
            assert extracted[rel] == content, rel
    assert "한국어 영화/제1화 첫 만남.mkv" in extracted

    # Our reader gets everything back, emoji included.
    result = run_cli("image", "extract", out, tmp_path / "ours")
    assert result.code == 0, result.stderr
    assert tree_files(tmp_path / "ours") == source

    # Playback order: natural sort, and mdir (entry order on disk) agrees with us.
    order = summary["order"]
    assert order.index("series/ep1.mp4") < order.index("series/ep2.mp4")
    assert order.index("series/ep2.mp4") < order.index("series/Ep3.mp4")
    assert order.index("series/Ep3.mp4") < order.index("series/ep10.mp4")
    assert order.index("Same Prefix 2.txt") < order.index("Same Prefix 10.txt")
    listing = json.loads(run_cli("image", "ls", out, "--json").stdout)["entries"]
    assert [e["path"] for e in listing if not e["is_dir"]] == order
    mdir = mdir_order(out)
    ours: dict[str, list[str]] = {}
    for entry in listing:
        parent, _, name = entry["path"].rpartition("/")
        ours.setdefault(parent, []).append(name)
    for folder, names in ours.items():
        if is_bmp(folder):
            got = mdir[folder]
            assert len(got) == len(names)
            assert [g for g, n in zip(got, names, strict=True) if is_bmp(n)] == [
                n for n in names if is_bmp(n)
            ], folder

    # Each file is one contiguous run of clusters, as mtools reads the FAT.
    for rel, size in SAMPLE.items():
        if size and is_bmp(rel) and "[" not in rel:  # mtools reads [..] as a wildcard
            runs = mshowfat_runs(out, rel).removeprefix(f"::/{rel} ")
            assert re.fullmatch(r"<\d+-\d+>|<\d+>", runs), (rel, runs)
    assert all(e["fragments"] <= 1 for e in listing)


def test_nothing_identifying_on_the_card(sample: Path, tmp_path: Path):
    out = tmp_path / "card.img"
    build(sample, out, "--size", "48M")
    data = out.read_bytes()
    needles = {
        socket.gethostname(),
        getpass.getuser(),
        str(tmp_path),
        str(sample),
        "sneakernet",
        "mkfs",
        "mtools",
        "python",
        "dosfstools",
    }
    for needle in needles:
        if len(needle) >= 3:
            assert needle.encode() not in data, needle
            assert needle.encode("utf-16-le") not in data, needle
    assert data[4 * 1024 * 1024 + 3 : 4 * 1024 * 1024 + 11] == b"MSWIN4.1"
    listing = json.loads(run_cli("image", "ls", out, "--all", "--json").stdout)
    stamps = {e[k] for e in listing["entries"] for k in ("created", "modified")}
    assert stamps == {"2000-01-01T00:00:00"}
    assert {e["accessed"] for e in listing["entries"]} == {"2000-01-01"}
    assert listing["volume"]["oem_name"] == "MSWIN4.1"
    assert not any(e["deleted"] or e["orphan_long_name"] for e in listing["entries"])


def test_options_label_serial_timestamp_cluster_size(sample: Path, tmp_path: Path):
    out = tmp_path / "card.img"
    summary = build(
        sample,
        out,
        "--size", "300M",
        "--label", "films 1",
        "--serial", "1a2b3c4d",
        "--timestamp", "2011-12-17T08:30:00+09:00",
        "--cluster-size", "4KiB",
    )  # fmt: skip
    assert summary["serial"] == "1A2B-3C4D"
    assert summary["cluster_size"] == 4096
    fsck_clean(out, tmp_path)
    listing = json.loads(run_cli("image", "ls", out, "--all", "--json").stdout)
    volume = listing["volume"]
    assert volume["label"] == "FILMS 1"
    assert volume["boot_sector_label"] == "FILMS 1"
    assert volume["serial"] == "1A2B-3C4D"
    assert volume["cluster_size"] == 4096
    assert {e["modified"] for e in listing["entries"]} == {"2011-12-16T23:30:00"}
    # SOURCE_DATE_EPOCH is used when --timestamp is not given.
    out2 = tmp_path / "epoch.img"
    build(sample, out2, "--size", "48M", env={"SOURCE_DATE_EPOCH": "1262304000"})
    listing = json.loads(run_cli("image", "ls", out2, "--json").stdout)
    assert {e["modified"] for e in listing["entries"]} == {"2010-01-01T00:00:00"}


def test_default_cluster_sizes_and_fsinfo(tmp_path: Path):
    src = make_tree(tmp_path / "src", {"a.bin": 100_000, "b/c.bin": 5})
    for size, cluster in (("200M", 512), ("1G", 4096)):
        out = tmp_path / f"{size}.img"
        summary = build(src, out, "--size", size)
        assert summary["cluster_size"] == cluster
        line = fsck_clean(out, tmp_path)  # fsck checks the FSInfo free count too
        used, total = map(int, re.search(r"(\d+)/(\d+) clusters", line).groups())
        assert summary["free_bytes"] == (total - used) * cluster
        out.unlink()


def test_order_file_and_debris(sample: Path, tmp_path: Path):
    for junk in (".DS_Store", "series/._ep1.mp4", "Thumbs.db", "books/desktop.ini"):
        (sample / junk).write_bytes(b"debris")
    (sample / "System Volume Information").mkdir()
    (sample / "System Volume Information" / "IndexerVolumeGuid").write_bytes(b"x")
    order = tmp_path / "order.txt"
    order.write_text("# finale first\nseries/ep10.mp4\nbooks\nseries/ep2.mp4\n", encoding="utf-8")
    out = tmp_path / "card.img"
    summary = build(sample, out, "--size", "48M", "--order", order)
    assert sorted(summary["left_out"]) == sorted(
        [
            ".DS_Store",
            "series/._ep1.mp4",
            "Thumbs.db",
            "books/desktop.ini",
            "System Volume Information",
        ]
    )
    assert summary["order"][:2] == ["series/ep10.mp4", "series/ep2.mp4"]
    assert mdir_order(out)["series"] == ["ep10.mp4", "ep2.mp4", "ep1.mp4", "Ep3.mp4"]
    assert mdir_order(out)[""][:2] == ["series", "books"]
    listing = run_cli("image", "ls", out, "--json").stdout
    assert (
        "Thumbs" not in listing
        and "DS_Store" not in listing
        and "Volume Information" not in listing
    )
    human = run_cli("image", "build", sample, "-o", tmp_path / "h.img", "--size", "48M")
    assert "left out OS debris: .DS_Store" in human.stderr


def test_fix_names_rewrites_and_reports(tmp_path: Path):
    src = make_tree(
        tmp_path / "src",
        {"what?.txt": 1, "trailing dot.": 2, "Case.txt": 3, "case.txt": 4, "a:b.txt": 5},
    )
    out = tmp_path / "card.img"
    summary = build(src, out, "--size", "48M", "--fix-names")
    renamed = {r["from"]: r["to"] for r in summary["renamed"]}
    assert renamed == {
        "what?.txt": "what_.txt",
        "trailing dot.": "trailing dot",
        "case.txt": "case (2).txt",
        "a:b.txt": "a_b.txt",
    }
    fsck_clean(out, tmp_path)
    mcopy_all(out, tmp_path / "mtools")
    assert sorted(tree_files(tmp_path / "mtools")) == sorted(
        ["what_.txt", "trailing dot", "Case.txt", "case (2).txt", "a_b.txt"]
    )
    human = run_cli("image", "build", src, "-o", tmp_path / "h.img", "--size", "48M", "--fix-names")
    assert "renamed: what?.txt -> what_.txt" in human.stderr


def test_follow_symlinks(tmp_path: Path):
    src = make_tree(tmp_path / "src", {"real.txt": 10})
    outside = make_tree(tmp_path / "outside", {"film.mp4": 600})
    (src / "link.mp4").symlink_to(outside / "film.mp4")
    (src / "linked folder").symlink_to(outside)
    out = tmp_path / "card.img"
    build(src, out, "--size", "48M", "--follow-symlinks")
    run_cli("image", "extract", out, tmp_path / "x")
    files = tree_files(tmp_path / "x")
    assert (
        files["link.mp4"] == files["linked folder/film.mp4"] == (outside / "film.mp4").read_bytes()
    )
    assert os.path.islink(src / "link.mp4")
