"""The `sneakernet` command.

Each command family lives in `sneakernet.commands.<family>` and registers its
commands on the root app; this module only wires them together and turns
errors into one line and an exit status.
"""

from __future__ import annotations

import importlib
import sys

import typer

from sneakernet import ui
from sneakernet.errors import UserError

# Command families, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "library",
    "plan",
    "make",
    "media",
    "probe",
    "image",
    "clean",
    "devices",
    "demo",
)

app = typer.Typer(
    name="sneakernet",
    help="Turn a media library into clean, reproducible cards for closed countries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full trace on errors."),
) -> None:
    ui.state.debug = debug


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"sneakernet.commands.{name}")
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit status 2.

    Usage errors are reported by the command-line parser itself (status 2).
    """
    try:
        app(args=argv, prog_name="sneakernet")
    except UserError as exc:
        if ui.state.debug:
            raise
        ui.error(str(exc))
        sys.exit(exc.exit_code)
