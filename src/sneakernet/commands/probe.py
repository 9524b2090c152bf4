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
    """Media files: streams and profile compliance. Devices: fake-capacity test (destructive)."""
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
    media.probe_command([Path(t) for t in targets], profile_name, profile_file, as_json)


COMMANDS = {
    "probe": Command(
        probe_command,
        Arg("targets", nargs="+", metavar="TARGET", help="Media files, or block devices to test."),
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
