"""Terminal output shared by all commands.

Human output (tables, progress) goes to stderr through Rich so that stdout
stays clean for `--json`. Nothing here is ever written onto a card.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape


@dataclass
class _State:
    debug: bool = False


state = _State()
console = Console(stderr=True, highlight=False, emoji=False)
out = Console(highlight=False, emoji=False)


def error(message: str) -> None:
    """One line saying what is wrong and what to do."""
    console.print(f"[bold red]sneakernet: error:[/] {escape(message)}", markup=True, soft_wrap=True)


def warn(message: str) -> None:
    console.print(f"[yellow]warning:[/] {escape(message)}", markup=True, soft_wrap=True)


def info(message: str) -> None:
    console.print(message, markup=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, stable key order."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    sys.stdout.flush()
