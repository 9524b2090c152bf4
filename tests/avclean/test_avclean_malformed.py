"""Damaged audio/video files: every cleaner refuses with CleanError, never crashes.

Small valid files of each container are cut short or have bytes overwritten
at random (Hypothesis); inspect and clean must either succeed or raise
CleanError, and a failed clean leaves no output behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from avclean_corpus import build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sneakernet.clean import registry
from sneakernet.clean.base import CleanError, CleanOptions

_CORPUS: dict[str, bytes] = {}


def _corpus() -> dict[str, bytes]:
    if not _CORPUS:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "dirty"
            for sample in build(folder):
                _CORPUS[sample.name] = (folder / sample.name).read_bytes()
    return _CORPUS


NAMES = ["movie.mp4", "movie.mov", "song.m4a", "movie.mkv", "song.mp3", "song.flac",
         "song.ogg", "song.opus", "take.wav", "clip.avi", "song.aac", "song.aiff", "clip.flv", "clip.ts", "clip.wmv"]  # fmt: skip


def _check(name: str, data: bytes, options: CleanOptions) -> None:
    work = Path(tempfile.mkdtemp())
    try:
        src = work / name
        src.write_bytes(data)
        cleaner = registry.choose(src)
        if cleaner is None:
            return  # no longer recognisable: refused as unknown by the caller
        try:
            cleaner.inspect(src)
        except CleanError as exc:
            assert str(exc), "a refusal says why"
        dst = work / ("out-" + name)
        try:
            cleaner.clean(src, dst, options)
        except CleanError as exc:
            assert str(exc)
            assert not dst.exists()
            assert [p.name for p in work.iterdir()] == [name], "no partial output left"
        else:
            _check_clean_output(dst, options)
        assert src.read_bytes() == data, "original untouched"
    finally:
        shutil.rmtree(work)


def _check_clean_output(dst: Path, options: CleanOptions) -> None:
    """A damaged file that cleans must give an output that re-inspects clean."""
    again = registry.choose(dst)
    if again is None:
        return  # too damaged to be recognised again: clean_file's check refuses it
    try:
        left = [f for f in again.inspect(dst) if not f.kept]
    except CleanError:
        return  # unreadable again: clean_file's check refuses it
    if not options.keep_music_tags:
        assert left == [], f"cleaned copy still shows {left[0].field}"


# CLEAN_FUZZ_EXAMPLES=3000 for a longer search before a release.
@pytest.mark.parametrize("name", NAMES)
@settings(
    max_examples=int(os.environ.get("CLEAN_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_damaged_files_are_refused_cleanly(name: str, data: st.DataObject) -> None:
    original = _corpus()[name]
    damage = data.draw(st.sampled_from(["cut", "overwrite", "both"]))
    blob = bytearray(original)
    if damage in ("overwrite", "both"):
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(blob) - 1))
            blob[at] = data.draw(st.integers(0, 255))
    if damage in ("cut", "both"):
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    _check(name, bytes(blob), CleanOptions(keep_music_tags=data.draw(st.booleans())))
