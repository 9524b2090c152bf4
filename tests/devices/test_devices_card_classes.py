"""A card planned as sold ("16G", "8G") goes on genuine drives of that class.

Genuine drives are smaller than their label: a common "16 GB" microSD card
holds 15,931,539,456 bytes, a common "8 GB" stick 7,948,206,080. Loop devices
over sparse files of exactly those sizes stand in for them; the image is
written and verified by `sneakernet write`, and fsck.fat checks the file
system on the device itself (through a read-only loop device at the
partition's offset).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from devices_helpers import loop_device

from conftest import require_tool, run_cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import TOOL_ENV  # noqa: E402


def _partition(device_file: Path) -> tuple[int, int]:
    """(offset, length) in bytes of the first MBR partition, read by hand."""
    with open(device_file, "rb") as f:
        sector = f.read(512)
    assert sector[510:512] == b"\x55\xaa"
    start, count = struct.unpack_from("<II", sector, 446 + 8)
    return start * 512, count * 512


@pytest.mark.parametrize(("sold", "genuine"), [("16G", 15_931_539_456), ("8G", 7_948_206_080)])
def test_an_image_for_a_card_as_sold_goes_on_a_genuine_one(tmp_path, sold, genuine):
    src = tmp_path / "src"
    src.mkdir()
    (src / "책.txt").write_text("자유\n", encoding="utf-8")
    image = tmp_path / "card.img"
    built = run_cli("image", "build", src, "-o", image, "--size", sold)
    assert built.code == 0, built.stderr
    assert image.stat().st_size <= genuine
    drive = tmp_path / "drive.img"
    with open(drive, "wb") as f:
        f.truncate(genuine)
    with loop_device(drive) as dev:
        written = run_cli("write", image, dev, "--yes", "--json")
        assert written.code == 0, written.stderr
        report = json.loads(written.stdout)["devices"][0]
        assert report["status"] == "ok", report
    offset, length = _partition(drive)
    assert offset + length <= image.stat().st_size
    losetup = require_tool("losetup")
    part = subprocess.run(
        [losetup, "--find", "--show", "--read-only", "-o", str(offset), "--sizelimit",
         str(length), str(drive)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    try:
        fsck = subprocess.run(
            [require_tool("fsck.fat"), "-n", part], capture_output=True, text=True, env=TOOL_ENV
        )
    finally:
        subprocess.run([losetup, "-d", part], check=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    assert " files, " in fsck.stdout and "1 files" in fsck.stdout.replace(",", "")
