"""MP3 cleaning: ID3v2, ID3v1, APEv2, cover art and the LAME encoder name removed."""

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
    packets,
)

from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file

TAGS = {
    "title": "PlantedSongQx",
    "artist": "PlantedSingerQx",
    "album": "PlantedAlbumQx",
    "track": "7",
    "comment": "PlantedCommentQx",
    "publisher": "PlantedPublisherQx",
    "date": "2019",
}
PLANTED = [v for k, v in TAGS.items() if k not in ("track", "date")] + [
    "PlantedApeQx",
    "PlantedJunkQx",
]
MARKERS = ("Lavf", "Lavc", "LAME3", "LAME4", "(alpha")


def _ape_tag(items: dict[str, str]) -> bytes:
    body = b"".join(
        struct.pack("<II", len(v.encode()), 0) + k.encode() + b"\x00" + v.encode()
        for k, v in items.items()
    )
    size = len(body) + 32

    def block(flags: int) -> bytes:
        return b"APETAGEX" + struct.pack("<IIII", 2000, size, len(items), flags) + bytes(8)

    return block(0xA0000000) + body + block(0x80000000)


@pytest.fixture
def dirty_mp3(tmp_path: Path) -> Path:
    cover = make_media(tmp_path / "cover.png", "-f", "lavfi", "-i", "color=c=blue:s=16x16",
                       "-frames:v", "1")  # fmt: skip
    path = make_media(
        tmp_path / "song.mp3",
        *audio_source(), "-i", f"file:{cover}", "-map", "0", "-map", "1",
        "-c:a", "libmp3lame", "-ac", "2", "-c:v", "png", "-disposition:v", "attached_pic",
        "-id3v2_version", "3", "-write_id3v1", "1", *metadata_args(TAGS),
    )  # fmt: skip
    data = path.read_bytes()
    assert data[-128:-125] == b"TAG"
    ape = _ape_tag({"Comment": "PlantedApeQx", "Artist": "PlantedSingerQx"})
    # Junk between the ID3v2 tag and the first frame, as some tools leave.
    id3_end = 10 + sum((data[6 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
    (tmp_path / "reference.mp3").write_bytes(data)  # as the encoder wrote it: what players hear
    path.write_bytes(data[:id3_end] + b"PlantedJunkQx" * 4 + data[id3_end:-128] + ape + data[-128:])
    return path


def test_mp3_every_tag_and_encoder_name_removed_frames_kept(
    dirty_mp3: Path, tmp_path: Path
) -> None:
    assert_planted(dirty_mp3, PLANTED, ("Lavf", "Lavc", "APIC", "TAG", "APETAGEX"))
    fields = {f.field for f in inspect_file(dirty_mp3)}
    assert {
        "ID3v2:APIC",
        "ID3v1:title",
        "APEv2:Comment",
        "MPEG:Encoder",
        "MPEG:AncillaryData",
    } <= fields

    dst = tmp_path / "clean.mp3"
    report = clean_file(dirty_mp3, dst, CleanOptions())

    assert report.cleaner == "mp3"
    assert_nothing_left(dst, PLANTED, MARKERS)
    for marker in (b"ID3", b"APETAGEX", b"TAG", b"APIC"):
        assert marker not in dst.read_bytes()
    assert "ID3" not in exiftool_tags(dst)
    assert inspect_file(dst) == []
    # Frames keep their size and audio bits; only ancillary bytes (LAME's name) are zeroed.
    reference = dirty_mp3.with_name("reference.mp3")
    ours, theirs = packets(dst), [p for p in packets(reference) if p[0] == 0]
    assert [len(p[1]) for p in ours] == [len(p[1]) for p in theirs]
    assert all(a[1][:4] == b[1][:4] for a, b in zip(ours, theirs, strict=True))
    assert decoded_audio(dst) == decoded_audio(dirty_mp3.with_name("reference.mp3"))


def test_keep_music_tags_keeps_exactly_four_fields(dirty_mp3: Path, tmp_path: Path) -> None:
    dst = tmp_path / "kept.mp3"
    clean_file(dirty_mp3, dst, CleanOptions(keep_music_tags=True))
    shown = exiftool_tags(dst)
    for kept in ("PlantedSongQx", "PlantedSingerQx", "PlantedAlbumQx"):
        assert kept in shown
    assert_nothing_left(
        dst, ["PlantedCommentQx", "PlantedPublisherQx", "PlantedApeQx", "2019"], MARKERS
    )
    assert sorted(f.field for f in inspect_file(dst)) == [
        "ID3v2:TALB", "ID3v2:TIT2", "ID3v2:TPE1", "ID3v2:TRCK",
    ]  # fmt: skip
    assert decoded_audio(dst) == decoded_audio(dirty_mp3.with_name("reference.mp3"))


def test_truncated_mp3_tag_is_refused(dirty_mp3: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(dirty_mp3.read_bytes()[:200])  # inside the ID3v2 tag (cover art)
    with pytest.raises(CleanError, match="MP3 tag.*past the end"):
        clean_file(cut, tmp_path / "out.mp3", CleanOptions())
    assert not (tmp_path / "out.mp3").exists()
