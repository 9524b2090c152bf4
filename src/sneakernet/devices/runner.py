"""One worker per device, each at its own pace, with per-device failure.

Workers are threads: the heavy work (pread/pwrite on O_DIRECT descriptors,
BLAKE3 and AES over large buffers) runs in C with the GIL released, and
threads share the image's chunk hashes without copying. A failing device
marks only itself FAILED; a stop request (Ctrl-C) makes every worker end
after its current chunk and say where it was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from sneakernet.devices.blockio import OpenDevice

OK, FAILED, STOPPED, WAITING, RUNNING = "ok", "FAILED", "stopped", "waiting", "running"


class DeviceFailure(Exception):
    """This device cannot be trusted; the message says why and where."""


class Stopped(Exception):
    """The operator asked to stop."""


@dataclass
class PhaseStats:
    """Bytes moved and time spent in one phase (all its passes added up)."""

    bytes: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float | None:
        return self.bytes / self.seconds if self.seconds > 0 else None

    def to_json(self) -> dict:
        return {
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "bytes_per_second": self.rate,
        }


@dataclass
class DeviceState:
    """Everything reported about one device, live during the run and in the summary."""

    path: str
    size: int
    status: str = WAITING
    phase: str = ""
    done: int = 0
    total: int = 0
    reason: str = ""
    probe_verdict: str | None = None
    real_size: int | None = None
    write_rate: float | None = None  # bytes per second
    verify_rate: float | None = None
    verified: bool | None = None
    first_bad_offset: int | None = None
    seconds: float = 0.0
    # In the order first entered: probe, write, blank-check, zero, verify (or wipe, ...).
    phases: dict[str, PhaseStats] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "device": self.path,
            "size": self.size,
            "status": self.status,
            "reason": self.reason,
            "phase": self.phase,
            "probe": self.probe_verdict,
            "real_size": self.real_size,
            "write_bytes_per_second": self.write_rate,
            "verify_bytes_per_second": self.verify_rate,
            "verified": self.verified,
            "first_bad_offset": self.first_bad_offset,
            "seconds": round(self.seconds, 3),
            "phases": {name: stats.to_json() for name, stats in self.phases.items()},
        }


class Context:
    """What a worker uses to report progress and notice a stop request."""

    def __init__(self, state: DeviceState, device: OpenDevice, stop: threading.Event) -> None:
        self.state, self.device, self.stop = state, device, stop
        self._phase_start = time.perf_counter()

    def begin(self, phase: str, total: int) -> None:
        self.check()
        self.end_phase()
        self.state.phase, self.state.done, self.state.total = phase, 0, total
        self._phase_start = time.perf_counter()
        self.state.phases.setdefault(phase, PhaseStats())

    def end_phase(self) -> None:
        """Add the current pass to its phase's totals (begin and the runner call this)."""
        state = self.state
        stats = state.phases.get(state.phase)
        if stats is not None:
            stats.bytes += state.done
            stats.seconds += time.perf_counter() - self._phase_start
        self._phase_start = time.perf_counter()
        state.done = 0

    def rate(self) -> float:
        elapsed = time.perf_counter() - self._phase_start
        return self.state.done / elapsed if elapsed > 0 else 0.0

    def advance(self, n: int) -> None:
        self.state.done += n
        self.check()

    def check(self) -> None:
        if self.stop.is_set():
            raise Stopped


Work = Callable[[Context], None]


def _run_one(work: Work, ctx: Context) -> None:
    state = ctx.state
    state.status = RUNNING
    start = time.perf_counter()
    try:
        work(ctx)
        state.status = OK
    except Stopped:
        state.status = STOPPED
        state.reason = f"stopped by the operator during {state.phase} at offset {state.done}"
    except DeviceFailure as exc:
        state.status, state.reason = FAILED, str(exc)
    except OSError as exc:
        state.status = FAILED
        state.reason = f"{state.phase}: {exc.strerror or exc}"
    except Exception as exc:  # a bug must not hide the other devices' results
        state.status, state.reason = FAILED, f"{state.phase}: internal error: {exc!r}"
    finally:
        done = state.done
        ctx.end_phase()
        state.done = done  # where a failed or stopped phase was, for the report
        state.seconds = time.perf_counter() - start
        for name, attr in (("write", "write_rate"), ("verify", "verify_rate")):
            stats = state.phases.get(name)
            if getattr(state, attr) is None and stats is not None:
                setattr(state, attr, stats.rate)
        ctx.device.close()


def run_workers(
    devices: list[OpenDevice],
    work: Work,
    *,
    jobs: int | None = None,
    tick: Callable[[list[DeviceState]], None] | None = None,
    stop: threading.Event | None = None,
) -> list[DeviceState]:
    """Run work on every device in parallel (at most `jobs` at once); never raises for one device."""
    stop = stop or threading.Event()
    states = [DeviceState(d.path, d.size) for d in devices]
    contexts = [Context(s, d, stop) for s, d in zip(states, devices, strict=True)]
    workers = max(1, min(jobs or len(devices), len(devices)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="device") as pool:
        pending = {pool.submit(_run_one, work, ctx) for ctx in contexts}
        while pending:
            try:
                _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                if tick:
                    tick(states)
            except KeyboardInterrupt:
                stop.set()
    for state in states:
        if state.status == WAITING:  # never started because of a stop
            state.status, state.reason = STOPPED, "stopped by the operator before starting"
    if tick:
        tick(states)
    return states
