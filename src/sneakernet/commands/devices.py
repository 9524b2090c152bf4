"""`devices`, `write`, `verify`, `wipe`, `probe-device`: many cards at once, safely."""

from __future__ import annotations

import os
import stat
import sys
from enum import StrEnum
from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command, flag, int_range, json_flag
from sneakernet.errors import UserError
from sneakernet.sizes import human_size

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing is slow to import
if TYPE_CHECKING:
    from rich.progress import Progress

    from sneakernet.devices.blockio import OpenDevice
    from sneakernet.devices.runner import Context, DeviceState
    from sneakernet.devices.safety import Target
    from sneakernet.devices.writer import ImageSource

# The device stack loads inside the commands, and Rich only for what is shown
# to a person (tables, progress bars): `sneakernet probe-device --json` starts
# in tens of milliseconds, and scripts run it once per card.


class ProbeMode(StrEnum):
    quick = "quick"
    full = "full"
    none = "none"


JSON_ARG = json_flag("Print results as JSON on stdout.")
YES_ARG = flag("-y", "--yes", help="Do not ask for confirmation (scripts).")
JOBS_ARG = Arg(
    "-j",
    "--jobs",
    type=int_range(1),
    metavar="N",
    help="Devices worked on at once (default: all).",
)
FORCE_ARG = flag(
    "--force-non-removable",
    help="Allow a non-removable disk (never the system disk or a mounted one).",
)
# What every command that overwrites whole devices takes.
OVERWRITE_ARGS = (JOBS_ARG, YES_ARG, FORCE_ARG, JSON_ARG)


def list_command(as_json: bool) -> None:
    """List block devices that could be cards (loop devices included)."""
    from sneakernet.devices.discovery import list_devices

    devices = list_devices()
    if as_json:
        ui.print_json([d.to_json() for d in devices])
        return
    from rich.table import Table

    table = Table("device", "size", "vendor / model", "transport", "removable", "in use")
    for d in devices:
        use = ", ".join(
            [*(["system disk"] if d.holds_root else []), *d.mount_points]
            + (["swap"] if d.swap else [])
            + [f"held by {h}" for h in d.holders]
        )
        table.add_row(
            d.path,
            human_size(d.size),
            " ".join(x for x in (d.vendor, d.model) if x) or (d.backing_file or ""),
            d.transport,
            "yes" if d.removable else "no",
            use or "-",
        )
    ui.console.print(table)


def _image(path: Path) -> ImageSource:
    from sneakernet.devices.writer import ImageSource

    try:
        st = os.stat(path)
    except OSError as exc:
        raise UserError(f"cannot read image {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"image {path} is not a regular file; give an image file")
    if st.st_size == 0:
        raise UserError(f"image {path} is empty")
    return ImageSource(str(path))


def _confirm(targets: list[Target], action: str, yes: bool) -> None:
    if yes:
        return
    ui.info(f"This will {action} on:")
    for t in targets:
        d = t.device
        label = " ".join(x for x in (d.vendor, d.model) if x) or d.transport
        ui.info(f"  {t.given}  {human_size(d.size)}  {label}")
    if not sys.stdin.isatty():
        raise UserError("confirmation needed and no terminal to ask on: pass --yes")
    if not ui.confirm("Everything on these devices will be lost. Go on?"):
        raise UserError("nothing was written: not confirmed")


def _open_all(targets: list[Target], write: bool) -> list[OpenDevice]:
    from sneakernet.devices.blockio import open_device
    from sneakernet.devices.safety import SafetyRefusal

    opened: list[OpenDevice] = []
    try:
        for t in targets:
            try:
                opened.append(open_device(t.device.path, write=write))
            except OSError as exc:
                raise SafetyRefusal(
                    f"refusing {t.given}: cannot open it exclusively ({exc.strerror}); "
                    "another program is using it"
                ) from exc
    except BaseException:
        for dev in opened:
            dev.close()
        raise
    for dev, t in zip(opened, targets, strict=True):
        dev.path = t.given
    return opened


def _progress_ticker(progress: Progress | None):
    tasks: dict[str, int] = {}
    phases: dict[str, str] = {}

    def tick(states: list[DeviceState]) -> None:
        if progress is None:
            return
        for s in states:
            if s.path not in tasks:
                tasks[s.path] = progress.add_task(s.path, total=s.total or None, phase="")
            task = tasks[s.path]
            label = s.phase if s.status in ("running", "waiting") else s.status
            if phases.get(s.path) != s.phase:
                phases[s.path] = s.phase
                progress.reset(task, total=s.total or None, completed=s.done)
            progress.update(task, completed=s.done, total=s.total or None, phase=label)

    return tick


def _run(devices: list[OpenDevice], work, jobs: int | None) -> list[DeviceState]:
    """Work on every device; progress bars when stderr is a terminal (JSON goes to stdout)."""
    from sneakernet.devices.runner import run_workers

    if not ui.is_terminal():
        return run_workers(devices, work, jobs=jobs)
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"),
        TextColumn("{task.fields[phase]:<12}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=ui.console,
    )
    with progress:
        return run_workers(devices, work, jobs=jobs, tick=_progress_ticker(progress))


def _phases(state: DeviceState) -> str:
    """One line per phase, in the order entered: `write 105 MB 19.8 MB/s`."""
    lines = []
    for name, stats in state.phases.items():
        rate = f" {stats.rate / 1e6:.3g} MB/s" if stats.rate and stats.bytes >= 1e6 else ""
        lines.append(f"{name} {stats.bytes / 1e6:.3g} MB{rate}")
    return "\n".join(lines) or "-"


def _report(states: list[DeviceState], as_json: bool) -> None:
    from sneakernet.devices.runner import OK

    if as_json:
        ui.print_json(
            {"ok": all(s.status == OK for s in states), "devices": [s.to_json() for s in states]}
        )
    else:
        from rich.table import Table

        table = Table()
        for header in ("device", "size", "probe", "phases"):
            table.add_column(header, no_wrap=True)
        for header in ("verify", "status", "reason"):
            table.add_column(header)
        for s in states:
            probe = s.probe_verdict or "-"
            if s.probe_verdict and s.probe_verdict != "genuine" and s.real_size is not None:
                probe += f" (real {human_size(s.real_size)})"
            verify = {True: "ok", False: "FAILED", None: "-"}[s.verified]
            table.add_row(s.path, human_size(s.size), probe, _phases(s), verify, s.status, s.reason)
        ui.console.print(table)
    if any(s.status != OK for s in states):
        raise SystemExit(1)


def _probe_step(ctx: Context, mode: ProbeMode) -> None:
    from sneakernet.devices.probe import full_probe, quick_probe, require_genuine

    if mode is ProbeMode.none:
        return
    require_genuine(ctx, quick_probe(ctx) if mode is ProbeMode.quick else full_probe(ctx))


def write_command(
    image: Path,
    targets: list[str],
    probe: str,
    no_verify: bool,
    jobs: int | None,
    yes: bool,
    force_non_removable: bool,
    as_json: bool,
) -> None:
    """Write IMAGE to every device at once: image, zeros to the end, verified."""
    from sneakernet.devices.safety import check_targets
    from sneakernet.devices.writer import write_image

    mode = ProbeMode(probe)
    source = _image(image)
    try:
        checked = check_targets(
            targets, needed=source.size, force_non_removable=force_non_removable
        )
        _confirm(checked, f"write {image.name} ({human_size(source.size)})", yes)
        devices = _open_all(checked, write=True)

        def work(ctx: Context) -> None:
            # The quick probe rides along with the write (see devices.probe.EmbeddedProbe).
            if mode is ProbeMode.full:
                _probe_step(ctx, mode)
            write_image(ctx, source, verify=not no_verify, probe=mode is ProbeMode.quick)

        states = _run(devices, work, jobs)
    finally:
        source.close()
    _report(states, as_json)


def verify_command(image: Path, targets: list[str], jobs: int | None, as_json: bool) -> None:
    """Read devices back and check they hold exactly IMAGE followed by zeros."""
    from sneakernet.devices.safety import check_targets
    from sneakernet.devices.writer import verify_image

    source = _image(image)
    try:
        checked = check_targets(targets, needed=source.size, force_non_removable=True)
        devices = _open_all(checked, write=False)
        states = _run(devices, lambda ctx: verify_image(ctx, source), jobs)
    finally:
        source.close()
    _report(states, as_json)


def _destroy(targets, action, work, yes, force_non_removable, jobs, as_json) -> None:
    """Check, confirm, open and run a whole-device overwrite on every target."""
    from sneakernet.devices.safety import check_targets

    checked = check_targets(targets, force_non_removable=force_non_removable)
    _confirm(checked, action, yes)
    _report(_run(_open_all(checked, write=True), work, jobs), as_json)


def wipe_command(
    targets: list[str],
    random: bool,
    jobs: int | None,
    yes: bool,
    force_non_removable: bool,
    as_json: bool,
) -> None:
    """Overwrite whole devices (zeros, or keyed random) and read them back."""
    from sneakernet.devices.writer import wipe

    work = lambda ctx: wipe(ctx, random=random)  # noqa: E731
    _destroy(targets, "wipe everything", work, yes, force_non_removable, jobs, as_json)


def probe_devices(
    targets: list[str],
    full: bool,
    jobs: int | None,
    yes: bool,
    force_non_removable: bool,
    as_json: bool,
) -> None:
    """Detect counterfeit capacity (destroys the data on the device)."""
    mode = ProbeMode.full if full else ProbeMode.quick
    work = lambda ctx: _probe_step(ctx, mode)  # noqa: E731
    _destroy(targets, "overwrite test data", work, yes, force_non_removable, jobs, as_json)


COMMANDS = {
    "devices": Command(list_command, JSON_ARG),
    "write": Command(
        write_command,
        Arg(
            "image",
            type=Path,
            metavar="IMAGE",
            help="Card image to write (e.g. from `sneakernet image build`).",
        ),
        Arg("targets", nargs="+", metavar="TARGET", help="Whole devices, e.g. /dev/sdb /dev/sdc."),
        Arg(
            "--probe",
            choices=[mode.value for mode in ProbeMode],
            default=ProbeMode.quick.value,
            help="Fake-capacity check: quick (keyed blocks riding along with the write), "
            "full (the whole device, before writing), none.",
        ),
        flag("--no-verify", help="Skip reading everything back."),
        *OVERWRITE_ARGS,
    ),
    "verify": Command(
        verify_command,
        Arg("image", type=Path, metavar="IMAGE", help="The image the devices should hold."),
        Arg("targets", nargs="+", metavar="TARGET", help="Devices to read back."),
        JOBS_ARG,
        JSON_ARG,
    ),
    "wipe": Command(
        wipe_command,
        Arg("targets", nargs="+", metavar="TARGET", help="Devices to wipe."),
        flag("--random", help="Keyed random data instead of zeros (also tests every block)."),
        *OVERWRITE_ARGS,
    ),
    "probe-device": Command(
        probe_devices,
        Arg("targets", nargs="+", metavar="TARGET", help="Devices to test for fake capacity."),
        flag("--full", help="Write and read back the whole device (slow; also wipes it)."),
        *OVERWRITE_ARGS,
    ),
}
