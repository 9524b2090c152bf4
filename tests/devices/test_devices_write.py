"""Writing one image to several devices at once, from the operator's side."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from devices_helpers import fake_disk, loop_device, loop_file, random_image

from conftest import interruptible_popen, run_cli

MIB = 1 << 20


def _backing_holds(backing: Path, image: bytes, size: int) -> None:
    data = backing.read_bytes()
    assert len(data) == size
    assert data[: len(image)] == image
    assert data[len(image) :].count(0) == size - len(image), "tail is not all zeros"


def test_write_three_devices_at_once_reads_back_image_then_zeros(tmp_path):
    image = random_image(tmp_path, 5 * MIB + 12345)  # not a multiple of any block size
    sizes = [24 * MIB, 32 * MIB, 40 * MIB]
    with ExitStack() as stack:
        devs = []
        for i, size in enumerate(sizes):
            backing = tmp_path / f"d{i}.img"
            backing.write_bytes(os.urandom(size))  # someone's old files
            devs.append(stack.enter_context(loop_device(backing)))
        result = run_cli("write", image, *devs, "--yes", "--json")
        assert result.code == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["ok"] is True
        assert [d["status"] for d in report["devices"]] == ["ok"] * 3
        assert all(d["verified"] and d["probe"] == "genuine" for d in report["devices"])
        verify = run_cli("verify", image, *devs, "--json")
        assert verify.code == 0, verify.stderr
    expected = image.read_bytes()
    for i, size in enumerate(sizes):
        _backing_holds(tmp_path / f"d{i}.img", expected, size)


def test_verify_reports_first_bad_offset(tmp_path):
    image = random_image(tmp_path, 3 * MIB)
    with loop_file(tmp_path, "dev", 8 * MIB) as dev:
        assert run_cli("write", image, dev, "--yes", "--probe", "none").code == 0
        bad = 5 * MIB + 777  # in the zero tail
        with open(tmp_path / "dev.img", "r+b") as f:
            f.seek(bad)
            f.write(b"\x01")
        result = run_cli("verify", image, dev, "--json")
    assert result.code == 1
    device = json.loads(result.stdout)["devices"][0]
    assert device["status"] == "FAILED" and device["verified"] is False
    assert device["first_bad_offset"] == bad
    assert str(bad) in device["reason"]


def test_first_mib_is_written_last(tmp_path):
    """A write log kept by the emulated drive shows the head's real data comes last."""
    image = random_image(tmp_path, 2 * MIB)
    log = tmp_path / "writes.log"
    with fake_disk(tmp_path, "logged", claimed=16 * MIB, log=log) as dev:
        result = run_cli("write", image, dev, "--yes", "--probe", "none")
    assert result.code == 0, result.stderr
    writes = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    head_data = [i for i, (off, _n, nonzero) in enumerate(writes) if off < MIB and nonzero]
    rest = [i for i, (off, _n, _nz) in enumerate(writes) if off >= MIB]
    assert head_data and rest
    assert min(head_data) > max(rest), "boot area written before the rest was done"
    first_write = writes[0]
    assert first_write[0] == 0 and first_write[2] == 0, "head is not blanked first"
    # a new drive reads blank past the image: proven by reading, never written there
    assert sum(n for off, n, _ in writes if off >= 4 * MIB) == 0


def test_interrupted_write_stops_cleanly_and_never_looks_finished(tmp_path):
    image = random_image(tmp_path, 6 * MIB)
    log = tmp_path / "writes.log"
    with (
        fake_disk(tmp_path, "slow", claimed=16 * MIB, log=log, write_rate=2e6) as slow,
        loop_file(tmp_path, "fast", 16 * MIB) as fast,
    ):
        proc = interruptible_popen(
            [
                sys.executable,
                "-m",
                "sneakernet",
                "write",
                image,
                slow,
                fast,
                "--yes",
                "--json",
                "--probe",
                "none",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not (log.exists() and len(log.read_text().splitlines()) > 2):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    states = {d["device"]: d for d in json.loads(out)["devices"]}
    assert states[slow]["status"] == "stopped"
    assert "stopped by the operator" in states[slow]["reason"]
    writes = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    assert writes[0][0] == 0 and writes[0][2] == 0, "old boot area was not blanked first"
    assert not any(off < MIB and nonzero for off, _n, nonzero in writes), "head written early"
