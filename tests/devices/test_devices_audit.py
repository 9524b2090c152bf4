"""`audit` on a written device reads every byte of it, not only the image's length:
old data left past the file system, or planted there later, is reported with its offset."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from devices_helpers import loop_device

from conftest import run_cli

MIB = 1 << 20
WORD = b"KIMSCARD"


def _volume_end(image: Path) -> int:
    """Where the file system ends, read by hand from the MBR and the boot sector."""
    with open(image, "rb") as f:
        mbr = f.read(512)
        (start,) = struct.unpack_from("<I", mbr, 446 + 8)
        f.seek(start * 512)
        boot = f.read(512)
    (bps,) = struct.unpack_from("<H", boot, 11)
    (total,) = struct.unpack_from("<I", boot, 32)
    return start * 512 + total * bps


def _card(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "film.txt").write_text("a film's subtitles\n" * 500)
    image = tmp_path / "card.img"
    made = run_cli("image", "build", src, "-o", image, "--size", str(40 * MIB))
    assert made.code == 0, made.stderr
    return image


def _poke(dev: str, at: int, data: bytes) -> None:
    fd = os.open(dev, os.O_WRONLY)
    try:
        os.pwrite(fd, data, at)
        os.fsync(fd)
    finally:
        os.close(fd)


def test_a_written_device_audits_clean_and_data_past_the_file_system_is_found(tmp_path):
    image = _card(tmp_path)
    end = _volume_end(image)
    assert end <= image.stat().st_size
    backing = tmp_path / "stick.img"
    old = bytearray(os.urandom(64 * MIB))  # someone's old files, the word among them
    old[52 * MIB : 52 * MIB + len(WORD)] = WORD
    backing.write_bytes(bytes(old))
    deny = tmp_path / "deny.txt"
    deny.write_text(WORD.decode() + "\n")
    with loop_device(backing) as dev:
        written = run_cli("write", image, dev, "--yes", "--probe", "none")
        assert written.code == 0, written.stderr
        clean = run_cli("audit", "--json", "--deny-list", deny, dev)
        assert clean.code == 0, clean.stdout + clean.stderr
        assert json.loads(clean.stdout)["findings"] == []

        at = 58 * MIB + 123  # past the image and the volume, inside the device
        _poke(dev, at, WORD)
        found = run_cli("audit", "--json", "--deny-list", deny, dev)
    assert found.code == 1, found.stdout + found.stderr
    findings = json.loads(found.stdout)["findings"]
    (past,) = [f for f in findings if f["field"] == "non-zero after the volume"]
    assert f"byte {at}" in past["value"], past
    assert any(f["value"] == WORD.decode() for f in findings), findings
