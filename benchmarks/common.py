"""Measuring helpers shared by the benchmarks."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    """One figure; `target` is a bound the figure must meet (None: informative)."""

    name: str
    value: float
    unit: str = ""
    target: float | None = None
    higher_is_better: bool = True

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


@dataclass
class Timing:
    seconds: float
    peak_rss_mb: float


def time_command(argv: Sequence[str], **kwargs) -> Timing:
    """Wall time and peak RSS (MB) of one external command, run to completion."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed with status {proc.returncode}")
    return Timing(elapsed, usage.ru_maxrss / 1024)


def time_call(fn: Callable[[], object]) -> Timing:
    """Wall time of a call in this process (peak RSS is the process's)."""
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    return Timing(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def drop_caches() -> None:
    """Start each measured run cold where the machine lets us."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError:
        pass


def print_results(results: list[Result]) -> bool:
    """Print the table; return True when a target is missed."""
    failed = False
    for r in results:
        mark = {None: "", True: "  ok", False: "  MISSED"}[r.ok]
        bound = ""
        if r.target is not None:
            bound = f"  (target {'>=' if r.higher_is_better else '<='} {r.target:g})"
        print(f"  {r.name:<58} {r.value:>10.3f} {r.unit:<6}{bound}{mark}", flush=True)
        failed |= r.ok is False
    return failed


def notel_variant(
    workdir: Path, name: str, *, floor: float | None = None, crf: float | None = None
) -> Path:
    """The built-in notel profile as a profile file named `name`: with `floor` its
    VMAF floor changed; with `crf` a fixed CRF (no floor, so no per-title search)."""
    import re

    from sneakernet.media import transcode

    text = (Path(transcode.__file__).parent.parent / "data" / "profiles" / "notel.toml").read_text()
    text, renamed = re.subn(r'(?m)^name = "notel"$', f'name = "{name}"', text)
    text, floors = re.subn(r"(?m)^vmaf_floor = .*\n", "", text)
    text, crfs = re.subn(
        r"(?m)^crf = (.*)$", lambda m: f"crf = {crf if crf is not None else m.group(1)}", text
    )
    if (renamed, floors, crfs) != (1, 1, 1):
        raise RuntimeError("notel.toml no longer has one name, vmaf_floor and crf line")
    if crf is None:
        wanted = floor
        if wanted is None:
            raise ValueError("give a floor or a fixed crf")
        text = re.sub(r"(?m)^crf = ", f"vmaf_floor = {wanted:.2f}\ncrf = ", text)
    path = workdir / f"{name}.toml"
    path.write_text(text)
    return path
