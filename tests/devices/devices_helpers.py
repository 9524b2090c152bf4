"""Loop devices and emulated fake drives for the device tests, always cleaned up."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import require_tool

HERE = Path(__file__).resolve().parent


def _detach(dev: str) -> None:
    for _ in range(50):
        if (
            subprocess.run([require_tool("losetup"), "-d", dev], capture_output=True).returncode
            == 0
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"could not detach {dev}")


@contextlib.contextmanager
def loop_device(backing: Path, *, direct_io: bool = True) -> Iterator[str]:
    """Attach a file as a loop device; detach it afterwards, also on failure."""
    if os.geteuid() != 0:
        pytest.fail("device tests need root (loop devices, FUSE)")
    argv = [require_tool("losetup"), "--find", "--show"]
    if direct_io:
        argv.append("--direct-io=on")
    dev = subprocess.run([*argv, str(backing)], check=True, capture_output=True, text=True)
    path = dev.stdout.strip()
    try:
        yield path
    finally:
        _detach(path)


@contextlib.contextmanager
def loop_file(tmp_path: Path, name: str, size: int) -> Iterator[str]:
    backing = tmp_path / f"{name}.img"
    with open(backing, "wb") as f:
        f.truncate(size)
    with loop_device(backing) as dev:
        yield dev


@contextlib.contextmanager
def fake_disk(
    tmp_path: Path,
    name: str,
    *,
    claimed: int,
    real: int = 0,
    mode: str = "limbo",
    cache: int = 0,
    eio_at: int | None = None,
    flip_at: int | None = None,
    log: Path | None = None,
    delay: float = 0.0,
    garbage: bool = False,
    read_rate: float = 0.0,
    write_rate: float = 0.0,
    fill_random: bool = False,
    dirty: list[tuple[int, int]] = (),
) -> Iterator[str]:
    """An emulated misbehaving drive as a loop device (see fakedisk.py).

    Its medium, as the emulator answers reads, is `medium(tmp_path, name)`.
    """
    require_tool("fusermount3")
    mnt = tmp_path / f"{name}-mnt"
    mnt.mkdir()
    argv = [sys.executable, str(HERE / "fakedisk.py"), str(mnt), "--claimed", str(claimed)]
    argv += ["--real", str(real), "--mode", mode, "--cache", str(cache)]
    if eio_at is not None:
        argv += ["--eio-at", str(eio_at)]
    if flip_at is not None:
        argv += ["--flip-at", str(flip_at)]
    if log is not None:
        argv += ["--log", str(log)]
    if garbage:
        argv.append("--garbage")
    if delay:
        argv += ["--delay", str(delay)]
    if read_rate:
        argv += ["--read-rate", str(read_rate)]
    if write_rate:
        argv += ["--write-rate", str(write_rate)]
    if fill_random:
        argv.append("--fill-random")
    if dirty:
        argv += ["--dirty", ",".join(f"{at}:{n}" for at, n in dirty)]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (mnt / "disk").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"emulated drive did not start: {proc.stderr.read().decode()}")
            time.sleep(0.05)
        with loop_device(mnt / "disk", direct_io=False) as dev:
            yield dev
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def medium(tmp_path: Path, name: str) -> Path:
    """The file an emulated drive serves (reads go through the emulator, cache and all)."""
    return tmp_path / f"{name}-mnt" / "disk"


def read_writes(log: Path) -> list[tuple[int, int, int]]:
    """An emulated drive's write log: (offset, length, held non-zero bytes) per request."""
    return [tuple(map(int, line.split())) for line in log.read_text().splitlines()]


def random_image(tmp_path: Path, size: int) -> Path:
    """A card image of `size` random bytes (`card.img`): any wrong byte on a drive shows."""
    path = tmp_path / "card.img"
    path.write_bytes(os.urandom(size))
    return path


def wait_for(cond, timeout: float = 120) -> None:
    """Poll `cond` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
