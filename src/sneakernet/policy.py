"""Rules every stage shares, each written once.

- `debris_reason` / `is_debris`: the one table of names operating systems
  leave behind. `image build` leaves them off a card, `add` and `clean` skip
  them, `audit` flags them, all from this table.
- `natural_key`: the one playback order (`ep2` before `ep10`, case ignored,
  ties broken by the exact name), used by the planner and by `image build`.
- `atomic_path` / `atomic_write`: the one way to write a file so that nothing
  half-written is ever left looking finished.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

# Names (compared ignoring case) operating systems leave behind; each tells
# what kind of computer, and sometimes which user, handled the media.
DEBRIS: dict[str, str] = {
    ".ds_store": "macOS folder settings",
    ".trashes": "macOS trash (deleted files)",
    ".trash": "macOS or Linux trash (deleted files)",
    ".spotlight-v100": "macOS search index (file names and content)",
    ".fseventsd": "macOS file-system change log",
    ".temporaryitems": "macOS temporary files",
    ".documentrevisions-v100": "macOS old versions of documents",
    ".metadata_never_index": "macOS indexing marker",
    ".apdisk": "macOS shared-disk settings",
    ".volumeicon.icns": "macOS volume icon",
    "__macosx": "macOS resource forks unpacked from an archive",
    "thumbs.db": "Windows thumbnail cache (pictures of files, even deleted ones)",
    "ehthumbs.db": "Windows Media Center thumbnail cache",
    "desktop.ini": "Windows folder settings",
    "system volume information": "Windows restore and indexing data",
    "$recycle.bin": "Windows recycle bin (deleted files)",
    "recycler": "Windows recycle bin (deleted files)",
    "recycled": "Windows 9x recycle bin (deleted files)",
}
# Name prefixes (compared ignoring case), with their reasons.
DEBRIS_PREFIXES: dict[str, str] = {
    "._": "macOS resource fork (names the Mac that wrote it)",
    ".trash-": "Linux trash of one user (deleted files; the number is the user id)",
}


def debris_reason(name: str) -> str | None:
    """Why a file or folder name is OS debris, or None when it is not."""
    folded = name.casefold()
    if folded in DEBRIS:
        return DEBRIS[folded]
    for prefix, reason in DEBRIS_PREFIXES.items():
        if folded.startswith(prefix):
            return reason
    return None


def is_debris(name: str) -> bool:
    return debris_reason(name) is not None


_DIGITS = re.compile(r"([0-9]+)")


def natural_key(name: str) -> tuple:
    """Sort key: runs of digits compare as numbers, text ignoring case.

    A total order: names equal as numbers and folded text (`ep01`, `ep1`,
    `EP1`) are ordered by their folded then their exact spelling.
    """
    parts = _DIGITS.split(name)
    key = tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts))
    return (key, name.casefold(), name)


PART_MARK = ".part-"  # in the name of every file still being written


def part_name(dst: Path) -> Path:
    """The temporary name for `dst` while it is written: hidden, same folder."""
    return dst.with_name(f".{dst.name}{PART_MARK}{os.getpid()}")


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(dst: Path, *, sync: bool = True) -> Iterator[Path]:
    """A temporary path beside `dst` for a writer that needs a path.

    When the block ends normally the file is fsynced and renamed onto `dst`
    (then the folder is fsynced); on any error it is removed and `dst` is
    left as it was.
    """
    dst = Path(dst)
    tmp = part_name(dst)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        if sync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync:
        fsync_dir(dst.parent if str(dst.parent) else Path("."))


@contextmanager
def atomic_output(dst: Path, *, sync: bool = True) -> Iterator[BinaryIO]:
    """A binary file object for `dst`, written under a temporary name."""
    with atomic_path(dst, sync=sync) as tmp, open(tmp, "wb") as out:
        yield out


def atomic_write(dst: Path, data: bytes | str, *, sync: bool = True) -> None:
    """Write `data` (str as UTF-8) to `dst` all at once or not at all."""
    with atomic_output(dst, sync=sync) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)
