"""Counterfeit-capacity probe against emulated fake drives (FUSE file + loop device)."""

from __future__ import annotations

import json
import os

import pytest
from devices_helpers import fake_disk, loop_file
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from sneakernet.devices.keyed import BLOCK, KeyedPattern

MIB = 1 << 20


def _probe(dev: str, *extra: str) -> tuple[int, dict]:
    result = run_cli("probe-device", dev, "--yes", "--json", *extra)
    return result.code, json.loads(result.stdout)["devices"][0]


def test_genuine_loop_device(tmp_path):
    with loop_file(tmp_path, "real", 32 * MIB) as dev:
        code, report = _probe(dev)
    assert code == 0 and report["probe"] == "genuine" and report["status"] == "ok"
    assert report["real_size"] == 32 * MIB


def test_genuine_drive_with_write_cache(tmp_path):
    with fake_disk(tmp_path, "cached", claimed=32 * MIB, cache=MIB) as dev:
        code, report = _probe(dev)
    assert code == 0 and report["probe"] == "genuine"


@pytest.mark.parametrize(
    ("mode", "claimed", "real", "cache", "full"),
    [
        ("wrap", 64 * MIB, 16 * MIB, 0, False),
        ("wrap", 64 * MIB, 8 * MIB, 2 * MIB, False),
        ("wrap", 64 * MIB, 20 * MIB, 0, False),  # not a power of two
        ("limbo", 64 * MIB, 23 * MIB + 12 * 4096, 0, False),
        ("limbo", 64 * MIB, 37 * MIB, 2 * MIB, False),
        ("limbo", 64 * MIB, 61 * MIB, 2 * MIB, False),  # real size inside the top flush area
        ("limbo", 64 * MIB, 30 * MIB, 6 * MIB, False),  # cache larger than the first round's flush
        ("wrap", 64 * MIB, 16 * MIB, 6 * MIB, False),
        ("wrap", 32 * MIB, 8 * MIB, MIB, True),
        ("limbo", 32 * MIB, 13 * MIB, MIB, True),
    ],
)
def test_fake_drives_are_classified_with_their_real_size(
    tmp_path, mode, claimed, real, cache, full
):
    extra = ["--full"] if full else []
    with fake_disk(tmp_path, "fake", claimed=claimed, real=real, mode=mode, cache=cache) as dev:
        code, report = _probe(dev, *extra)
    assert code == 1 and report["status"] == "FAILED"
    assert report["probe"] == {"wrap": "wraparound", "limbo": "limbo"}[mode]
    assert abs(report["real_size"] - real) <= real / 100, (report["real_size"], real)
    assert report["probe"] in report["reason"]


def test_limbo_returning_garbage(tmp_path):
    with fake_disk(tmp_path, "garbage", claimed=48 * MIB, real=20 * MIB, garbage=True) as dev:
        code, report = _probe(dev)
    assert report["probe"] == "limbo"
    assert abs(report["real_size"] - 20 * MIB) <= 20 * MIB / 100


def test_write_refuses_fake_drive_and_writes_the_genuine_one(tmp_path):
    image = tmp_path / "card.img"
    image.write_bytes(os.urandom(3 * MIB))
    with (
        fake_disk(tmp_path, "fake", claimed=32 * MIB, real=8 * MIB, mode="wrap") as fake,
        loop_file(tmp_path, "good", 32 * MIB) as good,
    ):
        result = run_cli("write", image, fake, good, "--yes", "--json")
    assert result.code == 1
    states = {d["device"]: d for d in json.loads(result.stdout)["devices"]}
    assert states[fake]["status"] == "FAILED" and not states[fake]["verified"]
    assert "wraparound" in states[fake]["reason"]
    assert states[good]["status"] == "ok" and states[good]["verified"]
    assert (tmp_path / "good.img").read_bytes()[: 3 * MIB] == image.read_bytes()


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**40 // BLOCK), st.binary(min_size=32, max_size=32))
def test_keyed_blocks_name_their_offset_only_under_their_key(block_index, key):
    offset = block_index * BLOCK
    pattern = KeyedPattern(key)
    block = pattern.block(offset)
    assert pattern.origin(block) == offset
    assert KeyedPattern(bytes(32) if key != bytes(32) else b"\1" * 32).origin(block) is None
    damaged = bytearray(block)
    damaged[BLOCK // 2] ^= 1
    assert pattern.origin(bytes(damaged)) is None
