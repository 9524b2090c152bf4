"""`audit` accounts for every byte of a card: data planted anywhere outside the
files (by direct byte writes, at offsets computed from the boot sector by hand)
is reported with its region and offset; a card built by `make` audits clean."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from fat_oracles import fsck_clean, partition_offset

from conftest import run_cli

WORD = b"KIMSCARD"
MIB = 2**20


class Card:
    """Geometry read by hand from the MBR and the boot sector (not from sneakernet's reader)."""

    def __init__(self, image: Path) -> None:
        self.image = image
        self.offset = partition_offset(image)
        with open(image, "rb") as f:
            f.seek(self.offset)
            boot = f.read(512)
        (self.bps,) = struct.unpack_from("<H", boot, 11)
        self.spc = boot[13]
        (self.reserved,) = struct.unpack_from("<H", boot, 14)
        self.fats = boot[16]
        (self.total,) = struct.unpack_from("<I", boot, 32)
        (self.fat_sectors,) = struct.unpack_from("<I", boot, 36)
        (self.root,) = struct.unpack_from("<I", boot, 44)
        self.cluster = self.bps * self.spc
        self.fat = self.offset + self.reserved * self.bps
        self.data = self.fat + self.fats * self.fat_sectors * self.bps
        self.clusters = (self.total - self.reserved - self.fats * self.fat_sectors) // self.spc
        self.end = self.offset + self.total * self.bps

    def cluster_at(self, n: int) -> int:
        return self.data + (n - 2) * self.cluster

    def entry(self, n: int) -> int:
        with open(self.image, "rb") as f:
            f.seek(self.fat + 4 * n)
            return struct.unpack("<I", f.read(4))[0] & 0x0FFFFFFF

    def poke(self, at: int, data: bytes) -> None:
        with open(self.image, "r+b") as f:
            f.seek(at)
            f.write(data)


@pytest.fixture
def card(tmp_path) -> Card:
    src = tmp_path / "src"
    src.mkdir()
    (src / "notes.txt").write_text(("hello\n" * 1667)[:10_000])  # ends inside its 20th cluster
    image = tmp_path / "card.img"
    made = run_cli("image", "build", src, "-o", image, "--size", str(40 * MIB),
                   "--cluster-size", "512")  # fmt: skip
    assert made.code == 0, made.stderr
    found = Card(image)
    assert found.offset > 0 and found.cluster == 512
    clean = run_cli("audit", "--json", image)
    assert clean.code == 0 and json.loads(clean.stdout)["findings"] == []
    return found


def plant_file_slack(c: Card) -> int:
    first = next(n for n in range(3, c.clusters + 2) if c.entry(n))  # the root is cluster 2
    last = first + 10_000 // c.cluster
    return c.cluster_at(last) + 10_000 % c.cluster + 7


def plant_free(c: Card) -> int:
    last = c.clusters + 1
    assert c.entry(last) == 0
    return c.cluster_at(last) + 100


REGIONS = {
    "MBR boot code": lambda c: 16,
    "gap before the partition": lambda c: c.offset - 300,
    "reserved sectors": lambda c: c.offset + 3 * c.bps + 40,
    "FAT padding": lambda c: c.fat + c.fat_sectors * c.bps - 8,
    "unallocated": plant_free,
    "file slack": plant_file_slack,
    "directory slack": lambda c: c.cluster_at(c.root) + c.cluster - 64,
}


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_data_planted_in_each_region_is_reported_with_its_offset(card, region, tmp_path):
    at = REGIONS[region](card)
    card.poke(at, WORD)
    if region not in ("file slack", "directory slack", "unallocated", "FAT padding"):
        fsck_clean(card.image, tmp_path)  # the file system itself does not see it
    deny = tmp_path / "deny.txt"
    deny.write_text(WORD.decode() + "\n")
    result = run_cli("audit", "--json", "--deny-list", deny, card.image)
    assert result.code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    hit = [f for f in findings if f["field"] == f"non-zero {region}"]
    assert hit, findings
    assert f"byte {at}" in hit[0]["value"], hit
    assert any(f["value"] == WORD.decode() for f in findings), findings


def test_data_after_the_volume_is_reported(card, tmp_path):
    with open(card.image, "ab") as f:
        f.write(bytes(4096) + WORD)
    result = run_cli("audit", "--json", card.image)
    assert result.code == 1
    (hit,) = [f for f in json.loads(result.stdout)["findings"] if "after the volume" in f["field"]]
    assert f"byte {card.end + 4096}" in hit["value"]


def test_a_truncated_image_is_a_finding(card):
    with open(card.image, "r+b") as f:
        f.truncate(card.end - 5 * MIB)
    result = run_cli("audit", "--json", card.image)
    assert result.code == 1
    fields = [f["field"] for f in json.loads(result.stdout)["findings"]]
    assert "truncated" in fields


def test_a_deleted_directory_entry_is_reported(card):
    root = card.cluster_at(card.root)
    with open(card.image, "rb") as f:
        f.seek(root)
        data = f.read(card.cluster)
    free = next(i for i in range(0, len(data), 32) if data[i] == 0)
    card.poke(root + free, b"\xe5IMSCARDTXT" + bytes(21))
    result = run_cli("audit", "--json", card.image)
    assert result.code == 1
    hits = [f for f in json.loads(result.stdout)["findings"] if f["field"] == "deleted entry"]
    assert hits and "IMSCARD" in hits[0]["value"].upper(), hits


def test_fat_copies_that_differ_are_reported(card):
    card.poke(card.fat + card.fat_sectors * card.bps + 4 * 5, b"\xff\xff\xff\x0f")
    result = run_cli("audit", "--json", card.image)
    assert result.code == 1
    assert "FAT copies differ" in [f["field"] for f in json.loads(result.stdout)["findings"]]
