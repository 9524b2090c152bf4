"""Terminal output shared by all commands.

Human output (tables, progress) goes to stderr through Rich so that stdout
stays clean for `--json`. Nothing here is ever written onto a card.

Rich loads only when something is shown through it: `console` (stderr) and
`out` (stdout) are made on first use, and one-line messages to a stderr that
is not a terminal are written as plain text, as Rich would write them there.
A command run for its `--json` output therefore never loads Rich.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing is slow to import
if TYPE_CHECKING:
    from typing import Any

    from rich.console import Console

    console: Console
    out: Console
    Cell = str | tuple[str, str]  # text, or (text, Rich style) for a coloured cell


class _State:
    debug: bool = False


state = _State()

# Control codes Rich drops from printed text (bell, backspace, vertical tab,
# form feed, carriage return); the plain path drops them too.
_STRIP_CONTROL = dict.fromkeys((7, 8, 11, 12, 13))
_consoles: dict[str, Console] = {}


def __getattr__(name: str) -> Any:
    """`console` (stderr) and `out` (stdout): Rich consoles, made on first use."""
    if name not in ("console", "out"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _consoles:
        from rich.console import Console

        _consoles[name] = Console(stderr=name == "console", highlight=False, emoji=False)
    return _consoles[name]


def is_terminal() -> bool:
    """Whether stderr is a terminal (progress bars, colour), by Rich's rule."""
    if "console" in _consoles:
        return _consoles["console"].is_terminal
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _say(style: str, prefix: str, message: str) -> None:
    """A line on stderr: through Rich on a terminal (colour), else as plain text."""
    if "console" in _consoles or is_terminal():
        from rich.markup import escape

        line = f"[{style}]{escape(prefix)}[/]{escape(message)}" if style else message
        __getattr__("console").print(line, markup=bool(style), soft_wrap=True)
        return
    sys.stderr.write((prefix + message).translate(_STRIP_CONTROL).expandtabs(8) + "\n")
    sys.stderr.flush()


def table(columns: list[str], rows: list[list[Cell]]) -> None:
    """A table on stderr: Rich's, boxed and coloured, on a terminal; else plain
    columns two spaces apart, as a log or a pipe reads them best (and without
    loading Rich, a fixed cost of every `prepare` run from a script)."""
    if "console" in _consoles or is_terminal():
        from rich.markup import escape
        from rich.table import Table

        rich_table = Table(*columns)
        for row in rows:
            rich_table.add_row(
                *(f"[{c[1]}]{escape(c[0])}[/]" if isinstance(c, tuple) else escape(c) for c in row)
            )
        __getattr__("console").print(rich_table)
        return
    texts = [columns] + [[c[0] if isinstance(c, tuple) else c for c in row] for row in rows]
    widths = [max(len(row[n]) for row in texts) for n in range(len(columns))]
    for row in texts:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        sys.stderr.write(line.rstrip().translate(_STRIP_CONTROL) + "\n")
    sys.stderr.flush()


def error(message: str) -> None:
    """One line saying what is wrong and what to do."""
    _say("bold red", "sneakernet: error: ", message)


def warn(message: str) -> None:
    _say("yellow", "warning: ", message)


def info(message: str) -> None:
    _say("", "", message)


def confirm(question: str, default: bool = False) -> bool:
    """Ask a yes/no question on stderr and read the answer from stdin.

    `y`/`yes` or `n`/`no` (any case); an empty answer takes the default; anything
    else is asked again. End of input or Ctrl-C prints `Aborted.` and exits 1.
    """
    choices = "Y/n" if default else "y/N"
    while True:
        sys.stderr.write(f"{question} [{choices}]: ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline()
            if not answer:
                raise EOFError
        except (EOFError, KeyboardInterrupt):
            sys.stderr.write("Aborted.\n")
            sys.stderr.flush()
            raise SystemExit(1) from None
        answer = answer.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        if answer == "":
            return default
        sys.stderr.write("Error: invalid input\n")


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, stable key order."""
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    sys.stdout.flush()
