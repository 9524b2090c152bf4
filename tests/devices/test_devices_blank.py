"""What `write` puts on a drive: the image, and zeros only where old data is.

Emulated drives (FUSE + loop, see fakedisk.py) log every write they get and
serve their medium for a scan afterwards, so these tests count the bytes
written where and check every byte of the drive, not just what `verify` reads.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from devices_helpers import fake_disk, medium, read_writes

from conftest import run_cli
from sneakernet.devices.probe import sample_positions

MIB = 1 << 20
UNIT = 4 * MIB  # the writer's unit (a flash allocation unit)


def _image(tmp_path: Path, size: int, *, zero: tuple[int, int] | None = None) -> bytes:
    data = bytearray(os.urandom(size))
    if zero:
        data[zero[0] : zero[1]] = bytes(zero[1] - zero[0])
    (tmp_path / "card.img").write_bytes(data)
    return bytes(data)


def _write(tmp_path: Path, dev: str, *extra: str) -> dict:
    result = run_cli("write", tmp_path / "card.img", dev, "--yes", "--json", *extra)
    report = json.loads(result.stdout)["devices"][0]
    assert result.code == (0 if report["status"] == "ok" else 1), result.stderr
    return report


def _holds_image_then_zeros(path: Path, image: bytes, size: int) -> None:
    data = path.read_bytes()
    assert len(data) == size
    assert data[: len(image)] == image
    assert data.count(0, len(image)) == size - len(image), "not zero past the image"


def test_new_drive_is_proven_blank_past_the_image_without_writes_there(tmp_path):
    size, image_size = 64 * MIB, 14 * MIB + 1234
    # the image's own free space (a FAT image's unused clusters): one all-zero unit
    image = _image(tmp_path, image_size, zero=(8 * MIB, 12 * MIB))
    log = tmp_path / "writes.log"
    with fake_disk(tmp_path, "new", claimed=size, log=log) as dev:
        report = _write(tmp_path, dev)
        _holds_image_then_zeros(medium(tmp_path, "new"), image, size)
    assert report["status"] == "ok" and report["verified"] is True
    assert report["probe"] == "genuine" and report["real_size"] == size
    writes = read_writes(log)
    tail = 16 * MIB  # the image's last unit ends here
    probe_blocks = [p for p in sample_positions(size) if p >= tail]
    past = [(off, n) for off, n, _ in writes if off >= tail]
    # past the image: the probe's keyed blocks, once with data and once zeroed, nothing else
    assert sorted(past) == sorted([(p, 4096) for p in probe_blocks] * 2)
    assert sum(n for _, n in past) == 2 * 4096 * len(probe_blocks) < 512 * 1024
    assert not [w for w in writes if 8 * MIB <= w[0] < 12 * MIB], "free space of the image written"
    phases = report["phases"]
    assert set(phases) == {"write", "probe", "blank-check", "zero", "verify"}
    assert phases["blank-check"]["bytes"] == size - tail + 4 * MIB
    assert phases["zero"]["bytes"] == 4096 * len(probe_blocks)
    assert all(p["bytes_per_second"] for p in phases.values())


def test_donated_drive_full_of_old_data_ends_with_none_of_it(tmp_path):
    size = 48 * MIB
    image = _image(tmp_path, 10 * MIB + 777)
    with fake_disk(
        tmp_path, "donated", claimed=size, fill_random=True, read_rate=400e6, write_rate=100e6
    ) as dev:
        old = medium(tmp_path, "donated").read_bytes()
        assert old.count(0) < size // 200  # really full of someone's files
        report = _write(tmp_path, dev)
        _holds_image_then_zeros(medium(tmp_path, "donated"), image, size)
        again = run_cli("verify", tmp_path / "card.img", dev, "--json")
    assert report["status"] == "ok" and report["verified"] and report["probe"] == "genuine"
    assert again.code == 0
    # every unit past the image read dirty, so each was zeroed and read back
    assert report["phases"]["zero"]["bytes"] >= size - 12 * MIB
    assert report["phases"]["verify"]["bytes"] >= size - MIB


def test_scattered_old_data_gets_exactly_those_units_written(tmp_path):
    size = 64 * MIB
    image = _image(tmp_path, 6 * MIB)
    # the first byte of a unit, a 5000-byte file across nothing else, one stray block at the end
    dirty = [(20 * MIB, 1), (41 * MIB + 4096 * 7 + 5, 5000), (size - 4096, 4096), (8 * MIB - 1, 1)]
    log = tmp_path / "writes.log"
    with fake_disk(
        tmp_path, "used", claimed=size, dirty=dirty, log=log, read_rate=400e6, write_rate=100e6
    ) as dev:
        report = _write(tmp_path, dev, "--probe", "none")
        _holds_image_then_zeros(medium(tmp_path, "used"), image, size)
    assert report["status"] == "ok" and report["verified"]
    written_units = {off // UNIT for off, _n, _ in read_writes(log) if off >= 8 * MIB}
    assert written_units == {20 * MIB // UNIT, 41 * MIB // UNIT, (size - 1) // UNIT}
    # ...and those units whole: zeros from their start to their end
    zeroed = sum(n for off, n, _ in read_writes(log) if off >= 8 * MIB)
    assert zeroed == 3 * UNIT
    # the unit holding the image's end was written with the image and zeros: its old byte is gone
    assert report["phases"]["zero"]["bytes"] == 3 * UNIT


def test_erased_ff_is_not_blank(tmp_path):
    """Blank means 00: an FF unit (erased flash on some cards) is rewritten with zeros."""
    size = 32 * MIB
    image = _image(tmp_path, 3 * MIB)
    with fake_disk(tmp_path, "ff", claimed=size, log=tmp_path / "w.log") as dev:
        with open(medium(tmp_path, "ff"), "r+b") as f:
            f.seek(24 * MIB)
            f.write(b"\xff" * UNIT)
        os.truncate(tmp_path / "w.log", 0)
        report = _write(tmp_path, dev, "--probe", "none")
        _holds_image_then_zeros(medium(tmp_path, "ff"), image, size)
    assert report["status"] == "ok"
    assert {off // UNIT for off, _n, _ in read_writes(tmp_path / "w.log") if off >= UNIT} == {6}


@pytest.mark.parametrize(
    ("mode", "claimed", "real", "cache", "garbage"),
    [
        ("wrap", 64 * MIB, 16 * MIB, 0, False),
        ("wrap", 64 * MIB, 20 * MIB, 2 * MIB, False),
        ("wrap", 64 * MIB, 4 * MIB, 0, False),  # real size below the image's end
        ("limbo", 64 * MIB, 23 * MIB + 12 * 4096, 0, False),
        ("limbo", 64 * MIB, 37 * MIB, 2 * MIB, False),
        ("limbo", 64 * MIB, 30 * MIB, 6 * MIB, False),  # a cache bigger than the image
        ("limbo", 64 * MIB, 61 * MIB, 2 * MIB, True),
        ("limbo", 64 * MIB, 5 * MIB, 0, False),  # image larger than the real size
    ],
)
def test_write_catches_fake_drives_with_their_real_size(
    tmp_path, mode, claimed, real, cache, garbage
):
    _image(tmp_path, 7 * MIB)
    with fake_disk(
        tmp_path, "fake", claimed=claimed, real=real, mode=mode, cache=cache, garbage=garbage
    ) as dev:
        report = _write(tmp_path, dev)
        after = run_cli("verify", tmp_path / "card.img", dev, "--json")
    assert report["status"] == "FAILED" and report["verified"] is not True
    assert report["probe"] == {"wrap": "wraparound", "limbo": "limbo"}[mode], report
    assert abs(report["real_size"] - real) <= real / 100, (report["real_size"], real)
    assert report["probe"] in report["reason"]
    assert after.code == 1, "a fake drive's card looks finished"


def test_genuine_drive_with_a_cache_that_ignores_flushes_passes(tmp_path):
    image = _image(tmp_path, 2 * MIB)  # less than the cache: the write pads with zeros
    with fake_disk(tmp_path, "cached", claimed=64 * MIB, cache=6 * MIB) as dev:
        report = _write(tmp_path, dev)
        _holds_image_then_zeros(medium(tmp_path, "cached"), image, 64 * MIB)
    assert report["status"] == "ok" and report["probe"] == "genuine" and report["verified"]


def test_summary_names_each_phase_with_its_speed(tmp_path):
    _image(tmp_path, 6 * MIB)
    with fake_disk(tmp_path, "d", claimed=32 * MIB, dirty=[(20 * MIB, 10)]) as dev:
        result = run_cli("write", tmp_path / "card.img", dev, "--yes")
    assert result.code == 0, result.stderr
    table = result.stderr  # the summary is for a person: it goes with the messages
    for phase in ("write", "blank-check", "zero", "verify"):
        assert re.search(rf"{phase} [\d.]+ MB [\d.]+ MB/s", table), table
    assert re.search(r"probe 0\.\d+ MB\b", table), table  # a few keyed blocks


def test_faults_with_the_probe_riding_along(tmp_path):
    """A flipped bit and an I/O error past the image fail their drives, with the offset."""
    _image(tmp_path, 5 * MIB)
    flip_at, eio_at = 22 * MIB + 4321, 27 * MIB + 8192
    with (
        fake_disk(tmp_path, "flip", claimed=32 * MIB, flip_at=flip_at) as flip,
        fake_disk(tmp_path, "eio", claimed=32 * MIB, eio_at=eio_at) as eio,
        fake_disk(tmp_path, "good", claimed=32 * MIB, fill_random=True) as good,
    ):
        result = run_cli("write", tmp_path / "card.img", flip, eio, good, "--yes", "--json")
    states = {d["device"]: d for d in json.loads(result.stdout)["devices"]}
    assert result.code == 1
    assert states[flip]["status"] == "FAILED" and states[flip]["first_bad_offset"] == flip_at
    assert f"offset {flip_at}" in states[flip]["reason"]
    # unreadable while blank-checked, so zeroed: the write hits the error
    assert states[eio]["status"] == "FAILED" and "write error at offset" in states[eio]["reason"]
    assert states[good]["status"] == "ok" and states[good]["verified"] is True


def test_no_verify_still_leaves_nothing_of_the_past(tmp_path):
    size = 32 * MIB
    image = _image(tmp_path, 5 * MIB)
    with fake_disk(tmp_path, "donated", claimed=size, fill_random=True) as dev:
        report = _write(tmp_path, dev, "--no-verify")
        _holds_image_then_zeros(medium(tmp_path, "donated"), image, size)
    assert report["status"] == "ok" and report["verified"] is None
    assert "verify" not in report["phases"] and report["probe"] == "genuine"
