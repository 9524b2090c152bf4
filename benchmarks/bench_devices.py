"""Device writer, verifier and probe against dd and f3probe on the same devices.

Loop devices with --direct-io=on over files stand in for cards. Writing uses
an image as large as the device, so ours (image, zeros to the end: nothing)
and `dd oflag=direct bs=4M` move the same bytes. Verify is compared with
`dd iflag=direct bs=4M | b2sum`-style hashing of the device (the image is
warm in the page cache for both; device reads are direct). The quick probe
runs against emulated fake drives (FUSE + loop, from the tests) next to
`f3probe --destructive` on the very same emulated device; verdicts must agree.
Two sets of drives: small ones, where the interpreter's start-up is most of
our time, and sizes from the field, where the probing itself counts.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Result, drop_caches

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "devices")]

from devices_helpers import fake_disk, loop_device  # noqa: E402

MIB = 1 << 20
GIB = 1 << 30
DEVICE_SIZE = 2048 * MIB  # big enough that interpreter start-up is not most of what is measured
PROBE_SIZE = 256 * MIB  # emulated drives run through FUSE in Python: keep them smaller
SNEAKERNET = [sys.executable, "-m", "sneakernet"]
HASH_TOOL = "sha1sum"  # the fastest coreutils hash on x86 with SHA extensions


REPEATS = 2  # best of: the machine may be shared, and a device's speed varies


def _wall(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _best_pair(reference, ours, cold: bool) -> tuple[float, float]:
    """Best time of each, runs alternating so that both see the same machine."""
    t_ref, t_ours = [], []
    for _ in range(REPEATS):
        for fn, times in ((reference, t_ref), (ours, t_ours)):
            if cold:
                drop_caches()
            times.append(_wall(fn))
    return min(t_ref), min(t_ours)


def _run(argv: list[str]) -> str:
    """Output of a command; 1 (ours) and 100+ (f3probe) report a bad drive, not a failure."""
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode not in (0, 1) and proc.returncode < 100:
        raise RuntimeError(f"{argv[:3]} failed: {proc.stderr[-300:]}")
    return proc.stdout


def _timed_run(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = _run(argv)
    return time.perf_counter() - start, out


def _parallel(commands: list[list[str]], shell_pipe: bool = False) -> None:
    procs = [
        subprocess.Popen(c[0] if shell_pipe else c, shell=shell_pipe, stdout=subprocess.DEVNULL)  # noqa: S602
        for c in commands
    ]
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError("reference command failed")


class _Ours:
    """Runs our command with --json; keeps the best in-process time (no interpreter start-up)."""

    def __init__(self, argv: list[str]) -> None:
        self.argv, self.inner = [*argv, "--json"], float("inf")

    def __call__(self) -> None:
        states = json.loads(_run(self.argv))["devices"]
        if any(s["status"] != "ok" for s in states):
            raise RuntimeError(f"sneakernet failed: {states}")
        self.inner = min(self.inner, max(s["seconds"] for s in states))


def _compare(label: str, reference: str, total: float, t_ref: float, t_ours: float, inner: float):
    return [
        Result(f"{label}: {reference} (best of {REPEATS})", total / t_ref, "MB/s"),
        Result(f"{label}: sneakernet, whole command", total / t_ours, "MB/s"),
        Result(f"{label}: sneakernet / reference", t_ref / t_ours, "x", target=0.9),
        Result(f"{label}: same, without interpreter start-up", t_ref / inner, "x"),
    ]


def _write_and_verify(workdir: Path, count: int, image: Path) -> list[Result]:
    results = []
    with contextlib.ExitStack() as stack:
        devs = []
        for i in range(count):
            backing = workdir / f"dev{count}-{i}.img"
            with open(backing, "wb") as f:
                f.truncate(DEVICE_SIZE)
            devs.append(stack.enter_context(loop_device(backing)))
        total = DEVICE_SIZE * count / 1e6
        dd = [
            ["dd", f"if={image}", f"of={d}", "oflag=direct", "bs=4M", "status=none"] for d in devs
        ]
        ours = _Ours(
            [*SNEAKERNET, "write", str(image), *devs, "--yes", "--probe", "none", "--no-verify"]
        )
        t_dd, t_ours = _best_pair(lambda: _parallel(dd), ours, cold=True)
        results += _compare(
            f"write {count} dev", "dd oflag=direct bs=4M", total, t_dd, t_ours, ours.inner
        )
        subprocess.run(["cat", str(image)], stdout=subprocess.DEVNULL, check=True)  # warm
        pipes = [[f"dd if={d} iflag=direct bs=4M status=none | {HASH_TOOL}"] for d in devs]
        ours = _Ours([*SNEAKERNET, "verify", str(image), *devs])
        t_dd, t_ours = _best_pair(lambda: _parallel(pipes, shell_pipe=True), ours, cold=False)
        results += _compare(
            f"verify {count} dev", f"dd iflag=direct | {HASH_TOOL}", total, t_dd, t_ours, ours.inner
        )
    return results


F3_VERDICTS = {
    "is the real thing": "genuine",
    "counterfeit of type limbo": "limbo",
    "counterfeit of type wraparound": "wraparound",
    "is damaged": "damaged",
}


def _f3_verdict(output: str) -> str:
    return next((v for k, v in F3_VERDICTS.items() if k in output), "unknown")


# Emulated drives: small ones, where start-up is most of the time, and the
# sizes seen in the field (the classic fake: a "32 GB" stick holding 4 GB).
PROBE_CASES = {
    "small": [
        ("genuine 256 MiB", dict(claimed=PROBE_SIZE)),
        ("limbo 256/100 MiB", dict(claimed=PROBE_SIZE, real=100 * MIB, mode="limbo")),
        (
            "limbo 256/100 MiB, 2 MiB cache",
            dict(claimed=PROBE_SIZE, real=100 * MIB, mode="limbo", cache=2 * MIB),
        ),
    ],
    "field": [
        ("genuine 4 GiB", dict(claimed=4 * GIB)),
        ("limbo 32/4 GiB", dict(claimed=32 * GIB, real=4 * GIB, mode="limbo")),
        (
            "limbo 32/4 GiB, 2 MiB cache",
            dict(claimed=32 * GIB, real=4 * GIB, mode="limbo", cache=2 * MIB),
        ),
        ("wraparound 32/4 GiB", dict(claimed=32 * GIB, real=4 * GIB, mode="wrap")),
    ],
}


def _probe(workdir: Path) -> list[Result]:
    results = []
    totals = {"f3probe": 0.0, "ours": 0.0}
    for group, cases in PROBE_CASES.items():
        t_f3_group = t_ours_group = t_inner_group = 0.0
        for name, spec in cases:
            tag = name.replace(" ", "-").replace("/", "-").replace(",", "")
            with fake_disk(workdir, f"probe-{tag}", **spec) as dev:
                t_f3, f3_out = _timed_run(["f3probe", "--destructive", dev])
                t_ours, ours_out = _timed_run([*SNEAKERNET, "probe-device", dev, "--yes", "--json"])
            f3 = _f3_verdict(f3_out)
            state = json.loads(ours_out)["devices"][0]
            ours, inner = state["probe"], state["seconds"]
            print(
                f"  probe {name}: f3probe {f3} in {t_f3:.2f}s, "
                f"sneakernet {ours} in {t_ours:.2f}s ({inner:.2f}s probing, rest is start-up)"
            )
            t_f3_group += t_f3
            t_ours_group += t_ours
            t_inner_group += inner
            results.append(
                Result(f"probe {name}: same verdict as f3probe", float(f3 == ours), "", 1)
            )
        totals["f3probe"] += t_f3_group
        totals["ours"] += t_ours_group
        results.append(
            Result(f"{group} drives: f3probe / sneakernet time", t_f3_group / t_ours_group, "x")
        )
        results.append(
            Result(
                f"{group} drives: same, without interpreter start-up",
                t_f3_group / t_inner_group,
                "x",
            )
        )
    results.append(
        Result(
            "quick probe, all drives: f3probe / sneakernet time",
            totals["f3probe"] / totals["ours"],
            "x",
            1,
        )
    )
    return results


def run(workdir: Path) -> list[Result]:
    if os.geteuid() != 0 or not shutil.which("f3probe"):
        raise RuntimeError("the device benchmark needs root (loop devices) and f3probe")
    image = workdir / "card.img"
    with open(image, "wb") as f:
        for _ in range(DEVICE_SIZE // (16 * MIB)):
            f.write(os.urandom(16 * MIB))
    results = _write_and_verify(workdir, 1, image)
    results += _write_and_verify(workdir, 3, image)
    results += _probe(workdir)
    return results
