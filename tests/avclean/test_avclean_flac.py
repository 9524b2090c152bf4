"""FLAC cleaning: Vorbis comments, vendor string, pictures, padding and ID3 tags removed."""

from __future__ import annotations

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
    packets,
)

from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file

TAGS = {"title": "PlantedSongQx", "artist": "PlantedSingerQx", "album": "PlantedAlbumQx",
        "track": "4", "comment": "PlantedCommentQx", "encoded_by": "PlantedRipperQx"}  # fmt: skip
DROPPED = ["PlantedCommentQx", "PlantedRipperQx", "PlantedId3Qx", "PlantedJunkQx"]


@pytest.fixture
def dirty_flac(tmp_path: Path) -> Path:
    cover = make_media(tmp_path / "cover.png", "-f", "lavfi", "-i", "color=c=green:s=16x16",
                       "-frames:v", "1")  # fmt: skip
    path = make_media(
        tmp_path / "song.flac", *audio_source(), "-i", f"file:{cover}", "-map", "0", "-map", "1",
        "-c:a", "flac", "-c:v", "png", "-disposition:v", "attached_pic", *metadata_args(TAGS),
    )  # fmt: skip
    # Some taggers put an ID3v2 tag in front of FLAC and ID3v1 after it.
    id3 = b"ID3\x03\x00\x00\x00\x00\x00\x17" + b"TIT2\x00\x00\x00\x0d\x00\x00\x00PlantedId3Qx"
    v1 = b"TAG" + b"PlantedId3Qx".ljust(125, b"\x00")
    path.write_bytes(id3 + path.read_bytes() + b"PlantedJunkQx" + v1)
    return path


def test_flac_tags_pictures_vendor_removed_audio_identical(
    dirty_flac: Path, tmp_path: Path
) -> None:
    assert_planted(dirty_flac, list(TAGS.values()) + DROPPED, ("Lavf",))
    fields = {f.field for f in inspect_file(dirty_flac)}
    assert {
        "Vorbis:Vendor",
        "Vorbis:TITLE",
        "FLAC:Picture",
        "ID3v2:TIT2",
        "ID3v1:title",
        "File:TrailingData",
    } <= fields
    dst = tmp_path / "clean.flac"
    assert clean_file(dirty_flac, dst, CleanOptions()).cleaner == "flac"
    assert_nothing_left(dst, [v for k, v in TAGS.items() if k != "track"] + DROPPED)
    assert inspect_file(dst) == []
    ours, theirs = packets(dst), [p for p in packets(dirty_flac) if p[0] == 0]
    # The demuxer glues the appended bytes and ID3v1 tag onto the input's last frame.
    assert ours[:-1] == theirs[:-1] and theirs[-1][1].startswith(ours[-1][1])
    assert decoded_audio(dst) == decoded_audio(dirty_flac)


def test_flac_keep_music_tags(dirty_flac: Path, tmp_path: Path) -> None:
    dst = tmp_path / "kept.flac"
    clean_file(dirty_flac, dst, CleanOptions(keep_music_tags=True))
    shown = exiftool_tags(dst)
    assert "PlantedSongQx" in shown and "PlantedSingerQx" in shown and "PlantedAlbumQx" in shown
    assert_nothing_left(dst, DROPPED)
    assert sorted(f.field for f in inspect_file(dst)) == [
        "Vorbis:ALBUM", "Vorbis:ARTIST", "Vorbis:TITLE", "Vorbis:TRACKNUMBER",
    ]  # fmt: skip


def test_flac_cut_inside_metadata_is_refused(dirty_flac: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.flac"
    cut.write_bytes(dirty_flac.read_bytes()[:300])
    with pytest.raises(CleanError, match="truncated FLAC"):
        clean_file(cut, tmp_path / "out.flac", CleanOptions())
