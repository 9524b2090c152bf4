"""Writing a cleaned file so that nothing half written looks finished."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from sneakernet import policy
from sneakernet.clean.base import CleanError

COPY_CHUNK = 8 * 1024 * 1024


def atomic_output(dst: Path):
    """The shared atomic writer without fsync: `clean_file` syncs the final copy once."""
    return policy.atomic_output(dst, sync=False)


def file_size(path: Path) -> int:
    return os.stat(path).st_size


def copy_range(f: BinaryIO, out: BinaryIO, start: int, end: int) -> None:
    """Copy bytes start..end of f to out in large blocks."""
    f.seek(start)
    remaining = end - start
    while remaining > 0:
        block = f.read(min(COPY_CHUNK, remaining))
        if not block:
            raise CleanError("the file shrank while being read")
        out.write(block)
        remaining -= len(block)


def reader(f: BinaryIO):
    """read_at(pos, length) over an open file."""

    def read_at(pos: int, length: int) -> bytes:
        f.seek(pos)
        return f.read(length)

    return read_at
