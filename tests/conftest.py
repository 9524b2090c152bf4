"""Shared test helpers.

External oracles (fsck.fat, mtools, exiftool, ...) are required, never
skipped: `make test` installs them, and a missing one is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str | os.PathLike,
    env: dict[str, str] | None = None,
    cwd=None,
    input: str | None = None,
    timeout: float = 600,
) -> CliResult:
    """Run the real `sneakernet` command in a subprocess, as an operator would."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "sneakernet", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        input=input,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def imported_modules(*args: str | os.PathLike) -> tuple[int, set[str]]:
    """Exit status and every module `python -X importtime -m sneakernet ARGS` imports."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sneakernet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in proc.stderr.splitlines() if line.startswith("import time:")]
    return proc.returncode, {line.rsplit("|", 1)[1].strip() for line in lines}


def within(modules: set[str], package: str) -> list[str]:
    """The modules that are `package` or inside it."""
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def require_tool(name: str) -> str:
    """Path of an oracle tool; fails the test loudly when it is missing."""
    path = shutil.which(name) or next(
        (p for p in (f"/sbin/{name}", f"/usr/sbin/{name}") if os.access(p, os.X_OK)), None
    )
    if path is None:
        pytest.fail(f"test oracle {name!r} is not installed; run `make test` to install it")
    return path


@pytest.fixture
def cli():
    return run_cli


def assert_user_error(result: CliResult, *fragments: str) -> None:
    """A refusal: exit status 2 and one clear line naming the problem."""
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interruptible_popen(*args, **kwargs) -> subprocess.Popen:
    """Start a command the test will interrupt with SIGINT, as Ctrl-C in a terminal does.

    A shell ignores SIGINT in what it starts in the background, and children inherit
    that: without this, a test run started with `&` would see Ctrl-C do nothing.
    """
    return subprocess.Popen(*args, preexec_fn=_default_sigint, **kwargs)
