"""Ogg Vorbis/Opus cleaning: comment headers (tags, pictures, vendor) emptied, packets untouched."""

from __future__ import annotations

import base64
import random
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
    packets,
)

from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file
from sneakernet.clean.formats.ogg import ogg_crc

TAGS = {"title": "PlantedSongQx", "artist": "PlantedSingerQx", "album": "PlantedAlbumQx",
        "track": "9", "comment": "PlantedCommentQx", "copyright": "PlantedLabelQx"}  # fmt: skip


def _picture_comment() -> str:
    """A METADATA_BLOCK_PICTURE large enough to span many Ogg pages."""
    noise = random.Random(7).randbytes(80_000)
    image = b"\x89PNG" + b"PlantedPictureQx" + noise
    block = struct.pack(">II", 3, 9) + b"image/png" + struct.pack(">I", 0)
    block += struct.pack(">IIIII", 1, 1, 24, 0, len(image)) + image
    return base64.b64encode(block).decode()


# The picture travels base64-encoded: a slice of that text is what must vanish.
DROPPED = ["PlantedCommentQx", "PlantedLabelQx", _picture_comment()[60:120]]


def _dirty(tmp_path: Path, name: str, codec: str) -> Path:
    return make_media(tmp_path / name, *audio_source(), "-c:a", codec, *metadata_args(TAGS),
                      "-metadata", f"METADATA_BLOCK_PICTURE={_picture_comment()}")  # fmt: skip


def _pages_valid(data: bytes) -> int:
    """Every page's checksum is right and sequence numbers run on per stream."""
    pos, count, expected = 0, 0, {}
    while pos < len(data):
        assert data[pos : pos + 4] == b"OggS"
        serial, sequence, crc = struct.unpack_from("<III", data, pos + 14)
        lacing = data[pos + 27 : pos + 27 + data[pos + 26]]
        length = 27 + len(lacing) + sum(lacing)
        page = bytearray(data[pos : pos + length])
        page[22:26] = bytes(4)
        assert ogg_crc(bytes(page)) == crc
        assert sequence == expected.get(serial, 0)
        expected[serial] = sequence + 1
        pos, count = pos + length, count + 1
    return count


@pytest.mark.parametrize(
    ("name", "codec", "label"), [("a.ogg", "libvorbis", "Vorbis"), ("a.opus", "libopus", "Opus")]
)
def test_ogg_comments_removed_packets_identical(
    tmp_path: Path, name: str, codec: str, label: str
) -> None:
    src = _dirty(tmp_path, name, codec)
    src.write_bytes(src.read_bytes() + b"PlantedTrailerQx")
    assert_planted(src, list(TAGS.values()) + DROPPED, ("Lavf", "Lavc"))
    assert _pages_valid(src.read_bytes()[: -len("PlantedTrailerQx")]) > 3
    fields = {f.field for f in inspect_file(src)}
    assert {
        f"{label}:Vendor",
        f"{label}:TITLE",
        f"{label}:METADATA_BLOCK_PICTURE",
        "trailing data",
    } <= fields

    dst = tmp_path / f"clean-{name}"
    assert clean_file(src, dst, CleanOptions()).cleaner == "ogg"

    assert_nothing_left(
        dst, [v for k, v in TAGS.items() if k != "track"] + DROPPED + ["PlantedTrailerQx"]
    )
    assert inspect_file(dst) == []
    _pages_valid(dst.read_bytes())
    # The demuxer shows the comment's picture as an extra stream; the audio must match.
    assert packets(dst) == [p for p in packets(src) if p[0] == 0]
    assert decoded_audio(dst) == decoded_audio(src)


def test_opus_keep_music_tags(tmp_path: Path) -> None:
    src = _dirty(tmp_path, "a.opus", "libopus")
    dst = tmp_path / "kept.opus"
    clean_file(src, dst, CleanOptions(keep_music_tags=True))
    shown = exiftool_tags(dst)
    assert all(v in shown for v in ("PlantedSongQx", "PlantedSingerQx", "PlantedAlbumQx"))
    assert_nothing_left(dst, DROPPED)
    assert sorted(f.field for f in inspect_file(dst)) == [
        "Opus:ALBUM", "Opus:ARTIST", "Opus:TITLE", "Opus:TRACKNUMBER",
    ]  # fmt: skip
    _pages_valid(dst.read_bytes())


def test_truncated_ogg_is_refused(tmp_path: Path) -> None:
    src = _dirty(tmp_path, "a.ogg", "libvorbis")
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(src.read_bytes()[:5000])
    with pytest.raises(CleanError, match="truncated Ogg"):
        clean_file(cut, tmp_path / "out.ogg", CleanOptions())


def test_ogg_theora_and_vorbis_streams_both_cleaned(tmp_path: Path) -> None:
    src = make_media(tmp_path / "clip.ogv", "-f", "lavfi", "-i", "testsrc=size=128x96:rate=10:duration=1",
                     *audio_source(), "-c:v", "libtheora", "-c:a", "libvorbis",
                     "-metadata", "title=PlantedTheoraQx")  # fmt: skip
    labels = {f.field.split(":")[0] for f in inspect_file(src)}
    assert {"Theora", "Vorbis"} <= labels
    dst = tmp_path / "clean.ogv"
    clean_file(src, dst, CleanOptions())
    assert_nothing_left(dst, ["PlantedTheoraQx"])
    _pages_valid(dst.read_bytes())
    assert packets(dst) == packets(src)
