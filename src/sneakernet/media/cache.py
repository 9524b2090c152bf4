"""Finished outputs, stored by everything that decides their bytes.

The key covers the input's content hash, the profile, the subtitle file's
hash, the options and the tool versions, so a second run finds every output
already made and an interrupted run redoes only what was not finished.
Work happens under `tmp/` with the writer's process id in the name; only a
complete, checked file is renamed into `objects/`. Leftovers of a killed run
are removed when the next run starts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blake3

import sneakernet
from sneakernet.policy import PART_MARK, atomic_path


def default_cache_dir() -> Path:
    env = os.environ.get("SNEAKERNET_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sneakernet" / "media"


def file_hash(path: Path) -> str:
    """Content hash of an input, read through one reused 1 MiB buffer.

    One thread hashes faster than the disk reads (about 4 GB/s), and a reused
    buffer spares the page faults a fresh 8 MiB block costs on every read:
    half the CPU of threaded hashing of fresh blocks, a fixed cost of every item.
    """
    h = blake3.blake3(max_threads=1)
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buffer):
            h.update(view[:n])
    return h.hexdigest()


def make_key(**parts: Any) -> str:
    text = json.dumps({**parts, "sneakernet": sneakernet.__version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _pid_alive(pid: int) -> bool:
    """True while the process runs; a zombie (killed, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def remove_stale_parts(folder: Path) -> int:
    """Delete `*.part-<pid>*` files and folders whose writer is gone."""
    removed = 0
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        if PART_MARK not in entry.name:
            continue
        pid_text = entry.name.rsplit(PART_MARK, 1)[1].split(".")[0].split("-")[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)) and int(pid_text) != os.getpid():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


@dataclass
class Cache:
    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root).absolute()  # ffmpeg runs from the work folder
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def path(self, key: str, suffix: str) -> Path:
        return self.root / "objects" / key[:2] / f"{key}{suffix}"

    def has(self, key: str, suffix: str) -> bool:
        return self.path(key, suffix).is_file()

    def clean_leftovers(self) -> int:
        return remove_stale_parts(self.root / "tmp")

    @contextmanager
    def workspace(self, key: str) -> Iterator[Path]:
        """A private folder for one item's temporary files; removed afterwards."""
        folder = Path(
            tempfile.mkdtemp(prefix=f"{key[:16]}{PART_MARK}{os.getpid()}-", dir=self.root / "tmp")
        )
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def commit(self, key: str, suffix: str, finished: Path) -> Path:
        """Move a complete, checked file into the store (atomic rename)."""
        target = self.path(key, suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(finished, target)
        return target


def place(src: Path, dst: Path) -> None:
    """Put a copy of a cached file at `dst` without ever showing a partial file.

    A hard link when the cache and the output folder share a file system,
    else a copy under a temporary name, then a rename.
    """
    if dst.exists() and os.path.samefile(src, dst):
        return  # already there (renaming a link onto itself would do nothing)
    with atomic_path(dst) as tmp:
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
