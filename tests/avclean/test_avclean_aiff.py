"""AIFF / AIFF-C cleaning: text chunks, comments, markers and ID3 removed; COMM and SSND copied."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from avclean_media import (
    assert_nothing_left,
    assert_planted,
    audio_source,
    decoded_audio,
    exiftool_tags,
    make_media,
    metadata_args,
)

from conftest import run_cli
from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file

TAGS = {"title": "PlantedSongQx", "artist": "PlantedSingerQx", "comment": "PlantedAnnoQx",
        "copyright": "PlantedOwnerQx"}  # fmt: skip
ADDED = ["PlantedAuthQx", "PlantedCommentQx", "PlantedMarkerQx", "PlantedAppQx"]
PLANTED = [*TAGS.values(), *ADDED]


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack(">I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")


def _chunks(data: bytes) -> dict[bytes, bytes]:
    found, pos = {}, 12
    while pos + 8 <= len(data):
        kind, size = struct.unpack_from(">4sI", data, pos)
        found[kind] = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    return found


def _plant(path: Path) -> Path:
    data = path.read_bytes()
    text = b"PlantedCommentQx"
    comt = struct.pack(">HIhH", 1, 3_700_000_000, 0, len(text)) + text  # a 2021 Mac date
    mark = struct.pack(">HhIB", 1, 1, 0, 15) + b"PlantedMarkerQx"
    extra = (
        _chunk(b"AUTH", b"PlantedAuthQx")
        + _chunk(b"COMT", comt)
        + _chunk(b"MARK", mark)
        + _chunk(b"APPL", b"pdosPlantedAppQx")
    )
    body = data[12:] + extra
    path.write_bytes(b"FORM" + struct.pack(">I", len(body) + 4) + data[8:12] + body + b"TrailQx")
    return path


@pytest.fixture(params=["pcm_s16be", "pcm_alaw"], ids=["aiff", "aifc"])
def dirty_aiff(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = make_media(tmp_path / "take.aiff", *audio_source(), "-c:a", request.param,
                      "-write_id3v2", "1", *metadata_args(TAGS))  # fmt: skip
    (tmp_path / "reference.aiff").write_bytes(path.read_bytes())
    return _plant(path)


def test_aiff_text_chunks_removed_samples_identical(dirty_aiff: Path, tmp_path: Path) -> None:
    assert_planted(dirty_aiff, PLANTED + ["TrailQx"], ("Lavf", "ID3 ", "NAME", "ANNO"))
    fields = {f.field for f in inspect_file(dirty_aiff)}
    assert {"AIFF:title", "AIFF:author", "AIFF:copyright", "AIFF:annotation", "AIFF:comments",
            "AIFF:MARK", "ID3v2:TPE1", "trailing data"} <= fields  # fmt: skip
    dst = tmp_path / "clean.aiff"
    assert clean_file(dirty_aiff, dst, CleanOptions()).cleaner == "aiff"
    assert_nothing_left(dst, PLANTED + ["TrailQx"])
    names = {line.split(":")[0].split("]")[1].strip() for line in exiftool_tags(dst).splitlines()}
    for tag in ("Name", "Author", "Copyright", "Annotation", "Comment", "Encoder Settings",
                "Title", "Artist", "Comment Time", "Marker Name"):  # fmt: skip
        assert tag not in names, names
    data = dst.read_bytes()
    assert struct.unpack_from(">I", data, 4)[0] == len(data) - 8
    original, cleaned = _chunks(dirty_aiff.read_bytes()), _chunks(data)
    assert set(cleaned) <= {b"COMM", b"SSND", b"FVER"}
    assert all(cleaned[k] == original[k] for k in cleaned), "kept chunks byte for byte"
    assert inspect_file(dst) == []
    assert decoded_audio(dst) == decoded_audio(tmp_path / "reference.aiff")


def test_aiff_keep_music_tags_keeps_name_and_author(dirty_aiff: Path, tmp_path: Path) -> None:
    dst = tmp_path / "kept.aiff"
    clean_file(dirty_aiff, dst, CleanOptions(keep_music_tags=True))
    shown = exiftool_tags(dst)
    assert "PlantedSongQx" in shown and "PlantedAuthQx" in shown
    assert_nothing_left(dst, ["PlantedAnnoQx", "PlantedOwnerQx", "PlantedCommentQx",
                              "PlantedMarkerQx", "PlantedAppQx", "PlantedSingerQx"])  # fmt: skip


def test_aiff_cli_and_truncation(dirty_aiff: Path, tmp_path: Path) -> None:
    result = run_cli("clean", "-o", tmp_path / "out", dirty_aiff)
    assert result.code == 0, result.stderr
    assert_nothing_left(tmp_path / "out" / "take.aiff", PLANTED)
    cut = tmp_path / "cut.aiff"
    cut.write_bytes(dirty_aiff.read_bytes()[:1000])
    with pytest.raises(CleanError, match="truncated AIFF"):
        clean_file(cut, tmp_path / "x.aiff", CleanOptions())
    result = run_cli("clean", "-o", tmp_path / "out2", cut)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out2" / "cut.aiff").exists()
