"""Writing a cleaned file so that nothing half written looks finished."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


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
