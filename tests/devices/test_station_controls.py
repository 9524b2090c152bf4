"""The operator's controls of the write station: start, pause, finish current drives."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from devices_helpers import fake_disk, loop_file, random_image, wait_for

from sneakernet.station import ADDED, REMOVED, DriveEvent, Mode, Station

MIB = 1 << 20


def test_a_station_not_started_writes_nothing_until_start(tmp_path):
    image = random_image(tmp_path, 2 * MIB)
    station = Station(image, ports=f"{tmp_path}/*", mode=Mode.READY)
    with loop_file(tmp_path, "a", 8 * MIB) as dev:
        station.handle(DriveEvent(ADDED, dev, "p1"))
        time.sleep(0.5)
        assert dev in station.pending and dev not in station.drives
        assert (tmp_path / "a.img").read_bytes() == bytes(8 * MIB)
        snap = station.snapshot()
        assert snap["mode"] == "ready" and snap["waiting"] == [{"port": "p1", "device": dev}]

        station.start()
        assert station.mode is Mode.RUNNING and not station.pending
        assert station.wait(60)
        (drive,) = station.finished
        assert drive.result == "done", drive.to_json()
    assert (tmp_path / "a.img").read_bytes()[: 2 * MIB] == image.read_bytes()


def test_a_drive_pulled_while_waiting_is_forgotten(tmp_path):
    image = random_image(tmp_path, MIB)
    station = Station(image, ports=f"{tmp_path}/*", mode=Mode.READY)
    with loop_file(tmp_path, "a", 4 * MIB) as dev:
        station.handle(DriveEvent(ADDED, dev, "p1"))
        station.handle(DriveEvent(REMOVED, dev, "p1"))
        station.start()
        assert station.drives == {} and station.finished == []
        assert (tmp_path / "a.img").read_bytes() == bytes(4 * MIB)


def test_pause_holds_a_write_and_start_carries_it_on(tmp_path):
    image = random_image(tmp_path, 20 * MIB)
    station = Station(image, ports=f"{tmp_path}/*")
    with fake_disk(tmp_path, "slow", claimed=24 * MIB, write_rate=8e6, read_rate=40e6) as dev:
        station.handle(DriveEvent(ADDED, dev, "p1"))
        state = station.drives[dev].state
        wait_for(lambda: state.phase == "write" and state.done > 0)
        station.pause()
        assert station.mode is Mode.PAUSED
        time.sleep(1.5)  # the chunk under way when paused (8 MiB at 8 MB/s) may still land
        held = state.done
        time.sleep(2.0)
        assert state.done == held and state.phase == "write"
        assert station.drives[dev].busy and station.finished == []

        station.start()
        assert station.wait(120)
    (drive,) = station.finished
    assert drive.result == "done", drive.to_json()
    assert drive.state.verified is True


def test_finish_lets_current_drives_finish_and_takes_no_new_one(tmp_path):
    image = random_image(tmp_path, 8 * MIB)
    station = Station(image, ports=f"{tmp_path}/*")
    with (
        fake_disk(tmp_path, "slow", claimed=16 * MIB, write_rate=8e6, read_rate=40e6) as first,
        loop_file(tmp_path, "late", 16 * MIB) as late,
    ):
        station.handle(DriveEvent(ADDED, first, "p1"))
        state = station.drives[first].state
        wait_for(lambda: state.phase == "write" and state.done > 0)
        station.pause()
        station.finish()  # also resumes the paused drive
        station.handle(DriveEvent(ADDED, late, "p2"))
        assert station.wait(120)
        assert [d.path for d in station.finished] == [first]
        assert station.finished[0].result == "done"
        assert late in station.pending and late not in station.drives
        assert (tmp_path / "late.img").read_bytes() == bytes(16 * MIB)
        totals = station.totals()
        assert totals.done == 1 and not totals.failed


def test_a_finished_drive_taken_out_leaves_its_port_empty(tmp_path):
    image = random_image(tmp_path, MIB)
    station = Station(image, ports=f"{tmp_path}/*")
    with loop_file(tmp_path, "a", 4 * MIB) as dev:
        station.handle(DriveEvent(ADDED, dev, "p1"))
        assert station.wait(60)
    station.handle(DriveEvent(REMOVED, dev, "p1"))
    (tile,) = station.snapshot()["drives"]
    assert tile["present"] is False and tile["result"] == "done"
    assert station.totals().done == 1
    entry = station.log[-1]
    assert entry.port == "p1" and entry.result == "done" and entry.size == 4 * MIB


def _read_until(fd: int, wanted: str, seen: list[str], timeout: float = 60) -> None:
    """Read the terminal's output until WANTED shows (ANSI codes and all)."""
    import select

    deadline = time.monotonic() + timeout
    while wanted not in "".join(seen):
        assert time.monotonic() < deadline, (wanted, "".join(seen)[-2000:])
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen.append(os.read(fd, 65536).decode("utf-8", "replace"))
            except OSError:
                return


def test_the_terminal_view_takes_the_same_controls_as_keys(tmp_path):
    """Over a terminal (as over SSH): s, p and f drive the station; Ctrl-C ends it."""
    import fcntl
    import pty
    import sys
    import termios

    image = random_image(tmp_path, 2 * MIB)
    log = tmp_path / "station.log"
    main, side = pty.openpty()
    os.set_blocking(main, True)
    env = {k: v for k, v in os.environ.items() if k not in ("TTY_COMPATIBLE", "FORCE_COLOR")}
    env.update(COLUMNS="160", LINES="40", TERM="xterm")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sneakernet",
            "station",
            str(image),
            "--web",
            "--ports",
            f"{tmp_path}/*",
            "--log",
            str(log),
        ],  # fmt: skip
        stdin=side,
        stdout=side,
        stderr=side,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: _own_terminal(fcntl, termios),  # its terminal: ^C is SIGINT
    )
    os.close(side)
    seen: list[str] = []
    try:
        _read_until(main, "not started", seen)
        with loop_file(tmp_path, "a", 8 * MIB):
            _read_until(main, "waiting", seen)  # shown, and not written until started
            time.sleep(0.5)
            assert not log.exists() and (tmp_path / "a.img").read_bytes() == bytes(8 * MIB)
            os.write(main, b"s")
            _read_until(main, "accepting drives", seen)
            deadline = time.monotonic() + 60
            while not (log.exists() and "\tdone\t" in log.read_text()):
                assert time.monotonic() < deadline
                time.sleep(0.1)
            os.write(main, b"p")
            _read_until(main, "paused: writes held", seen)
            os.write(main, b"f")
            _read_until(main, "finishing current drives", seen)
            os.write(main, b"\x03")  # Ctrl-C, as typed
            _read_until(main, "fakes found 0", seen)  # the totals, printed at the end
            assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    assert (tmp_path / "a.img").read_bytes()[: 2 * MIB] == image.read_bytes()
    out = "".join(seen)
    assert "done 1, already verified 0, failed 0 (none), fakes found 0" in out


def _own_terminal(fcntl, termios) -> None:
    """In the child: the pty becomes its terminal, and ^C interrupts it as in any terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # even when the tests run in the background
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
