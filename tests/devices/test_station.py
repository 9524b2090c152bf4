"""The write station: drives plugged in while it runs are found through kernel uevents."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from devices_helpers import fake_disk, loop_file, random_image, wait_for

from conftest import interruptible_popen, run_cli
from sneakernet.devices.discovery import root_disks
from sneakernet.station import (
    ADDED,
    ALREADY,
    PULLED,
    REMOVED,
    DriveEvent,
    KernelDriveEvents,
    Station,
    kernel_events,
)

MIB = 1 << 20


_seen: dict[int, str] = {}


def _peek(proc: subprocess.Popen) -> str:
    """The first line the station prints on stderr (read once, kept)."""
    if proc.pid not in _seen:
        _seen[proc.pid] = proc.stderr.readline()
    return _seen[proc.pid]


class _Running:
    """A station fed by the kernel's uevents in a background thread."""

    def __init__(self, image: Path, log: Path) -> None:
        self.station = Station(image, log_path=log, ports=f"{image.parent}/*")
        self.until = threading.Event()
        self.source = KernelDriveEvents()  # listening before any drive is attached
        self.thread = threading.Thread(
            target=self.station.run, args=(kernel_events(self.source, self.until), self.until)
        )
        self.thread.start()

    def close(self) -> None:
        self.until.set()
        self.thread.join(120)
        self.source.close()


def test_drives_attached_while_running_are_written_and_a_fake_is_caught(tmp_path):
    image = random_image(tmp_path, 3 * MIB + 4096)
    log = tmp_path / "station.log"
    running = _Running(image, log)
    try:
        with ExitStack() as stack:
            first = stack.enter_context(loop_file(tmp_path, "a", 32 * MIB))
            second = stack.enter_context(loop_file(tmp_path, "b", 48 * MIB))
            fake = stack.enter_context(
                fake_disk(tmp_path, "fake", claimed=64 * MIB, real=16 * MIB, mode="limbo")
            )
            station = running.station
            wait_for(lambda: len(station.finished) >= 3)
            results = {d.path: d for d in station.finished}
            assert results[first].result == "done", results[first].to_json()
            assert results[second].result == "done", results[second].to_json()
            assert results[fake].result == "FAILED"
            assert results[fake].state.probe_verdict == "limbo"
            data = image.read_bytes()
            for name, size in (("a", 32 * MIB), ("b", 48 * MIB)):
                written = (tmp_path / f"{name}.img").read_bytes()
                assert written[: len(data)] == data
                assert written[len(data) :].count(0) == size - len(data)

            # Plugged in again: recognised by reading it, not rewritten.
            station.handle(DriveEvent(ADDED, first, "again"))
            wait_for(lambda: len(station.finished) >= 4)
            again = station.finished[-1]
            assert again.result == ALREADY
            assert "write" not in again.state.phases
            totals = station.totals()
            assert totals.done == 2 and totals.already == 1 and totals.fakes == 1
            assert totals.failed == {"fake (limbo)": 1}
    finally:
        running.close()
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    assert [line[4] for line in lines].count("done") == 2
    assert any(line[3] == "limbo" and line[4] == "FAILED" for line in lines)
    assert all(len(line) == 7 for line in lines)


def test_a_drive_removed_mid_write_is_pulled_not_done(tmp_path):
    image = random_image(tmp_path, 24 * MIB)
    station = Station(image, log_path=tmp_path / "station.log", ports=f"{tmp_path}/*")
    with fake_disk(tmp_path, "slow", claimed=32 * MIB, write_rate=8e6, read_rate=30e6) as dev:
        station.handle(DriveEvent(ADDED, dev, "p1"))
        wait_for(
            lambda: (
                station.drives[dev].state.phase == "write" and station.drives[dev].state.done > 0
            )
        )
        station.handle(DriveEvent(REMOVED, dev, "p1"))
        assert station.wait(60)
    (drive,) = station.finished
    assert drive.result == PULLED
    totals = station.totals()
    assert totals.done == 0 and totals.failed == {PULLED: 1}


def test_the_system_disk_is_ignored_and_never_opened(tmp_path):
    image = random_image(tmp_path, MIB)
    station = Station(image)
    disks = sorted(root_disks())
    assert disks, "no disk holds / here"
    path = "/dev/" + disks[0].name
    station.handle(DriveEvent(ADDED, path, "system"))
    assert path in station.ignored
    assert "root filesystem" in station.ignored[path] or "non-removable" in station.ignored[path]
    assert path not in station.drives and station.finished == []


def test_station_command_writes_a_drive_plugged_in_and_prints_totals(tmp_path):
    image = random_image(tmp_path, 2 * MIB)
    log = tmp_path / "ops" / "station.log"
    log.parent.mkdir()
    proc = interruptible_popen(
        [
            sys.executable,
            "-m",
            "sneakernet",
            "station",
            str(image),
            "--log",
            str(log),
            "--ports",
            f"{tmp_path}/*",
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: proc.poll() is not None or "station:" in _peek(proc), 60)
        with loop_file(tmp_path, "drive", 16 * MIB):
            wait_for(lambda: log.exists() and "\tdone\t" in log.read_text(), 30)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "done 1," in out and "fakes found 0" in out
    assert (tmp_path / "drive.img").read_bytes()[: 2 * MIB] == image.read_bytes()


def test_station_refuses_a_missing_image(tmp_path):
    result = run_cli("station", tmp_path / "nope.img", "--log", tmp_path / "l")
    assert result.code == 2
    assert "nope.img" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_six_throttled_drives_one_slow_one_failing_each_at_its_own_pace(tmp_path):
    image = random_image(tmp_path, 6 * MIB)
    station = Station(image, log_path=tmp_path / "station.log", ports=f"{tmp_path}/*")
    throttle = {"write_rate": 20e6, "read_rate": 80e6}
    with ExitStack() as stack:
        devs = [
            stack.enter_context(fake_disk(tmp_path, f"d{i}", claimed=16 * MIB, **throttle))
            for i in range(4)
        ]
        slow = stack.enter_context(
            fake_disk(tmp_path, "slow", claimed=16 * MIB, delay=0.05, **throttle)
        )
        bad = stack.enter_context(
            fake_disk(tmp_path, "bad", claimed=16 * MIB, eio_at=3 * MIB, **throttle)
        )
        for i, dev in enumerate([*devs, slow, bad]):
            station.handle(DriveEvent(ADDED, dev, f"port{i}"))
        assert station.wait(300)
        results = {d.path: d for d in station.finished}
        assert len(results) == 6
        for dev in [*devs, slow]:
            assert results[dev].result == "done", results[dev].to_json()
            assert results[dev].state.verified is True
        assert results[bad].result == "FAILED"
        assert "Input/output error" in results[bad].reason
        # The slow drive finished last among the good ones: nobody waited for it.
        order = [d.path for d in station.finished]
        assert order.index(slow) > max(order.index(dev) for dev in devs)
    totals = station.totals()
    assert totals.done == 5 and totals.fakes == 0 and totals.already == 0
    assert sum(totals.failed.values()) == 1


def test_a_loop_device_is_written_only_when_ports_names_it(tmp_path):
    """A loop device is someone's file: without --ports naming it, the station leaves it be."""
    image = random_image(tmp_path, MIB)
    with loop_file(tmp_path, "someone", 8 * MIB) as dev:
        before = (tmp_path / "someone.img").read_bytes()
        station = Station(image)
        station.handle(DriveEvent(ADDED, dev, dev.removeprefix("/dev/")))
        assert dev not in station.drives and station.finished == []
        other = Station(image, ports="/elsewhere/*")
        other.handle(DriveEvent(ADDED, dev, dev.removeprefix("/dev/")))
        assert dev not in other.drives
        assert (tmp_path / "someone.img").read_bytes() == before
        named = Station(image, ports=f"{tmp_path}/*")
        named.handle(DriveEvent(ADDED, dev, dev.removeprefix("/dev/")))
        assert named.wait(60)
        (drive,) = named.finished
        assert drive.result == "done", drive.reason
    assert (tmp_path / "someone.img").read_bytes()[:MIB] == image.read_bytes()
