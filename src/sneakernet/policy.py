"""Rules every stage shares, each written once.

- `debris_reason` / `is_debris`: the one table of names operating systems
  leave behind. `image build` leaves them off a card, `add` and `clean` skip
  them, `audit` flags them, all from this table.
- `natural_key`: the one playback order (`ep2` before `ep10`, case ignored,
  ties broken by the exact name), used by the planner and by `image build`.
- `atomic_path` / `atomic_write`: the one way to write a file so that nothing
  half-written is ever left looking finished.
- `operator_file_reason` / `is_project_folder` / `is_cache_folder`: sneakernet's
  own bookkeeping (project settings, catalog, plans, card manifests) and
  caches, recognised by name and by content. `add` never takes them, `audit`
  flags them.
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


# sneakernet's own files: the operator's bookkeeping, never for a card.
PROJECT_CONFIG = "sneakernet.toml"
PROJECT_STATE = ".sneakernet"
PLAN_FORMAT = "sneakernet-plan"
MANIFEST_FORMAT = "sneakernet-card-manifest"
_FORMAT_VALUE = re.compile(rb'"format"\s*:\s*"(sneakernet-[a-z-]+)"')
_SQLITE = b"SQLite format 3\x00"
_CATALOG_MARK = b"CREATE TABLE items ("
# Cache folders carry this file (https://bford.info/cachedir/).
CACHEDIR_TAG = "CACHEDIR.TAG"
CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
_JSON_SCAN = 64 * 1024 * 1024  # JSON larger than this is not one of ours


def operator_name_reason(name: str) -> str | None:
    """Why a file or folder name is sneakernet's own bookkeeping, or None."""
    if name == PROJECT_CONFIG:
        return "sneakernet project settings (names the operator's setup)"
    if name == PROJECT_STATE:
        return "sneakernet's catalog and cache (the operator's whole library)"
    return None


def operator_file_reason(path: Path, name: str | None = None) -> str | None:
    """Why the file at `path` (called `name`) is sneakernet's own bookkeeping, or None.

    By name (`sneakernet.toml`, anything named `.sneakernet`) and by content,
    whatever it is called: a plan, a card manifest (JSON with their "format"),
    a catalog (SQLite holding sneakernet's items table).
    """
    reason = operator_name_reason(Path(path).name if name is None else name)
    if reason is not None:
        return reason
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            if head.startswith(_SQLITE):
                if _CATALOG_MARK in head + f.read(64 * 1024):
                    return "a sneakernet catalog (the operator's library: paths, hashes)"
                return None
            if not head.lstrip()[:1] == b"{":
                return None
            data = head + f.read(_JSON_SCAN)
    except OSError:
        return None
    for match in _FORMAT_VALUE.finditer(data):
        kind = match.group(1).decode()
        if kind == PLAN_FORMAT:
            return "a sneakernet plan (lists what the operator's cards hold)"
        if kind == MANIFEST_FORMAT:
            return "a sneakernet card manifest (the operator's record of a card)"
        return f"a sneakernet file ({kind}): the operator's bookkeeping"
    return None


def is_project_folder(folder: Path) -> bool:
    """Whether `folder` is a sneakernet project (holds sneakernet.toml)."""
    return (Path(folder) / PROJECT_CONFIG).is_file()


def is_cache_folder(folder: Path) -> bool:
    """Whether `folder` is marked as a cache (a CACHEDIR.TAG with its signature)."""
    try:
        with open(Path(folder) / CACHEDIR_TAG, "rb") as f:
            return f.read(len(CACHEDIR_SIGNATURE)) == CACHEDIR_SIGNATURE
    except OSError:
        return False


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
