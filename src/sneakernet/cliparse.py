"""Command-line parsing for `sneakernet`: argparse with one-line errors.

A command is a `Command`: the function that runs it, its arguments (`Arg`,
given to `ArgumentParser.add_argument` as they are) and, for a family such as
`image`, its sub-commands. The function is called with one keyword argument
per argument's `dest`. Parsers are built only for the command being run, so
a command costs only the imports it makes itself.

Mistakes on the command line are one line on stderr and exit status 2:
`sneakernet image build: error: the following arguments are required: SRC
(see 'sneakernet image build --help')`.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Mapping

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing is slow to import
if TYPE_CHECKING:
    from typing import Any, NoReturn


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, showing a default when there is one worth showing."""

    def __init__(self, prog: str) -> None:
        # argparse makes a formatter for every argument added and would import
        # shutil each time to ask for the terminal's width; ask once, without it.
        super().__init__(prog, max_help_position=30, width=_terminal_columns() - 2)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = (action.help or "").replace("%", "%%")  # help texts are %-formatted
        default = action.default
        worth_showing = default is not None and default is not False and default != []
        if worth_showing and default is not argparse.SUPPRESS:
            if action.option_strings or action.nargs == "?":
                text += " [default: %(default)s]"
        return text


@functools.cache
def _terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, and whose help lists its commands."""

    def __init__(
        self,
        prog: str,
        description: str | None = None,
        commands: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            prog=prog,
            description=description,
            formatter_class=HelpFormatter,
            allow_abbrev=False,
            **kwargs,
        )
        self.commands = dict(commands or {})

    def error(self, message: str) -> NoReturn:
        message = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def format_help(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups)
        formatter.add_text(self.description)
        if self.commands:
            formatter.start_section("commands")
            formatter.add_arguments(
                [argparse.Action([], name, help=summary) for name, summary in self.commands.items()]
            )
            formatter.end_section()
        for group in self._action_groups:
            formatter.start_section(group.title)
            formatter.add_text(group.description)
            formatter.add_arguments(group._group_actions)
            formatter.end_section()
        formatter.add_text(self.epilog)
        return formatter.format_help()

    def parse_interleaved(self, argv: list[str]) -> argparse.Namespace:
        """Arguments with options anywhere among the positionals (`clean a -o out b`).

        A plain parse first, so that everything missing is named at once; what it
        leaves over is parsed again with the positionals gathered from everywhere.
        """
        namespace, extras = self.parse_known_args(argv)
        if extras:
            namespace = self.parse_intermixed_args(argv)
        return namespace

    def split_command(self, argv: list[str]) -> tuple[argparse.Namespace, str, list[str]]:
        """Options before the command, the command's name, and the arguments after it.

        Without a command the help is printed and the exit status is 2.
        """
        i = 0
        while i < len(argv) and argv[i].startswith("-") and argv[i] not in ("-", "--"):
            i += 1
        options = self.parse_args(argv[:i])  # -h, --help and unknown options end here
        rest = argv[i:]
        if rest[:1] == ["--"]:
            rest = rest[1:]
        if not rest:
            self.print_help()
            self.exit(2)
        name = rest[0]
        if name not in self.commands:
            from difflib import get_close_matches

            close = get_close_matches(name, self.commands, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.error(f"unknown command {name!r}{hint}")
        return options, name, rest[1:]


class Arg:
    """One argument: `ArgumentParser.add_argument(*flags, **options)`."""

    __slots__ = ("flags", "options")

    def __init__(self, *flags: str, **options: Any) -> None:
        self.flags = flags
        self.options = options


class Command:
    """What a command runs, its arguments, and its sub-commands (if it has any).

    The description is `description` or the docstring of `run`; its first
    paragraph is the summary shown in lists of commands.
    """

    def __init__(
        self,
        run: Callable[..., object] | None,
        *args: Arg,
        description: str | None = None,
        commands: Mapping[str, Command] | None = None,
    ) -> None:
        self.run = run
        self.args = args
        self.description = description or (run.__doc__ if run else None) or ""
        self.commands = dict(commands or {})

    @property
    def summary(self) -> str:
        return " ".join(self.description.strip().split("\n\n")[0].split())

    def parser(self, prog: str) -> Parser:
        commands = {name: command.summary for name, command in self.commands.items()}
        parser = Parser(prog, self.description, commands)
        for arg in self.args:
            parser.add_argument(*arg.flags, **arg.options)
        if self.commands and self.run is None:
            parser.usage = "%(prog)s [-h] COMMAND ..."
        elif self.commands:  # its own options, or one of its commands
            own = parser.format_usage().removeprefix("usage: ").rstrip().replace("%", "%%")
            parser.usage = own + "\n       %(prog)s COMMAND ..."
        return parser

    def invoke(self, prog: str, argv: list[str]) -> None:
        """Parse `argv` for this command (or the sub-command it names) and run it."""
        if self.run is None:
            _, name, rest = self.parser(prog).split_command(argv)
            self.commands[name].invoke(f"{prog} {name}", rest)
        elif argv[:1] and argv[0] in self.commands:
            self.commands[argv[0]].invoke(f"{prog} {argv[0]}", argv[1:])
        else:
            self.run(**vars(self.parser(prog).parse_interleaved(argv)))


def flag(*flags: str, help: str, dest: str | None = None) -> Arg:
    """An option that is off unless given."""
    return Arg(*flags, action="store_true", help=help, **({"dest": dest} if dest else {}))


def json_flag(help: str, dest: str = "as_json") -> Arg:
    """`--json`: results for scripts on stdout (human output stays on stderr)."""
    return flag("--json", help=help, dest=dest)


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` (to `high`)."""
    wanted = f"from {low} to {high}" if high is not None else f"of at least {low}"

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number {wanted}")
        return value

    return convert


def float_range(low: float) -> Callable[[str], float]:
    """An argparse type: a number of at least `low`."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not value >= low:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of at least {low:g}")
        return value

    return convert
