"""The `sneakernet` command.

Each command lives in a module of `sneakernet.commands`, whose `COMMANDS`
maps the command's name to its `cliparse.Command`. The table below names
every command with its module and summary, so that `sneakernet --help` lists
them without loading any and `sneakernet CMD ...` loads only CMD's module
(tests/test_cli.py keeps the table and the modules in step). This module
also turns errors into one line and an exit status.
"""

from __future__ import annotations

import os
import sys

from sneakernet import ui
from sneakernet.cliparse import Parser
from sneakernet.errors import UserError

DESCRIPTION = "Turn a media library into clean, reproducible cards for closed countries."

# name -> (module under sneakernet.commands, summary), in the order `--help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("library", "Create a project: sneakernet.toml and the catalog in .sneakernet/."),
    "add": ("library", "Record originals in the catalog (they stay where they are)."),
    "ls": ("library", "List the items: kind, duration, sizes, priority, tags, group, state."),
    "rm": ("library", "Remove items from the catalog (the originals are not touched)."),
    "set": (
        "library",
        "Change priority, tags or series of items, or let an encyclopedia fill cards.",
    ),
    "plan": ("plan", "Choose what goes on a card of a given size, exactly to the byte."),
    "make": ("make", "Prepare what the plan needs, plan, build one image per card, audit each."),
    "profiles": ("media", "List device profiles: what each class of players can play."),
    "prepare": (
        "media",
        "Make files the profile's devices play: remux what complies, encode the rest.",
    ),
    "probe": (
        "probe",
        "Media files: streams and profile compliance. Devices: fake-capacity test (destructive).",
    ),
    "image": ("image", "Build, list and extract FAT32 card images."),
    "clean": (
        "clean",
        "Write cleaned copies: metadata, Red Star marks and hidden trailing data removed.",
    ),
    "inspect": (
        "clean",
        "List what an inspector could read from each file: field, value, why it matters.",
    ),
    "audit": (
        "clean",
        "Look at a card as an inspector would. Exit 0: nothing found, 1: findings, 2: error.",
    ),
    "devices": ("devices", "List block devices that could be cards (loop devices included)."),
    "write": ("devices", "Write IMAGE to every device at once: image, zeros to the end, verified."),
    "verify": ("devices", "Read devices back and check they hold exactly IMAGE followed by zeros."),
    "wipe": ("devices", "Overwrite whole devices (zeros, or keyed random) and read them back."),
    "probe-device": ("devices", "Detect counterfeit capacity (destroys the data on the device)."),
    "station": (
        "station",
        "Write IMAGE to every drive plugged in, each at its own pace, until Ctrl-C.",
    ),
    "demo": (
        "demo",
        "Build a card image from generated sample files, list it, and show it is reproducible.",
    ),
}


def root_parser() -> Parser:
    parser = Parser(
        "sneakernet",
        DESCRIPTION,
        {name: summary for name, (_, summary) in COMMANDS.items()},
        usage="%(prog)s [-h] [--debug] COMMAND ...",
        epilog="Run 'sneakernet COMMAND --help' for what a command takes.",
    )
    parser.add_argument("--debug", action="store_true", help="Show the full trace on errors.")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit status 2.

    Usage errors are reported by the command-line parser (one line, status 2).
    """
    options, name, rest = root_parser().split_command(sys.argv[1:] if argv is None else list(argv))
    ui.state.debug = options.debug
    try:
        # __import__ rather than importlib.import_module: the same import, but
        # `python -X importtime` reports it.
        module = __import__(f"sneakernet.commands.{COMMANDS[name][0]}", fromlist=["COMMANDS"])
        module.COMMANDS[name].invoke(f"sneakernet {name}", rest)
    except UserError as exc:
        if ui.state.debug:
            raise
        ui.error(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # Whoever read our output went away (`| head`): stop quietly, as `head` expects.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        # Last resort for a file the command could not read or write: one line, not a trace.
        if ui.state.debug or exc.filename is None or exc.strerror is None:
            raise
        ui.error(
            f"{exc.filename}: {exc.strerror}; check the path, its permissions and the free space"
        )
        sys.exit(UserError.exit_code)
