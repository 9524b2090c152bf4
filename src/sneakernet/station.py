"""A write station: every drive plugged in is checked, written and verified on its own.

Drives are found through kernel uevents (netlink, via pyudev), never by
polling device names. Each accepted drive gets its own thread running the
same machinery as `write` (devices.writer with the embedded quick probe, or a
full probe first), so each finishes at its own pace. A drive removed while it
is worked on is reported "pulled during write" and does not count as done. A
drive that already holds the verified image is recognised by reading it and
is not rewritten.

The operator controls the station (`start`, `pause`, `finish`) from the
terminal or the web page; both call the same methods and read the same
`Mode`. Drives plugged in while the station does not accept new ones wait
(`pending`) and are taken when it starts again.

The station log is the operator's: one tab-separated line per drive finished
(time, port, drive size, probe verdict, result, MB/s). It is written only to
the path the operator gives, never to a card.
"""

from __future__ import annotations

import enum
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.devices.blockio import aligned_buffer, open_device, read_all
from sneakernet.devices.discovery import find_device
from sneakernet.devices.runner import (
    FAILED,
    OK,
    STOPPED,
    Context,
    DeviceFailure,
    DeviceState,
    _run_one,
)
from sneakernet.devices.safety import refusal_reasons
from sneakernet.devices.writer import ImageSource, verify_image, write_image

ADDED, REMOVED = "added", "removed"
# Results of one drive, beyond runner's OK / FAILED / STOPPED.
ALREADY, PULLED, REFUSED = "already verified", "pulled during write", "refused"
GENUINE = "genuine"
HEAD_CHECK = 64 << 10  # bytes read to tell at once that a drive does not hold the image


class Mode(enum.Enum):
    """What the station does with drives, as the operator set it."""

    READY = "ready"  # not started: drives plugged in wait for `start`
    RUNNING = "running"  # new drives are taken, each is worked on
    PAUSED = "paused"  # drives being worked on halt after their current chunk; new ones wait
    FINISHING = "finishing"  # current drives finish; no new ones are taken

    @property
    def accepting(self) -> bool:
        return self is Mode.RUNNING


@dataclass(frozen=True)
class LogEntry:
    """One line of the station log."""

    time: str
    port: str
    size: int
    verdict: str
    result: str
    mbs: str
    reason: str

    def line(self) -> str:
        fields = [self.time, self.port, str(self.size), self.verdict, self.result, self.mbs]
        return "\t".join([*fields, self.reason or "-"]).replace("\n", " ")

    def to_json(self) -> dict:
        return {
            "time": self.time,
            "port": self.port,
            "size": self.size,
            "probe": self.verdict,
            "result": self.result,
            "mb_per_second": self.mbs,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DriveEvent:
    """A whole-disk block device that appeared (has a medium) or went away."""

    action: str  # ADDED or REMOVED
    path: str  # /dev/NAME
    port: str  # where it sits (the kernel's device path without the disk's name)


def _sysfs_size(name: str) -> int:
    try:
        return int(Path(f"/sys/class/block/{name}/size").read_text()) * 512
    except (OSError, ValueError):
        return 0


def loop_backing_file(path: str) -> str | None:
    """The file behind a loop device (as the kernel reports it), or None for other disks."""
    name = os.path.basename(path)
    if not name.startswith("loop"):
        return None
    try:
        return Path(f"/sys/class/block/{name}/loop/backing_file").read_text().strip()
    except OSError:
        return ""  # a loop device with nothing attached yet


class KernelDriveEvents:
    """Block-device uevents straight from the kernel (works without a udev daemon).

    A USB stick or SD card sends `add`/`remove`; a loop device exists before
    it is attached and sends `change` when a file is attached or detached, so
    a change to a non-zero size counts as plugged in and one to zero as pulled.
    """

    def __init__(self) -> None:
        import pyudev

        self._context = pyudev.Context()
        self._monitor = pyudev.Monitor.from_netlink(self._context, source="kernel")
        self._monitor.filter_by("block")
        self._monitor.start()

    def poll(self, timeout: float) -> DriveEvent | None:
        device = self._monitor.poll(timeout)
        if device is None or device.properties.get("DEVTYPE") != "disk":
            return None
        name = device.properties.get("DEVNAME", device.sys_name).removeprefix("/dev/")
        path = f"/dev/{name}"
        port = os.path.dirname(device.device_path)
        port = port.removesuffix("/block")
        if port.endswith("/virtual"):  # loop devices: no port, the name stands for one
            port = name
        if device.action == "remove":
            return DriveEvent(REMOVED, path, port)
        if device.action in ("add", "change"):
            if _sysfs_size(name) > 0:
                return DriveEvent(ADDED, path, port)
            return DriveEvent(REMOVED, path, port)
        return None

    def close(self) -> None:
        self._monitor = None  # its netlink socket closes with it


@dataclass
class Drive:
    """One drive the station saw, from plug-in to result."""

    path: str
    port: str
    state: DeviceState
    result: str = ""  # empty while being worked on
    reason: str = ""
    pulled: bool = False
    present: bool = True  # False once the drive was taken out after it finished
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def to_json(self) -> dict:
        data = self.state.to_json()
        data.update(
            port=self.port,
            result=self.result,
            reason=self.reason or data["reason"],
            done=self.state.done,
            total=self.state.total,
            present=self.present,
        )
        return data


@dataclass
class Totals:
    done: int = 0
    already: int = 0
    failed: Counter = field(default_factory=Counter)  # reason -> count
    fakes: int = 0
    refused: int = 0

    def to_json(self) -> dict:
        return {
            "done": self.done,
            "already_verified": self.already,
            "failed": dict(self.failed),
            "fakes": self.fakes,
            "refused": self.refused,
        }


def failure_kind(drive: Drive) -> str:
    """The short reason counted in the totals."""
    if drive.result == PULLED:
        return PULLED
    if drive.state.probe_verdict not in (None, GENUINE):
        return f"fake ({drive.state.probe_verdict})"
    if drive.state.verified is False or "verify mismatch" in drive.state.reason:
        return "verify mismatch"
    if drive.result == STOPPED:
        return "stopped"
    return drive.state.phase + " error" if drive.state.phase else "error"


class Station:
    """Accepts drives from events, works on each in its own thread, keeps log and totals."""

    def __init__(
        self,
        image: Path,
        *,
        probe: str = "quick",
        ports: str | None = None,
        log_path: Path | None = None,
        on_change: Callable[[Station], None] | None = None,
        mode: Mode = Mode.RUNNING,
    ) -> None:
        if probe not in ("quick", "full"):
            raise ValueError(probe)
        self.image = ImageSource(str(image))
        self.probe = probe
        self.ports = ports  # shell pattern: only drives whose port or path matches
        self.log_path = log_path
        self.on_change = on_change
        self.drives: dict[str, Drive] = {}  # by device path, newest use
        self.finished: list[Drive] = []
        self.ignored: dict[str, str] = {}  # path -> why never opened
        self.pending: dict[str, DriveEvent] = {}  # plugged in while not accepting
        self.log: list[LogEntry] = []  # what went to the station log, oldest first
        self._mode = mode
        self._go = threading.Event()  # cleared while paused: workers wait at their next chunk
        if mode is not Mode.PAUSED:
            self._go.set()
        self._lock = threading.RLock()

    # -- events ---------------------------------------------------------------
    def handle(self, event: DriveEvent) -> None:
        with self._lock:
            current = self.drives.get(event.path)
            if event.action == REMOVED:
                if current is not None and current.busy:
                    current.pulled = True
                    current.stop.set()
                elif current is not None:
                    current.present = False
                self.ignored.pop(event.path, None)
                self.pending.pop(event.path, None)
            else:
                self._add(event, current)
        self._changed()

    def _add(self, event: DriveEvent, current: Drive | None) -> None:
        """A drive plugged in: refused, left waiting, or taken (the lock is held)."""
        if current is not None and current.busy:
            return  # a repeated change event for a drive being written
        if not self._wanted(event):
            return
        why = self._refusal(event.path)
        if why:
            if self.ignored.get(event.path) != why:
                self._log(event.port, _sysfs_size(os.path.basename(event.path)), "-", REFUSED, why)
            self.ignored[event.path] = why
            return
        self.ignored.pop(event.path, None)
        if not self._mode.accepting:
            self.pending[event.path] = event
            return
        self.pending.pop(event.path, None)
        drive = Drive(event.path, event.port, DeviceState(event.path, 0))
        self.drives[event.path] = drive
        drive.thread = threading.Thread(
            target=self._work, args=(drive,), name=f"station {event.path}", daemon=True
        )
        drive.thread.start()

    def _wanted(self, event: DriveEvent) -> bool:
        """Drives of the ports asked for; a loop device only when `ports` names it.

        A loop device is no drive anyone plugged in: it is someone's file (a
        test's, a container's, another program's), so it is written only when
        the pattern matches its device or the file behind it.
        """
        from fnmatch import fnmatch

        backing = loop_backing_file(event.path)
        if self.ports is None:
            return backing is None
        names = [event.port, event.path] + ([backing] if backing else [])
        return any(fnmatch(name, self.ports) for name in names)

    def _refusal(self, path: str) -> str:
        try:
            device, is_partition = find_device(path)
        except FileNotFoundError:
            return "gone before it could be checked"
        reasons = refusal_reasons(
            device, is_partition=is_partition, needed=self.image.size, force_non_removable=False
        )
        return "; ".join(reasons)

    # -- one drive ------------------------------------------------------------
    def _work(self, drive: Drive) -> None:
        state = drive.state
        try:
            device = open_device(drive.path, write=True)
        except OSError as exc:
            state.status, state.reason = FAILED, f"open: {exc.strerror or exc}"
            self._finish(drive)
            return
        state.size = device.size
        ctx = _StationContext(state, device, drive.stop, self._go)
        already = threading.Event()

        def work(ctx: Context) -> None:
            if self._holds_image(ctx):
                already.set()
                return
            if self.probe == "full":
                from sneakernet.devices.probe import full_probe, require_genuine

                require_genuine(ctx, full_probe(ctx))
            write_image(ctx, self.image, verify=True, probe=self.probe == "quick")

        _run_one(work, ctx)  # closes the device; records status, reason and rates
        if already.is_set() and state.status == OK:
            drive.result = ALREADY
        self._finish(drive)

    def _holds_image(self, ctx: Context) -> bool:
        """Read the drive back against the image; stops at the first differing chunk.

        The first 64 KiB are looked at first: the writer puts the first MiB on
        last, so a drive that lacks them holds no complete image, and a new
        drive costs one small read instead of a whole chunk.
        """
        head = min(HEAD_CHECK, ctx.device.size, max(self.image.size, 1))
        head -= head % max(ctx.device.logical_block, 512)
        if head > 0:
            got, want = memoryview(aligned_buffer(head)), memoryview(bytearray(head))
            try:
                read_all(ctx.device.fd, got, 0)
            except OSError:
                return False  # the write will meet the trouble and report it
            self.image.fill(want, 0)
            if got != want:
                return False
        try:
            verify_image(ctx, self.image)
        except DeviceFailure:
            ctx.state.verified = None
            ctx.state.first_bad_offset = None
            ctx.end_phase()
            ctx.state.phases.pop("verify", None)
            return False
        return True

    def _finish(self, drive: Drive) -> None:
        state = drive.state
        if drive.result != ALREADY:
            if drive.pulled and state.status != OK:
                drive.result = PULLED
                drive.reason = f"pulled during {state.phase or 'start'}"
            else:
                drive.result = {OK: "done", STOPPED: STOPPED}.get(state.status, FAILED)
                drive.reason = state.reason
        rate = state.write_rate or state.verify_rate
        self._log(
            drive.port,
            state.size,
            state.probe_verdict or "-",
            drive.result,
            drive.reason,
            rate,
        )
        with self._lock:
            self.finished.append(drive)
        self._changed()

    # -- log, totals ----------------------------------------------------------
    def _log(self, port: str, size: int, verdict: str, result: str, reason: str, rate=None) -> None:
        entry = LogEntry(
            time=time.strftime("%Y-%m-%dT%H:%M:%S"),
            port=port,
            size=size,
            verdict=verdict,
            result=result,
            mbs=f"{rate / 1e6:.1f}" if rate else "-",
            reason=reason,
        )
        with self._lock:
            self.log.append(entry)
        if self.log_path is None:
            return
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(entry.line() + "\n")

    def _changed(self) -> None:
        if self.on_change:
            self.on_change(self)

    def totals(self) -> Totals:
        t = Totals(refused=len(self.ignored))
        with self._lock:
            finished = list(self.finished)
        for drive in finished:
            if drive.state.probe_verdict not in (None, GENUINE):
                t.fakes += 1
            if drive.result == "done":
                t.done += 1
            elif drive.result == ALREADY:
                t.already += 1
            else:
                t.failed[failure_kind(drive)] += 1
        return t

    @property
    def busy(self) -> list[Drive]:
        with self._lock:
            return [d for d in self.drives.values() if d.busy]

    # -- the operator's controls ----------------------------------------------
    @property
    def mode(self) -> Mode:
        return self._mode

    def start(self) -> None:
        """Take drives: those waiting now, and every one plugged in from here on."""
        with self._lock:
            self._mode = Mode.RUNNING
            self._go.set()
            waiting = list(self.pending.values())
            self.pending.clear()
            for event in waiting:
                self._add(event, self.drives.get(event.path))
        self._changed()

    def pause(self) -> None:
        """Halt the drives being worked on after their current chunk; new drives wait."""
        with self._lock:
            self._mode = Mode.PAUSED
            self._go.clear()
        self._changed()

    def finish(self) -> None:
        """Finish the current drives (resuming paused ones) and take no new ones."""
        with self._lock:
            self._mode = Mode.FINISHING
            self._go.set()
        self._changed()

    def stop_all(self) -> None:
        """Take no new drives and stop those being worked on after their current chunk."""
        self.finish()
        for drive in self.busy:
            drive.stop.set()

    def snapshot(self) -> dict:
        """Everything a view shows, as plain data: mode, drives by port, totals, the log."""
        with self._lock:
            drives = sorted(self.drives.values(), key=lambda d: d.port)
            pending = sorted(self.pending.values(), key=lambda e: e.port)
            ignored = sorted(self.ignored.items())
            log = [entry.to_json() for entry in self.log[-100:]]
            busy = sum(d.busy for d in drives)
        return {
            "mode": self._mode.value,
            "busy": busy,
            "image": {"name": os.path.basename(self.image.path), "size": self.image.size},
            "drives": [d.to_json() for d in drives],
            "waiting": [{"port": e.port, "device": e.path} for e in pending],
            "refused": [{"device": path, "reason": why} for path, why in ignored],
            "totals": self.totals().to_json(),
            "log": log,
        }

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every drive being worked on; False when some are still busy."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for drive in list(self.drives.values()):
            if drive.thread is not None:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                drive.thread.join(left)
        return not self.busy

    def run(self, events: Iterable[DriveEvent | None], until: threading.Event) -> Totals:
        """Feed events until asked to stop, then let the current drives finish."""
        for event in events:
            if until.is_set():
                break
            if event is not None:
                self.handle(event)
        self.wait()
        self.image.close()
        return self.totals()


class _StationContext(Context):
    """A worker's context that also waits while the operator has paused the station."""

    def __init__(self, state, device, stop: threading.Event, go: threading.Event) -> None:
        super().__init__(state, device, stop)
        self._go = go

    def check(self) -> None:
        super().check()
        if self._go.is_set():
            return
        paused = time.perf_counter()
        while not self._go.wait(0.2):
            super().check()  # a stop or a pull ends the wait
        self._phase_start += time.perf_counter() - paused  # paused time is not transfer time
        super().check()


def kernel_events(source: KernelDriveEvents, until: threading.Event) -> Iterator[DriveEvent | None]:
    """Events from the kernel, with None every 0.2 s so that a stop request is noticed."""
    while not until.is_set():
        yield source.poll(0.2)
