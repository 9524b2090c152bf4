"""Playback order: cheap players play a folder in directory-entry order.

Natural sort by default (`ep2` before `ep10`, case ignored), or an operator's
list of paths that come first, in the listed order.
"""

from __future__ import annotations

from pathlib import Path

from sneakernet.errors import UserError
from sneakernet.policy import natural_key


def read_order_file(path: Path) -> list[str]:
    """Relative paths, one per line; blank lines and '#' comments are ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read order file {str(path)!r}: {exc}") from None
    paths = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        clean = line.replace("\\", "/").strip("/")
        parts = clean.split("/")
        if line.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise UserError(
                f"order file {str(path)!r} line {number}: {line!r} is not a path relative to SRC"
            )
        paths.append(clean)
    return paths


class OrderRanks:
    """Rank of each listed path and of the folders that lead to it."""

    def __init__(self, paths: list[str]) -> None:
        self.listed = paths
        self.ranks: dict[str, int] = {}
        for rank, path in enumerate(paths):
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                self.ranks.setdefault("/".join(parts[:depth]), rank)
        self.seen: set[str] = set()

    def key(self, relative_path: str, card_name: str) -> tuple:
        rank = self.ranks.get(relative_path)
        if rank is not None:
            self.seen.add(relative_path)
            return (0, rank, natural_key(card_name))
        return (1, 0, natural_key(card_name))

    def check_all_found(self) -> None:
        for path in self.listed:
            if path not in self.seen:
                raise UserError(
                    f"--order lists {path!r}, which is not in SRC (or is OS debris left out); "
                    "fix the order file"
                )
