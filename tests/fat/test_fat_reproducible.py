"""Same folder and options, same bytes: whatever the clock, time zone, path or listing order."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from fat_oracles import sha256

from conftest import run_cli

TEN_YEARS = 10 * 365 * 86400

# Loaded by every Python process started with this folder on PYTHONPATH:
# a clock ten years ahead and folders listed in shuffled order.
SITECUSTOMIZE = f"""
import datetime as _dt, os as _os, random as _random, time as _time

_SHIFT = {TEN_YEARS}
_time_time, _time_ns = _time.time, _time.time_ns
_time.time = lambda: _time_time() + _SHIFT
_time.time_ns = lambda: _time_ns() + _SHIFT * 10**9


class _Later(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return super().now(tz) + _dt.timedelta(seconds=_SHIFT)

    @classmethod
    def utcnow(cls):
        return super().utcnow() + _dt.timedelta(seconds=_SHIFT)

    @classmethod
    def today(cls):
        return cls.now()


_dt.datetime = _Later
_real_scandir, _real_listdir = _os.scandir, _os.listdir


class _Shuffled:
    def __init__(self, entries):
        self.entries = entries

    def __iter__(self):
        return iter(self.entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def _scandir(path="."):
    with _real_scandir(path) as it:
        entries = list(it)
    _random.Random(repr(path) + "salt").shuffle(entries)
    return _Shuffled(entries[::-1])


def _listdir(path="."):
    names = _real_listdir(path)
    _random.Random(repr(path)).shuffle(names)
    return names[::-1]


_os.scandir, _os.listdir = _scandir, _listdir
"""


def make_tree(root: Path) -> Path:
    files = {f"series/ep{i}.mp4": 700 * i for i in range(1, 13)}
    files.update({"노래/아리랑.mp3": 3000, "a.txt": 1, "B.txt": 2, "c/d/e/f.bin": 9999, "z.txt": 0})
    for rel, size in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(i % 253 for i in range(size)))
    return root


def test_rebuild_elsewhere_later_and_shuffled_is_byte_identical(tmp_path: Path):
    src = make_tree(tmp_path / "src")
    first = tmp_path / "first.img"
    args = ("--size", "48M", "--label", "DRAMA")
    assert run_cli("image", "build", src, "-o", first, *args).code == 0

    other = tmp_path / "another" / "machine" / "library"
    shutil.copytree(src, other)
    for path in other.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))  # different times on the originals
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    env = {"PYTHONPATH": str(hooks), "TZ": "Asia/Pyongyang"}

    # The hooks really are in effect in the child process.
    probe = subprocess.run(
        [sys.executable, "-c", f"import os, time; print(time.time(), os.listdir({str(other / 'series')!r}))"],
        capture_output=True, text=True, env={**os.environ, **env}, check=True,
    )  # fmt: skip
    now, listing = probe.stdout.split(" ", 1)
    import time

    assert float(now) > time.time() + TEN_YEARS - 60
    assert listing.strip() != repr(sorted(os.listdir(other / "series")))

    second = tmp_path / "second.img"
    result = run_cli("image", "build", other, "-o", second, *args, env=env)
    assert result.code == 0, result.stderr
    assert sha256(first) == sha256(second)

    # A different option gives a different card (the hash means something).
    third = tmp_path / "third.img"
    assert run_cli("image", "build", src, "-o", third, "--size", "48M").code == 0
    assert sha256(first) != sha256(third)
