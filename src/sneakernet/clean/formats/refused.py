"""Formats recognised only to be refused, each with the reason and what to do instead.

Without these, such a file would be "unknown", and `--allow-unknown` would
copy it as it is. A format listed here is never copied dirty: `clean`
refuses it with the reason, whatever the options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding


@dataclass(frozen=True)
class RefusedFormat:
    name: str
    matches: Callable[[bytes], bool]
    reason: str

    def sniff(self, head: bytes, path: Path) -> bool:
        return self.matches(head)

    def inspect(self, path: Path) -> list[Finding]:
        raise CleanError(self.reason)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        raise CleanError(self.reason)


mpeg_ps = RefusedFormat(
    "mpeg-ps",
    lambda head: head[:4] == b"\x00\x00\x01\xba",
    "MPEG program streams (.vob, .mpg) are not cleaned: the user data in their video and "
    "DVD navigation packets are not checked; convert the file with `prepare` or `make`, "
    "which read it",
)
