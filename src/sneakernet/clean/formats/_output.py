"""Writing a cleaned file so that nothing half written looks finished."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sneakernet.clean.base import CleanError

COPY_CHUNK = 8 * 1024 * 1024


@contextmanager
def atomic_output(dst: Path) -> Iterator[BinaryIO]:
    """A file object for `dst`, written under a temporary name and renamed on success."""
    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.partial-{os.getpid()}")
    try:
        with open(tmp, "wb") as out:
            yield out
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
