"""`devices`, `write`, `verify`, `wipe`, `probe-device`: many cards at once, safely."""

from __future__ import annotations

import os
import stat
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from sneakernet import ui
from sneakernet.devices.blockio import OpenDevice, open_device
from sneakernet.devices.discovery import list_devices
from sneakernet.devices.probe import full_probe, quick_probe
from sneakernet.devices.runner import OK, Context, DeviceFailure, DeviceState, run_workers
from sneakernet.devices.safety import SafetyRefusal, Target, check_targets
from sneakernet.devices.writer import ImageSource, verify_image, wipe, write_image
from sneakernet.errors import UserError
from sneakernet.sizes import human_size


class ProbeMode(StrEnum):
    quick = "quick"
    full = "full"
    none = "none"


JSON_OPTION = typer.Option(False, "--json", help="Print results as JSON on stdout.")
YES_OPTION = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (scripts).")
JOBS_OPTION = typer.Option(
    None, "--jobs", "-j", min=1, help="Devices worked on at once (default: all)."
)
FORCE_OPTION = typer.Option(
    False,
    "--force-non-removable",
    help="Allow a non-removable disk (never the system disk or a mounted one).",
)


def list_command(as_json: bool = JSON_OPTION) -> None:
    """List block devices that could be cards (loop devices included)."""
    devices = list_devices()
    if as_json:
        ui.print_json([d.to_json() for d in devices])
        return
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
    if not typer.confirm("Everything on these devices will be lost. Go on?", err=True):
        raise UserError("nothing was written: not confirmed")


def _open_all(targets: list[Target], write: bool) -> list[OpenDevice]:
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
    if not ui.console.is_terminal:
        return run_workers(devices, work, jobs=jobs)
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


def _rate(value: float | None) -> str:
    return f"{value / 1e6:.1f} MB/s" if value else "-"


def _report(states: list[DeviceState], as_json: bool) -> None:
    if as_json:
        ui.print_json(
            {"ok": all(s.status == OK for s in states), "devices": [s.to_json() for s in states]}
        )
    else:
        table = Table("device", "size", "probe", "write", "verify", "status", "reason")
        for s in states:
            probe = s.probe_verdict or "-"
            if s.probe_verdict and s.probe_verdict != "genuine" and s.real_size is not None:
                probe += f" (real {human_size(s.real_size)})"
            verify = {True: "ok", False: "FAILED", None: "-"}[s.verified]
            table.add_row(
                s.path, human_size(s.size), probe, _rate(s.write_rate), verify, s.status, s.reason
            )
        ui.console.print(table)
    if any(s.status != OK for s in states):
        raise typer.Exit(1)


def _probe_step(ctx: Context, mode: ProbeMode) -> None:
    if mode is ProbeMode.none:
        return
    result = quick_probe(ctx) if mode is ProbeMode.quick else full_probe(ctx)
    if not result.genuine:
        real = f", real size about {human_size(result.real)}" if result.real else ""
        detail = f" ({result.detail})" if result.detail else ""
        raise DeviceFailure(f"fake or faulty capacity: {result.verdict}{real}{detail}")


def write_command(
    image: Path = typer.Argument(..., help="Card image to write (e.g. from `sneakernet build`)."),
    targets: list[str] = typer.Argument(..., help="Whole devices, e.g. /dev/sdb /dev/sdc."),
    probe: ProbeMode = typer.Option(
        ProbeMode.quick, "--probe", help="Fake-capacity check before writing."
    ),
    no_verify: bool = typer.Option(False, "--no-verify", help="Skip reading everything back."),
    jobs: int | None = JOBS_OPTION,
    yes: bool = YES_OPTION,
    force_non_removable: bool = FORCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write IMAGE to every device at once: image, zeros to the end, verified."""
    source = _image(image)
    try:
        checked = check_targets(
            targets, needed=source.size, force_non_removable=force_non_removable
        )
        _confirm(checked, f"write {image.name} ({human_size(source.size)})", yes)
        devices = _open_all(checked, write=True)

        def work(ctx: Context) -> None:
            _probe_step(ctx, probe)
            write_image(ctx, source, verify=not no_verify)

        states = _run(devices, work, jobs)
    finally:
        source.close()
    _report(states, as_json)


def verify_command(
    image: Path = typer.Argument(..., help="The image the devices should hold."),
    targets: list[str] = typer.Argument(..., help="Devices to read back."),
    jobs: int | None = JOBS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Read devices back and check they hold exactly IMAGE followed by zeros."""
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
    checked = check_targets(targets, force_non_removable=force_non_removable)
    _confirm(checked, action, yes)
    _report(_run(_open_all(checked, write=True), work, jobs), as_json)


def wipe_command(
    targets: list[str] = typer.Argument(..., help="Devices to wipe."),
    random: bool = typer.Option(
        False, "--random", help="Keyed random data instead of zeros (also tests every block)."
    ),
    jobs: int | None = JOBS_OPTION,
    yes: bool = YES_OPTION,
    force_non_removable: bool = FORCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Overwrite whole devices (zeros, or keyed random) and read them back."""
    work = lambda ctx: wipe(ctx, random=random)  # noqa: E731
    _destroy(targets, "wipe everything", work, yes, force_non_removable, jobs, as_json)


def probe_devices(
    targets: list[str] = typer.Argument(..., help="Devices to test for fake capacity."),
    full: bool = typer.Option(
        False, "--full", help="Write and read back the whole device (slow; also wipes it)."
    ),
    jobs: int | None = JOBS_OPTION,
    yes: bool = YES_OPTION,
    force_non_removable: bool = FORCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Detect counterfeit capacity (destroys the data on the device)."""
    mode = ProbeMode.full if full else ProbeMode.quick
    work = lambda ctx: _probe_step(ctx, mode)  # noqa: E731
    _destroy(targets, "overwrite test data", work, yes, force_non_removable, jobs, as_json)


def register(app: typer.Typer) -> None:
    app.command("devices")(list_command)
    app.command("write")(write_command)
    app.command("verify")(verify_command)
    app.command("wipe")(wipe_command)
    app.command("probe-device")(probe_devices)
