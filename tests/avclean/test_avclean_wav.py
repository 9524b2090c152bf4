"""WAV cleaning: LIST/INFO, bext and iXML removed; fmt and data copied."""

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

from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file

TAGS = {"title": "PlantedSongQx", "artist": "PlantedSingerQx", "album": "PlantedAlbumQx",
        "comment": "PlantedCommentQx", "description": "PlantedBextQx",
        "originator": "PlantedStudioQx", "coding_history": "PlantedHistoryQx"}  # fmt: skip
DROPPED = [
    "PlantedCommentQx",
    "PlantedBextQx",
    "PlantedStudioQx",
    "PlantedHistoryQx",
    "PlantedIxmlQx",
]


@pytest.fixture
def dirty_wav(tmp_path: Path) -> Path:
    path = make_media(tmp_path / "take.wav", *audio_source(), "-c:a", "pcm_s16le",
                      "-write_bext", "1", *metadata_args(TAGS))  # fmt: skip
    data = bytearray(path.read_bytes())
    ixml = b"<BWFXML><PROJECT>PlantedIxmlQx</PROJECT></BWFXML>"
    data += b"iXML" + struct.pack("<I", len(ixml)) + ixml
    struct.pack_into("<I", data, 4, len(data) - 8)
    path.write_bytes(bytes(data) + b"PlantedTrailerQx")
    return path


def test_wav_metadata_chunks_removed_samples_identical(dirty_wav: Path, tmp_path: Path) -> None:
    assert_planted(dirty_wav, list(TAGS.values()) + DROPPED, ("Lavf", "bext", "LIST"))
    fields = {f.field for f in inspect_file(dirty_wav)}
    assert {"RIFF:INFO INAM", "RIFF:INFO ISFT", "RIFF:bext", "RIFF:iXML", "trailing data"} <= fields
    dst = tmp_path / "clean.wav"
    assert clean_file(dirty_wav, dst, CleanOptions()).cleaner == "wav"
    assert_nothing_left(dst, list(TAGS.values()) + DROPPED + ["PlantedTrailerQx"])
    data = dst.read_bytes()
    assert b"LIST" not in data and b"bext" not in data
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    assert inspect_file(dst) == []
    assert decoded_audio(dst) == decoded_audio(dirty_wav)


def test_wav_keep_music_tags(dirty_wav: Path, tmp_path: Path) -> None:
    dst = tmp_path / "kept.wav"
    clean_file(dirty_wav, dst, CleanOptions(keep_music_tags=True))
    shown = exiftool_tags(dst)
    assert all(v in shown for v in ("PlantedSongQx", "PlantedSingerQx", "PlantedAlbumQx"))
    assert_nothing_left(dst, DROPPED)


def test_truncated_wav_is_refused(dirty_wav: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.wav"
    cut.write_bytes(dirty_wav.read_bytes()[:1000])
    with pytest.raises(CleanError, match="truncated WAV"):
        clean_file(cut, tmp_path / "out.wav", CleanOptions())


def test_wav_keep_music_tags_keeps_korean_titles(tmp_path: Path) -> None:
    src = make_media(tmp_path / "song.wav", *audio_source(), "-c:a", "pcm_s16le",
                     *metadata_args({"title": "아리랑", "artist": "PlantedSingerQx"}))  # fmt: skip
    dst = tmp_path / "kept.wav"
    clean_file(src, dst, CleanOptions(keep_music_tags=True))
    assert "아리랑".encode() in dst.read_bytes()
    assert {f.value for f in inspect_file(dst)} == {"아리랑", "PlantedSingerQx"}
