"""Faulty drives fail with their reason; the others in the same run succeed."""

from __future__ import annotations

import json
import os

from devices_helpers import fake_disk, loop_device, loop_file

from conftest import run_cli

MIB = 1 << 20


def test_io_error_and_bit_flip_fail_only_their_devices(tmp_path):
    image = tmp_path / "card.img"
    image.write_bytes(os.urandom(3 * MIB))
    eio_at, flip_at = 9 * MIB + 4096, 2 * MIB + 12345  # flip inside the image data
    with (
        fake_disk(tmp_path, "eio", claimed=16 * MIB, eio_at=eio_at) as eio,
        fake_disk(tmp_path, "flip", claimed=16 * MIB, flip_at=flip_at) as flip,
        loop_file(tmp_path, "good", 16 * MIB) as good,
    ):
        result = run_cli("write", image, eio, flip, good, "--yes", "--json", "--probe", "none")
        again = run_cli("verify", image, eio, flip, good, "--json")
    assert result.code == 1
    states = {d["device"]: d for d in json.loads(result.stdout)["devices"]}
    assert states[eio]["status"] == "FAILED" and not states[eio]["verified"]
    assert "write error" in states[eio]["reason"]
    assert states[flip]["status"] == "FAILED" and states[flip]["verified"] is not True
    assert states[flip]["first_bad_offset"] == flip_at
    assert f"offset {flip_at}" in states[flip]["reason"]
    assert states[good]["status"] == "ok" and states[good]["verified"] is True
    assert (tmp_path / "good.img").read_bytes()[: 3 * MIB] == image.read_bytes()

    assert again.code == 1
    verified = {d["device"]: d for d in json.loads(again.stdout)["devices"]}
    # the interrupted write left its boot area blank: it cannot pass for a finished card
    assert verified[eio]["status"] == "FAILED" and verified[eio]["first_bad_offset"] == 0
    assert verified[flip]["status"] == "FAILED"
    assert verified[good]["verified"] is True


def test_verify_names_the_first_unreadable_block(tmp_path):
    image = tmp_path / "blank.img"
    image.write_bytes(bytes(MIB))  # a fresh emulated drive holds zeros: it matches until the error
    eio_at = 6 * MIB + 5 * 4096 + 17
    with fake_disk(tmp_path, "eio", claimed=8 * MIB, eio_at=eio_at) as eio:
        result = run_cli("verify", image, eio, "--json")
    assert result.code == 1
    state = json.loads(result.stdout)["devices"][0]
    assert state["status"] == "FAILED" and state["verified"] is False
    assert state["first_bad_offset"] == eio_at - eio_at % 4096
    assert "read error" in state["reason"]


def test_wipe_zeros_and_random_leave_nothing_of_the_past(tmp_path):
    old = os.urandom(8 * MIB)
    backing = tmp_path / "donated.img"
    backing.write_bytes(old)
    with loop_device(backing) as dev:
        zeros = run_cli("wipe", dev, "--yes", "--json")
        after_zeros = backing.read_bytes()
        keyed = run_cli("wipe", dev, "--random", "--yes", "--json")
        after_random = backing.read_bytes()
    assert zeros.code == 0 and json.loads(zeros.stdout)["devices"][0]["verified"] is True
    assert after_zeros == bytes(8 * MIB)
    assert keyed.code == 0 and json.loads(keyed.stdout)["devices"][0]["verified"] is True
    blocks = [after_random[i : i + 4096] for i in range(0, len(after_random), 4096)]
    assert len(set(blocks)) == len(blocks), "keyed blocks repeat"
    assert bytes(4096) not in blocks
    assert not any(after_random[i : i + 4096] == old[i : i + 4096] for i in range(0, 8 * MIB, 4096))


def test_wipe_read_back_catches_a_flipped_bit(tmp_path):
    flip_at = 5 * MIB + 99
    with (
        fake_disk(tmp_path, "flip", claimed=8 * MIB, flip_at=flip_at) as flip,
        loop_file(tmp_path, "good", 8 * MIB) as good,
    ):
        result = run_cli("wipe", flip, good, "--yes", "--json")
    assert result.code == 1
    states = {d["device"]: d for d in json.loads(result.stdout)["devices"]}
    assert states[flip]["status"] == "FAILED" and states[flip]["first_bad_offset"] == flip_at
    assert states[good]["status"] == "ok"
