"""The command line itself, from the operator's side: help, usage errors, what loads."""

from __future__ import annotations

import inspect
import io
import json
import pkgutil
import re
import sys
from pathlib import Path

import pytest

import sneakernet.commands
from conftest import assert_user_error, imported_modules, run_cli, within
from sneakernet import cli, ui


def command_modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(sneakernet.commands.__path__)]


def test_the_table_in_cli_is_exactly_what_the_command_modules_define():
    defined: dict[str, tuple[str, str]] = {}
    for name in command_modules():
        module = __import__(f"sneakernet.commands.{name}", fromlist=["COMMANDS"])
        for command, spec in module.COMMANDS.items():
            assert command not in defined, f"{command} is defined twice"
            defined[command] = (name, spec.summary)
    assert defined == cli.COMMANDS


def all_commands():
    for name in command_modules():
        module = __import__(f"sneakernet.commands.{name}", fromlist=["COMMANDS"])
        stack = [(f"sneakernet {n}", c) for n, c in module.COMMANDS.items()]
        while stack:
            prog, command = stack.pop()
            yield prog, command
            stack += [(f"{prog} {n}", c) for n, c in command.commands.items()]


def test_every_argument_reaches_its_function():
    for prog, command in all_commands():
        if command.run is None:
            continue
        parser = command.parser(prog)
        dests = {action.dest for action in parser._actions if action.dest != "help"}
        assert dests == set(inspect.signature(command.run).parameters), prog


def test_help_lists_every_command_with_its_summary():
    result = run_cli("--help", env={"COLUMNS": "200"})  # no summary wrapped
    assert result.code == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: sneakernet")
    for name, (_, summary) in cli.COMMANDS.items():
        assert re.search(rf"^  {re.escape(name)} +{re.escape(summary)}$", result.stdout, re.M)
    assert "--debug" in result.stdout
    assert run_cli("-h", env={"COLUMNS": "200"}).stdout == result.stdout


def test_no_command_prints_the_help_with_status_2():
    result = run_cli()
    assert result.code == 2 and "probe-device" in result.stdout
    family = run_cli("image")
    assert family.code == 2 and "extract" in family.stdout


@pytest.mark.parametrize(
    "argv",
    [[name] for name in cli.COMMANDS]
    + [["image", "build"], ["image", "ls"], ["image", "extract"], ["plan", "show"]],
    ids=" ".join,
)
def test_every_command_has_help(argv):
    for flag in ("--help", "-h"):
        result = run_cli(*argv, flag)
        assert result.code == 0, result.stderr
        assert result.stdout.startswith(f"usage: sneakernet {' '.join(argv)}")


def test_help_keeps_descriptions_option_texts_and_defaults():
    wide = {"COLUMNS": "200"}  # nothing wrapped
    build = run_cli("image", "build", "--help", env=wide).stdout
    assert "Build a card image of SRC: reproducible" in build
    assert "Volume label (up to 11 ASCII characters)." in build
    assert "-o IMAGE, --output IMAGE" in build
    plan = run_cli("plan", "--help", env=wide).stdout
    assert "show" in plan and "KIND=P% (at least)" in plan
    assert "[default: 1]" in plan and "[default: 0.01]" in plan
    assert "[default: quick]" in run_cli("write", "--help", env=wide).stdout


USAGE_ERRORS = [
    (
        ["image", "build"],
        [
            "sneakernet image build: error: the following arguments are required: SRC",
            "(see 'sneakernet image build --help')",
        ],
    ),
    (["image", "build", "src", "-o", "card.img"], ["required: --size"]),
    (["probe-device", "--jobs", "0", "/dev/null"], ["-j/--jobs", "'0'", "at least 1"]),
    (["write", "--probe", "bogus", "a.img", "/dev/null"], ["invalid choice: 'bogus'"]),
    (["add", "--priority", "11", "x"], ["from 1 to 10"]),
    (["plan", "--gap", "much"], ["--gap", "'much'"]),
    (["ls", "--project"], ["expected one argument"]),
    (["ls", "--no-such-option"], ["unrecognized arguments: --no-such-option"]),
    (["devices", "extra"], ["unrecognized arguments: extra"]),
    (["no-such-command"], ["sneakernet: error: unknown command 'no-such-command'"]),
    (["prob"], ["did you mean 'probe'?"]),
    (["image", "bulid"], ["sneakernet image: error: unknown command 'bulid'"]),
    (["--verbose", "ls"], ["unrecognized arguments: --verbose"]),
    (["ls", "--debug"], ["unrecognized arguments: --debug"]),
]


@pytest.mark.parametrize(
    "argv, fragments", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS]
)
def test_usage_error_is_one_line_with_status_2(argv, fragments):
    result = run_cli(*argv)
    assert_user_error(result, *fragments)
    assert result.stdout == ""


def test_user_error_is_one_line_and_debug_shows_the_trace(tmp_path):
    plain = run_cli("ls", "--project", tmp_path)
    assert_user_error(plain, "sneakernet: error:", "not a sneakernet project")
    traced = run_cli("--debug", "ls", "--project", tmp_path)
    assert traced.code == 1 and "Traceback" in traced.stderr and "UserError" in traced.stderr


def test_repeated_options_and_options_between_arguments():
    from sneakernet.commands import clean, media

    prepare = media.COMMANDS["prepare"].parser("sneakernet prepare")
    args = prepare.parse_interleaved(
        ["a.mkv", "-o", "out", "b.mkv", "--profile", "notel"]
        + ["--profile-file", "x.toml", "--profile-file", "y.toml", "-j", "2"]
    )
    assert args.sources == [Path("a.mkv"), Path("b.mkv")] and args.outdir == Path("out")
    assert args.profile_file == [Path("x.toml"), Path("y.toml")] and args.workers == 2
    assert args.subtitle_mode == "auto" and args.dask is None and not args.as_json
    cleaning = clean.COMMANDS["clean"].parser("sneakernet clean")
    assert cleaning.parse_interleaved(["-o", "out", "--", "-odd.jpg"]).sources == [Path("-odd.jpg")]


HEAVY = ("rich", "sneakernet.media", "sneakernet.fat", "sneakernet.clean", "typer", "click")


def test_help_loads_no_command_module():
    code, modules = imported_modules("--help")
    assert code == 0 and "sneakernet.cli" in modules
    assert within(modules, "sneakernet.commands") == []
    for package in HEAVY:
        assert within(modules, package) == []


def test_probe_device_help_loads_only_its_own_command():
    code, modules = imported_modules("probe-device", "--help")
    assert code == 0
    assert within(modules, "sneakernet.commands") == [
        "sneakernet.commands",
        "sneakernet.commands.devices",
    ]
    for package in HEAVY:
        assert within(modules, package) == []


def test_json_output_loads_no_rich():
    code, modules = imported_modules("devices", "--json")
    assert code == 0 and "sneakernet.devices.discovery" in modules
    assert within(modules, "rich") == []
    code, modules = imported_modules("profiles", "--json")
    assert code == 0 and "sneakernet.media.profiles" in modules
    assert within(modules, "rich") == [] and within(modules, "sneakernet.devices") == []


MESSAGES = ["plain", "tab\tthere", "cr\rbell\a", "[bold]not markup[/]", "한국어 ✓", "", "a\nb"]


@pytest.mark.parametrize("message", MESSAGES)
def test_messages_off_a_terminal_are_what_rich_would_write(message, monkeypatch):
    from rich.console import Console
    from rich.markup import escape

    expected = io.StringIO()  # what ui.error wrote through Rich before it went plain
    Console(file=expected, highlight=False, emoji=False).print(
        f"[bold red]sneakernet: error:[/] {escape(message)}", markup=True, soft_wrap=True
    )
    got = io.StringIO()
    monkeypatch.setattr(sys, "stderr", got)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    ui.error(message)
    assert got.getvalue() == expected.getvalue()


@pytest.mark.parametrize(
    "typed, answer, shown",
    [
        ("y\n", True, ""),
        ("YES\n", True, ""),
        ("n\n", False, ""),
        ("\n", False, ""),
        ("maybe\nyes\n", True, "Error: invalid input\n"),
    ],
)
def test_confirm_reads_the_answer_from_stdin(typed, answer, shown, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    assert ui.confirm("Go on?") is answer
    err = capsys.readouterr().err
    assert err.startswith("Go on? [y/N]: ") and shown in err


def test_confirm_aborts_at_the_end_of_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as stop:
        ui.confirm("Go on?")
    assert stop.value.code == 1
    assert capsys.readouterr().err == "Go on? [y/N]: Aborted.\n"


def test_json_goes_to_stdout_alone():
    result = run_cli("profiles", "--json")
    assert result.code == 0 and result.stderr == ""
    assert "notel" in json.loads(result.stdout)
