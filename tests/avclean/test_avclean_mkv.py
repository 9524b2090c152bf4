"""Matroska cleaning: info, tags, track names, chapter titles, attachments, stream encoder strings."""

from __future__ import annotations

import zlib
from pathlib import Path

import av
import pytest
from avclean_media import (
    assert_nothing_left,
    assert_planted,
    audio_source,
    decode_all,
    decoded_audio,
    exiftool_tags,
    make_media,
    packets,
    video_source,
)

from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file
from sneakernet.clean.formats import _ebml

ASS = """[Script Info]
Title: PlantedSubTitleQx
Original Script: PlantedAuthorQx
ScriptType: v4.00+
PlayResX: 384

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,Hello
"""
FFMETADATA = """;FFMETADATA1
title=PlantedGlobalTitleQx
artist=PlantedArtistQx
[CHAPTER]
TIMEBASE=1/1000
START=0
END=500
title=PlantedChapterQx
"""
PLANTED = ["PlantedGlobalTitleQx", "PlantedArtistQx", "PlantedChapterQx", "PlantedTrackQx",
           "PlantedSubTitleQx", "PlantedAuthorQx", "PlantedNotesQx"]  # fmt: skip


@pytest.fixture
def dirty_mkv(tmp_path: Path) -> Path:
    (tmp_path / "subs.ass").write_text(ASS)
    (tmp_path / "meta.txt").write_text(FFMETADATA)
    (tmp_path / "font.ttf").write_bytes(b"\x00\x01\x00\x00fontbytes")
    (tmp_path / "notes.txt").write_text("PlantedNotesQx")
    return make_media(
        tmp_path / "dirty.mkv",
        *video_source(), *audio_source(),
        "-i", f"file:{tmp_path / 'subs.ass'}", "-i", f"file:{tmp_path / 'meta.txt'}",
        "-map", "0", "-map", "1", "-map", "2", "-map_metadata", "3", "-map_chapters", "3",
        "-c:v", "libx264", "-c:a", "aac", "-c:s", "ass",
        "-metadata:s:v", "title=PlantedTrackQx", "-metadata", "creation_time=2022-02-02T02:02:02Z",
        "-attach", f"file:{tmp_path / 'font.ttf'}", "-metadata:s:3", "mimetype=font/ttf",
        "-attach", f"file:{tmp_path / 'notes.txt'}", "-metadata:s:4", "mimetype=text/plain",
    )  # fmt: skip


def _crc_elements_valid(data: bytes) -> int:
    """Check every CRC-32 element against its master's following bytes; count them."""
    checked = 0

    def walk(payload: bytes, depth: int) -> None:
        nonlocal checked
        parts = _ebml.children(payload)
        if parts and parts[0][0] == _ebml.CRC32:
            rest = payload[len(_ebml.element(_ebml.CRC32, parts[0][1])) :]
            assert zlib.crc32(rest).to_bytes(4, "little") == parts[0][1]
            checked += 1
        for element_id, child in parts:
            if depth == 0 and element_id not in (0xEC, 0xBF):
                walk(child, 1)

    _, size, start = _ebml.header(data, 0)
    _, _, seg_start = _ebml.header(data, start + size)
    walk(data[seg_start:], 0)
    return checked


def test_mkv_every_planted_field_removed_streams_kept(dirty_mkv: Path, tmp_path: Path) -> None:
    assert_planted(dirty_mkv, PLANTED, ("x264", "Lavc", "Lavf", "fontbytes"))
    fields = " ".join(f.field for f in inspect_file(dirty_mkv))
    for expected in ("Title", "WritingApp", "DateUTC", "TrackName", "ChapterNames", "Attachment",
                     "Tag ARTIST", "encoder string"):  # fmt: skip
        assert expected in fields

    dst = tmp_path / "clean.mkv"
    assert clean_file(dirty_mkv, dst, CleanOptions()).cleaner == "matroska"

    assert_nothing_left(dst, PLANTED)
    assert "Date" not in exiftool_tags(dst)
    assert inspect_file(dst) == []
    data = dst.read_bytes()
    assert b"fontbytes" in data and b"PlayResX: 384" in data, "fonts and render settings kept"
    assert _crc_elements_valid(data) >= 3
    assert decode_all(dst) == decode_all(dirty_mkv)
    assert decoded_audio(dst) == decoded_audio(dirty_mkv)
    reference = make_media(tmp_path / "ref.mkv", "-i", f"file:{dirty_mkv}", "-map", "0:v",
                           "-c", "copy", "-bsf:v", "filter_units=remove_types=6")  # fmt: skip
    ours = packets(dst)
    assert [p[1] for p in ours if p[0] == 0] == [p[1] for p in packets(reference)]
    src = packets(dirty_mkv)
    assert [p for p in ours if p[0] == 2] == [p for p in src if p[0] == 2], "subtitles identical"
    audio_src, audio_dst = [p for p in src if p[0] == 1], [p for p in ours if p[0] == 1]
    assert audio_dst[1:] == audio_src[1:]
    with av.open(str(dst)) as container:  # cues still point at clusters
        container.seek(600_000)
        assert next(container.decode(video=0)) is not None


def test_truncated_mkv_is_refused(dirty_mkv: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(dirty_mkv.read_bytes()[:3000])
    with pytest.raises(CleanError, match="truncated Matroska"):
        clean_file(cut, tmp_path / "out.mkv", CleanOptions())
    assert not (tmp_path / "out.mkv").exists()


def test_webm_vp9_opus_is_cleaned(tmp_path: Path) -> None:
    src = make_media(
        tmp_path / "clip.webm", *video_source(), *audio_source(),
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus",
        "-metadata", "title=PlantedWebmQx", "-metadata:s:a", "title=PlantedVoiceQx",
    )  # fmt: skip
    assert_planted(src, ["PlantedWebmQx", "PlantedVoiceQx"], ("Lavf", "Lavc", "webm"))
    dst = tmp_path / "clean.webm"
    assert clean_file(src, dst, CleanOptions()).cleaner == "matroska"
    assert_nothing_left(dst, ["PlantedWebmQx", "PlantedVoiceQx"])
    assert dst.read_bytes()[:64].count(b"webm") == 1, "still a WebM document"
    assert packets(dst) == packets(src)


def test_matroska_audio_keep_music_tags(tmp_path: Path) -> None:
    tags = {"title": "PlantedSongQx", "artist": "PlantedSingerQx", "album": "PlantedAlbumQx",
            "track": "3", "comment": "PlantedCommentQx"}  # fmt: skip
    args = [a for k, v in tags.items() for a in ("-metadata", f"{k}={v}")]
    src = make_media(tmp_path / "song.mka", *audio_source(), "-c:a", "libopus", *args)
    dst = tmp_path / "kept.mka"
    clean_file(src, dst, CleanOptions(keep_music_tags=True))
    shown = exiftool_tags(dst)
    assert all(v in shown for v in ("PlantedSongQx", "PlantedSingerQx", "PlantedAlbumQx"))
    assert_nothing_left(dst, ["PlantedCommentQx"])
    assert packets(dst) == packets(src)
