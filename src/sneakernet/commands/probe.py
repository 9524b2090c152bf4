"""`sneakernet probe`: one name, two questions, told apart by the target.

On media files it asks what the file holds and whether a profile's players
can play it (read-only). On block devices it asks whether the capacity is
real, which overwrites the device, so that path keeps every safety check and
confirmation of `probe-device`. A call naming both kinds is refused rather
than guessed at.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sneakernet.cliparse import Arg, Command, flag
from sneakernet.commands import devices, media
from sneakernet.errors import UserError

# Both command modules are light to import: the device stack loads only for
# devices, and the media stack only for media files.


def _is_block_device(target: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(target).st_mode)
    except OSError:
        return False


def _is_zim(target: str) -> bool:
    try:
        with open(target, "rb") as f:
            return f.read(4) == (72173914).to_bytes(4, "little")
    except OSError:
        return False


def probe_zims(targets: list[str], as_json: bool) -> None:
    """Articles, media, size without pictures, metadata of each ZIM."""
    from dataclasses import asdict

    from sneakernet import ui
    from sneakernet.sizes import human_size
    from sneakernet.zim import format as zf
    from sneakernet.zim.probe import probe

    results, errors = [], {}
    for target in targets:
        try:
            found = probe(Path(target))
        except zf.ZimError as exc:
            errors[target] = str(exc)
            continue
        results.append(found)
        if as_json:
            continue
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(target), title_justify="left", box=None, show_header=False)
        table.add_column("what", no_wrap=True)
        table.add_column("value", overflow="fold")
        rows = [
            ("size", f"{human_size(found.size)} ({found.size:,} bytes)"),
            ("articles", f"{found.articles:,} (and {found.redirects:,} redirects)"),
            ("pictures and media", f"{found.media:,}, {human_size(found.media_bytes)}"),
            ("size without pictures", f"about {human_size(found.size_without_media)}"),
            ("other files", f"{found.other_files:,} (stylesheets, scripts, fonts...)"),
            ("main page", found.main_page or "none"),
            ("search", ", ".join(
                n for n, on in (("full text", found.fulltext_index), ("titles", found.title_index))
                if on) or "none"),
            ("UUID", found.uuid),
        ] + [(f"M/{k}", v) for k, v in sorted(found.metadata.items())]  # fmt: skip
        for what, value in rows:
            table.add_row(escape(what), escape(value))
        ui.console.print(table)
    for target, message in errors.items():
        ui.error(f"{target}: {message}")
    if as_json:
        ui.print_json({"files": [asdict(r) for r in results], "errors": errors})
    if errors:
        raise SystemExit(2)


def probe_command(
    targets: list[str],
    profile_name: str | None,
    profile_file: list[Path],
    full: bool,
    jobs: int | None,
    yes: bool,
    force_non_removable: bool,
    as_json: bool,
) -> None:
    """Media files: streams and profile compliance. Devices: fake-capacity test (destructive).

    ZIM encyclopedias: articles, media, size without pictures and metadata.
    """
    block = [t for t in targets if _is_block_device(t)]
    if block and len(block) != len(targets):
        raise UserError(
            f"{block[0]} is a block device and the other targets are not: "
            "probe media files and devices in separate calls"
        )
    if block:
        if profile_name or profile_file:
            raise UserError("--profile is for media files, not block devices: leave it out")
        devices.probe_devices(block, full, jobs, yes, force_non_removable, as_json)
        return
    if full or yes or force_non_removable or jobs is not None:
        raise UserError("--full, --yes, --jobs and --force-non-removable are for block devices")
    zims = [t for t in targets if _is_zim(t)]
    if zims and len(zims) != len(targets):
        raise UserError(
            f"{zims[0]} is a ZIM encyclopedia and the other targets are not: "
            "probe ZIM files and media files in separate calls"
        )
    if zims:
        if profile_name or profile_file:
            raise UserError("--profile is for media files, not ZIM encyclopedias: leave it out")
        probe_zims(zims, as_json)
        return
    media.probe_command([Path(t) for t in targets], profile_name, profile_file, as_json)


COMMANDS = {
    "probe": Command(
        probe_command,
        Arg(
            "targets",
            nargs="+",
            metavar="TARGET",
            help="Media files, ZIM encyclopedias, or block devices to test.",
        ),
        Arg(
            "--profile",
            dest="profile_name",
            metavar="NAME",
            help="Files: also say whether each complies with this profile.",
        ),
        media.PROFILE_FILE_ARG,
        flag("--full", help="Devices: write and read back the whole device (slow; wipes it)."),
        *devices.OVERWRITE_ARGS,
    ),
}
