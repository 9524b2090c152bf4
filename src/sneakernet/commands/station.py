"""`station`: a long-running mode that writes every drive plugged in, each at its own pace."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command
from sneakernet.errors import UserError
from sneakernet.sizes import human_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rich.table import Table

    from sneakernet.station import Drive, Station

_COLOURS = {
    "done": "green",
    "already verified": "green",
    "FAILED": "red",
    "pulled during write": "yellow",
    "stopped": "yellow",
}


_MODE_TEXT = {
    "ready": "not started: drives plugged in wait",
    "running": "accepting drives",
    "paused": "paused: writes held, new drives wait",
    "finishing": "finishing current drives, no new ones",
}


def _row(drive: Drive) -> tuple[str, ...]:
    s = drive.state
    if drive.result:
        colour = _COLOURS.get(drive.result, "white")
        result = f"[{colour}]{drive.result}[/]"
        if drive.result == "done":
            result += " [bold green]pull now[/]"
        progress = "-"
    else:
        result = "[cyan]working[/]"
        progress = f"{100 * s.done // s.total} %" if s.total else "-"
    rate = s.write_rate if drive.result else None
    speed = f"{rate / 1e6:.1f} MB/s" if rate else "-"
    probe = s.probe_verdict or "-"
    if s.probe_verdict not in (None, "genuine") and s.real_size:
        probe += f" (real {human_size(s.real_size)})"
    return (
        drive.port,
        drive.path,
        human_size(s.size) if s.size else "-",
        s.phase or "-",
        progress,
        speed,
        probe,
        result,
        drive.reason or "",
    )


def station_table(station: Station) -> Table:
    """One row per port: phase, progress, speed and result in colour."""
    from rich.table import Table

    totals = station.totals()
    failed = sum(totals.failed.values())
    state = _MODE_TEXT[station.mode.value]
    table = Table(
        title=f"sneakernet station: {state}",
        caption=f"done {totals.done}, already verified {totals.already}, failed {failed}, "
        f"fakes {totals.fakes}, refused {totals.refused}",
    )
    for header in ("port", "device", "size", "phase", "progress", "speed", "probe", "result"):
        table.add_column(header, no_wrap=True)
    table.add_column("reason")
    for drive in sorted(station.drives.values(), key=lambda d: d.port):
        table.add_row(*_row(drive))
    for event in sorted(list(station.pending.values()), key=lambda e: e.port):
        table.add_row(
            event.port, event.path, "-", "-", "-", "-", "-", "[cyan]waiting[/]", "start: s"
        )
    for path, why in sorted(station.ignored.items()):
        table.add_row("-", path, "-", "-", "-", "-", "-", "[dim]refused[/]", why)
    return table


def station_command(
    image: Path,
    probe: str,
    ports: str | None,
    log: Path,
    web: bool = False,
    port: int = 0,
    listen: str | None = None,
) -> None:
    """Write IMAGE to every drive plugged in, each at its own pace, until Ctrl-C."""
    from sneakernet.station import KernelDriveEvents, Mode, Station, kernel_events

    if not image.is_file():
        raise UserError(f"{image} is not a file; give the card image to write")
    if (port or listen) and not web:
        raise UserError("--port and --listen are for the web page; add --web")
    if not 0 <= port <= 65535:
        raise UserError(f"--port {port} is not a port number; give 1 to 65535, or leave it out")
    warning = None
    if listen is not None:
        from sneakernet.station_web import listen_warning

        try:
            warning = listen_warning(listen)
        except ValueError:
            raise UserError(
                f"--listen {listen} is not an IP address; give one such as 127.0.0.1"
            ) from None
    # With the page, the operator starts the station there (or with `s` here).
    station = Station(
        image, probe=probe, ports=ports, log_path=log, mode=Mode.READY if web else Mode.RUNNING
    )
    page = None
    if web:
        from sneakernet.station_web import StationWeb

        try:
            page = StationWeb(station, address=listen or "127.0.0.1", port=port)
        except OSError as exc:
            raise UserError(
                f"cannot serve the page on {listen or '127.0.0.1'}:{port}: {exc.strerror}; "
                "choose another --port or leave it out"
            ) from None
    until = threading.Event()
    interrupts = [0]

    def on_sigint(signum, frame) -> None:
        interrupts[0] += 1
        station.finish()
        until.set()
        if interrupts[0] > 1:
            station.stop_all()

    source = KernelDriveEvents()
    previous = signal.signal(signal.SIGINT, on_sigint)
    keys = _KEYS_HELP if ui.is_terminal() and sys.stdin.isatty() else ""
    ui.console.print(
        f"station: writing {image.name} ({human_size(station.image.size)}) to every drive "
        f"plugged in; log {log}. Ctrl-C: finish current drives; twice: stop them.{keys}"
    )
    if page is not None:
        if warning:
            ui.warn(warning)
        url = page.start()
        ui.out.print(f"station page: {url}", soft_wrap=True)
        ui.out.file.flush()
    try:
        if ui.is_terminal():
            from rich.live import Live

            with Live(station_table(station), console=ui.console, refresh_per_second=4) as live:
                station.on_change = lambda st: live.update(station_table(st))
                ticker = threading.Thread(target=_tick, args=(live, station, until), daemon=True)
                ticker.start()
                with _operator_keys(station, until):
                    totals = station.run(kernel_events(source, until), until)
                live.update(station_table(station))
        else:
            station.on_change = _plain_reporter()
            totals = station.run(kernel_events(source, until), until)
    finally:
        signal.signal(signal.SIGINT, previous)
        source.close()
        if page is not None:
            page.stop()
    failed = ", ".join(f"{why} {n}" for why, n in sorted(totals.failed.items())) or "none"
    ui.out.print(
        f"done {totals.done}, already verified {totals.already}, "
        f"failed {sum(totals.failed.values())} ({failed}), fakes found {totals.fakes}, "
        f"refused {totals.refused}"
    )


_KEYS_HELP = " Keys: s start, p pause, f finish current drives and take no new ones."


@contextlib.contextmanager
def _operator_keys(station: Station, until: threading.Event):
    """On a terminal: single keys drive the station's controls (s, p, f)."""
    if not sys.stdin.isatty():
        yield
        return
    import select
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    actions = {"s": station.start, "p": station.pause, "f": station.finish}

    def read_keys() -> None:
        while not until.is_set():
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                key = os.read(fd, 1).decode("ascii", "replace").lower()
                if key in actions:
                    actions[key]()

    tty.setcbreak(fd)
    reader = threading.Thread(target=read_keys, name="station keys", daemon=True)
    reader.start()
    try:
        yield
    finally:
        until.set()
        reader.join(1)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _tick(live, station: Station, until: threading.Event) -> None:
    while not until.wait(0.25):
        live.update(station_table(station))
    while station.busy:
        live.update(station_table(station))
        threading.Event().wait(0.25)


def _plain_reporter():
    """Without a terminal: one line per drive finished."""
    reported: set[int] = set()

    def report(station: Station) -> None:
        for drive in list(station.finished):
            if id(drive) not in reported:
                reported.add(id(drive))
                ui.console.print(
                    f"{drive.port} {drive.path}: {drive.result} {drive.reason}".strip()
                )

    return report


COMMANDS = {
    "station": Command(
        station_command,
        Arg("image", type=Path, metavar="IMAGE", help="Card image to write to every drive."),
        Arg(
            "--probe",
            choices=["quick", "full"],
            default="quick",
            help="Fake-capacity check: quick (rides along with the write) or full (first).",
        ),
        Arg(
            "--ports",
            metavar="PATTERN",
            default=None,
            help="Only drives whose port or device path matches this shell pattern.",
        ),
        Arg(
            "--log",
            type=Path,
            default=Path("station.log"),
            help="The operator's station log (never written to a card).",
        ),
        Arg(
            "--web",
            action="store_true",
            help="Also serve the station page on 127.0.0.1 (the URL with its token is printed).",
        ),
        Arg(
            "--port",
            type=int,
            default=0,
            help="Port of the station page (0: a free one).",
        ),
        Arg(
            "--listen",
            metavar="ADDR",
            default=None,
            help="Serve the page on this address instead of 127.0.0.1 (warns if not loopback).",
        ),
    ),
}
