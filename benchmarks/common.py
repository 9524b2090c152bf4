"""Measuring helpers shared by the benchmarks."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


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
