"""Damaged files of every format: a clear CleanError, never a crash, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from clean_checks import cleaned_or_refused
from clean_corpus import build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sneakernet.clean import CleanError, inspect_file

KINDS = [
    "jpeg",
    "png",
    "gif",
    "webp",
    "tiff",
    "bmp",
    "pdf",
    "docx",
    "xlsx",
    "odt",
    "epub",
    "ass",
    "html",
]
KINDS += ["hwp", "hwpx", "doc", "xls", "ppt"]


class Corpus(dict):
    def __repr__(self) -> str:  # keep failure reports readable
        return f"Corpus({sorted(self)})"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    folder = tmp_path_factory.mktemp("corpus")
    return Corpus(
        {s.family + ":" + s.name: (folder / s.name).read_bytes() for s in build(folder, KINDS)}
    )


def _try(tmp: Path, data: bytes) -> None:
    src = tmp / "damaged"
    src.write_bytes(data)
    dst = tmp / "out"
    dst.unlink(missing_ok=True)
    try:
        inspect_file(src)
    except CleanError as exc:
        assert str(exc)
    cleaned_or_refused(src, dst)
    assert src.read_bytes() == data
    assert sorted(p.name for p in tmp.iterdir()) in (["damaged"], ["damaged", "out"])


# CLEAN_FUZZ_EXAMPLES=3000 for a longer search before a release.
@settings(
    max_examples=int(__import__("os").environ.get("CLEAN_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_truncated_or_corrupted_files_fail_cleanly(tmp_path_factory, corpus, data):
    key = data.draw(st.sampled_from(sorted(corpus)))
    original = corpus[key]
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(original) - 1))
        damaged = original[:cut]
    else:
        damaged = bytearray(original)
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(damaged) - 1))
            damaged[at] = data.draw(st.integers(0, 255))
        damaged = bytes(damaged)
    _try(tmp_path_factory.mktemp("case"), damaged)
