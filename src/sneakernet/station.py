"""A write station: every drive plugged in is checked, written and verified on its own.

Drives are found through kernel uevents (netlink, via pyudev), never by
polling device names. Each accepted drive gets its own thread running the
same machinery as `write` (devices.writer with the embedded quick probe, or a
full probe first), so each finishes at its own pace. A drive removed while it
is worked on is reported "pulled during write" and does not count as done. A
drive that already holds the verified image is recognised by reading it and
is not rewritten.

The station log is the operator's: one tab-separated line per drive finished
(time, port, drive size, probe verdict, result, MB/s). It is written only to
the path the operator gives, never to a card.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.devices.blockio import open_device
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
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def to_json(self) -> dict:
        data = self.state.to_json()
        data.update(port=self.port, result=self.result, reason=self.reason or data["reason"])
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
        self.accepting = threading.Event()
        self.accepting.set()
        self._lock = threading.Lock()

    # -- events ---------------------------------------------------------------
    def handle(self, event: DriveEvent) -> None:
        with self._lock:
            current = self.drives.get(event.path)
            if event.action == REMOVED:
                if current is not None and current.busy:
                    current.pulled = True
                    current.stop.set()
                self.ignored.pop(event.path, None)
                return
            if current is not None and current.busy:
                return  # a repeated change event for a drive being written
            if not self.accepting.is_set() or not self._wanted(event):
                return
            why = self._refusal(event.path)
            if why:
                self.ignored[event.path] = why
                self._log(event.port, _sysfs_size(os.path.basename(event.path)), "-", REFUSED, why)
                return
            self.ignored.pop(event.path, None)
            drive = Drive(event.path, event.port, DeviceState(event.path, 0))
            self.drives[event.path] = drive
            drive.thread = threading.Thread(
                target=self._work, args=(drive,), name=f"station {event.path}", daemon=True
            )
            drive.thread.start()
        self._changed()

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
        ctx = Context(state, device, drive.stop)
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
        """Read the drive back against the image; stops at the first differing chunk."""
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
        if self.log_path is None:
            return
        mbs = f"{rate / 1e6:.1f}" if rate else "-"
        when = time.strftime("%Y-%m-%dT%H:%M:%S")
        line = "\t".join([when, port, str(size), verdict, result, mbs, reason or "-"])
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(line.replace("\n", " ") + "\n")

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

    def pause(self) -> None:
        """Accept no new drives; those being written carry on."""
        self.accepting.clear()

    def resume(self) -> None:
        self.accepting.set()

    def stop_all(self) -> None:
        self.accepting.clear()
        for drive in self.busy:
            drive.stop.set()

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


def kernel_events(source: KernelDriveEvents, until: threading.Event) -> Iterator[DriveEvent | None]:
    """Events from the kernel, with None every 0.2 s so that a stop request is noticed."""
    while not until.is_set():
        yield source.poll(0.2)
