"""The write station against six `sneakernet write` runs started by hand, on the same drives.

Six emulated drives (FUSE + loop, from the tests), throttled like cards
(20 MB/s write, 80 MB/s read), fresh for every run so that each run starts
from the same blank drives. The reference is what an operator does without
the station: one `sneakernet write IMAGE DEV --yes` per drive, all six
started at once, timed until the last one ends. Ours is one `Station` handed
the same six drives as plug-in events, timed until the last one is verified.
Both do the same work per drive (image, zeros to the end, verify); the
station adds the read that recognises a drive already holding the image.
Target: station throughput at least 0.95 of the hand-started runs'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.common import Result

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "devices")]

from devices_helpers import fake_disk  # noqa: E402

MIB = 1 << 20
DRIVES = 6
DRIVE_SIZE = 32 * MIB
IMAGE_SIZE = 16 * MIB
READ_RATE, WRITE_RATE = 80e6, 20e6
REPEATS = 2  # best of, runs alternating: the emulators share the machine's two cores
SNEAKERNET = [sys.executable, "-m", "sneakernet"]


def _drives(stack: ExitStack, workdir: Path, tag: str) -> list[str]:
    throttle = dict(claimed=DRIVE_SIZE, read_rate=READ_RATE, write_rate=WRITE_RATE)
    return [stack.enter_context(fake_disk(workdir, f"{tag}{i}", **throttle)) for i in range(DRIVES)]


def _by_hand(image: Path, devs: list[str]) -> tuple[float, float]:
    """Wall time of six parallel `write` runs, and their slowest in-process time."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [*SNEAKERNET, "write", str(image), dev, "--yes", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for dev in devs
    ]
    outs = [p.communicate() for p in procs]
    wall = time.perf_counter() - start
    inner = 0.0
    for proc, (out, err) in zip(procs, outs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"sneakernet write failed: {err[-300:]}")
        (state,) = json.loads(out)["devices"]
        inner = max(inner, state["seconds"])
    return wall, inner


def _station(image: Path, devs: list[str], workdir: Path) -> float:
    from sneakernet.station import ADDED, DriveEvent, Station

    station = Station(image, ports=f"{workdir}/*")
    start = time.perf_counter()
    for i, dev in enumerate(devs):
        station.handle(DriveEvent(ADDED, dev, f"port{i}"))
    if not station.wait(600):
        raise RuntimeError("station drives did not finish")
    wall = time.perf_counter() - start
    station.image.close()
    bad = [d.to_json() for d in station.finished if d.result != "done"]
    if len(station.finished) != DRIVES or bad:
        raise RuntimeError(f"station failed: {bad}")
    return wall


def run(workdir: Path) -> list[Result]:
    image = workdir / "station.img"
    image.write_bytes(os.urandom(IMAGE_SIZE))
    subprocess.run(["cat", str(image)], stdout=subprocess.DEVNULL, check=True)  # warm
    t_hand = t_inner = t_station = float("inf")
    for round_ in range(REPEATS):
        with ExitStack() as stack:
            wall, inner = _by_hand(image, _drives(stack, workdir, f"hand{round_}-"))
            t_hand, t_inner = min(t_hand, wall), min(t_inner, inner)
        with ExitStack() as stack:
            t_station = min(
                t_station, _station(image, _drives(stack, workdir, f"st{round_}-"), workdir)
            )
    total = DRIVES * DRIVE_SIZE / 1e6
    print(
        f"  {DRIVES} drives of {DRIVE_SIZE // MIB} MiB, image {IMAGE_SIZE // MIB} MiB: "
        f"by hand {t_hand:.2f}s (slowest write inside {t_inner:.2f}s), station {t_station:.2f}s",
        flush=True,
    )
    return [
        Result(f"{DRIVES} x write by hand (best of {REPEATS})", total / t_hand, "MB/s"),
        Result("station", total / t_station, "MB/s"),
        Result("station / 6 x write by hand", t_hand / t_station, "x", target=0.95),
        Result("same, by hand without interpreter start-up", t_inner / t_station, "x"),
    ]
