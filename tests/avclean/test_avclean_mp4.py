"""MP4/MOV/M4A cleaning, judged by exiftool, the bytes, PyAV and ffmpeg's own SEI filter."""

from __future__ import annotations

import hashlib
import struct
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
    metadata_args,
    packets,
    video_source,
)

from conftest import run_cli
from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file

PLANTED = {
    "title": "PlantedTitleQx",
    "artist": "PlantedArtistQx",
    "comment": "PlantedCommentQx",
    "copyright": "PlantedCopyrightQx",
    "location": "+39.0392+125.7625/",
    "creation_time": "2023-04-05T06:07:08Z",
}
PLANTED_STRINGS = [v for k, v in PLANTED.items() if k != "creation_time"] + [
    "PlantedHandlerQx",
    "PlantedXmpQx",
    "PlantedTrailerQx",
]


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", len(payload) + 8, kind) + payload


def _dirty_movie(path: Path, *codec: str, fmt: str = "mp4", faststart: bool = False) -> Path:
    # MP4 gets its tags as QuickTime keys (meta/keys/ilst) too, so both layouts are covered.
    keys = (
        ["-movflags", "+use_metadata_tags" + ("+faststart" if faststart else "")]
        if fmt == "mp4"
        else []
    )
    make_media(
        path,
        *video_source(),
        *audio_source(),
        *codec,
        "-c:a", "aac",
        *metadata_args(PLANTED),
        "-metadata:s:v", "handler_name=PlantedHandlerQx",
        *keys,
        "-f", fmt,
    )  # fmt: skip
    xmp = b"\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xac<x:xmpmeta>PlantedXmpQx"
    with open(path, "ab") as f:
        f.write(_box(b"uuid", xmp))
        f.write(b"PlantedTrailerQx" + b"\x00" * 7)
    return path


def _ffmpeg_sei_reference(src: Path, dst: Path) -> list[tuple[int, bytes]]:
    """Packets after ffmpeg's own filter drops SEI NAL units: an independent oracle."""
    make_media(dst, "-i", f"file:{src}", "-map", "0", "-c", "copy",
               "-bsf:v", "filter_units=remove_types=6")  # fmt: skip
    return packets(dst)


def _clean(src: Path, tmp_path: Path, name: str = "clean.mp4", **opts) -> Path:
    dst = tmp_path / name
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    report = clean_file(src, dst, CleanOptions(**opts))
    assert report.cleaner == "mp4"
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before, "original modified"
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    return dst


def test_mp4_h264_aac_loses_every_planted_field_and_encoder_string(tmp_path: Path) -> None:
    src = _dirty_movie(tmp_path / "dirty.mp4", "-c:v", "libx264")
    assert_planted(src, PLANTED_STRINGS, ("x264", "Lavc", "Lavf"))
    found = " ".join(f"{f.field} {f.value}" for f in inspect_file(src))
    for expected in (
        "x264",
        "Lavc",
        "PlantedHandlerQx",
        "PlantedTitleQx",
        "2023-04-05",
        "trailing data",
    ):
        assert expected in found

    dst = _clean(src, tmp_path)

    assert_nothing_left(dst, PLANTED_STRINGS)
    assert "2023" not in exiftool_tags(dst)
    assert inspect_file(dst) == []
    assert decode_all(dst) == decode_all(src)
    # Video: exactly what ffmpeg's filter_units leaves after dropping the SEI.
    reference = _ffmpeg_sei_reference(src, tmp_path / "ref.mp4")
    ours = packets(dst)
    assert [p for p in ours if p[0] == 0] == [p for p in reference if p[0] == 0]
    # Audio: every packet identical but the first (its encoder fill element
    # is gone), and the decoded samples are identical.
    src_audio = [p for p in packets(src) if p[0] == 1]
    dst_audio = [p for p in ours if p[0] == 1]
    assert dst_audio[1:] == src_audio[1:] and dst_audio[0] != src_audio[0]
    assert decoded_audio(dst) == decoded_audio(src)


def test_mov_hevc_is_cleaned_and_deterministic(tmp_path: Path) -> None:
    # A timecode track (tmcd) records a time of day: it must go with its reference.
    src = _dirty_movie(tmp_path / "dirty.mov", "-c:v", "libx265", "-x265-params", "log-level=none",
                       "-timecode", "13:14:15:01", fmt="mov")  # fmt: skip
    assert_planted(src, PLANTED_STRINGS, ("x265", "FFMP", "tmcd"))
    assert "QuickTime:Track" in {f.field for f in inspect_file(src)}
    first = _clean(src, tmp_path, "a.mov")
    second = _clean(src, tmp_path, "b.mov")
    assert first.read_bytes() == second.read_bytes()
    assert_nothing_left(first, PLANTED_STRINGS, ("x265", "Lavc", "Lavf", "FFMP", "tmcd"))
    assert decode_all(first) == decode_all(src)
    src_video = [p for p in packets(src) if p[0] == 0]
    dst_video = [p for p in packets(first) if p[0] == 0]
    assert len(src_video) == len(dst_video)
    assert sum(a != b for a, b in zip(src_video, dst_video, strict=True)) <= 1


def _dirty_m4a(tmp_path: Path) -> Path:
    cover = make_media(tmp_path / "cover.png", "-f", "lavfi", "-i", "color=c=red:s=16x16",
                       "-frames:v", "1")  # fmt: skip
    src = make_media(
        tmp_path / "song.m4a",
        *audio_source(), "-i", f"file:{cover}",
        "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "png", "-disposition:v", "attached_pic",
        *metadata_args({"title": "PlantedSongQx", "album": "PlantedAlbumQx", "artist": "PlantedSingerQx",
                        "track": "5", "comment": "PlantedNoteQx"}),
    )  # fmt: skip
    return src


def test_m4a_cover_art_and_tags_removed(tmp_path: Path) -> None:
    src = _dirty_m4a(tmp_path)
    assert_planted(
        src, ["PlantedSongQx", "PlantedAlbumQx", "PlantedSingerQx", "PlantedNoteQx"], ("covr",)
    )
    dst = _clean(src, tmp_path, "clean.m4a")
    assert_nothing_left(
        dst, ["PlantedSongQx", "PlantedAlbumQx", "PlantedSingerQx", "PlantedNoteQx", "covr"]
    )
    assert decoded_audio(dst) == decoded_audio(src)


def test_m4a_keep_music_tags(tmp_path: Path) -> None:
    src = _dirty_m4a(tmp_path)
    dst = _clean(src, tmp_path, "kept.m4a", keep_music_tags=True)
    shown = exiftool_tags(dst)
    for kept in ("PlantedSongQx", "PlantedAlbumQx", "PlantedSingerQx", "Track Number"):
        assert kept in shown
    assert_nothing_left(dst, ["PlantedNoteQx", "covr"])
    assert sorted(f.field for f in inspect_file(dst)) == [
        "QuickTime:trkn", "QuickTime:©ART", "QuickTime:©alb", "QuickTime:©nam",
    ]  # fmt: skip
    assert decoded_audio(dst) == decoded_audio(src)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (
            _box(b"ftyp", b"isom\x00\x00\x02\x00isom") + _box(b"mdat", b"\x00" * 64),
            "no movie header",
        ),
        (
            _box(b"ftyp", b"isom\x00\x00\x02\x00isom")
            + struct.pack(">I4s", 5000, b"moov")
            + b"\x00" * 40,
            "truncated",
        ),
    ],
)
def test_malformed_mp4_raises_clean_error(tmp_path: Path, content: bytes, message: str) -> None:
    src = tmp_path / "bad.mp4"
    src.write_bytes(content)
    with pytest.raises(CleanError, match=message):
        clean_file(src, tmp_path / "out.mp4", CleanOptions())
    assert not [p for p in tmp_path.iterdir() if p.name != "bad.mp4"]
    assert src.read_bytes() == content


def test_truncated_mdat_raises_clean_error(tmp_path: Path) -> None:
    full = make_media(tmp_path / "full.mp4", *video_source(), "-c:v", "libx264",
                      "-movflags", "+faststart")  # fmt: skip
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(CleanError, match="truncated"):
        clean_file(cut, tmp_path / "out.mp4", CleanOptions())
    assert not (tmp_path / "out.mp4").exists()


def test_cli_cleans_a_movie_named_like_an_option(tmp_path: Path) -> None:
    src = _dirty_movie(tmp_path / "-rf movie.mp4", "-c:v", "libx264", faststart=True)
    assert src.read_bytes().find(b"moov") < src.read_bytes().find(b"mdat"), "movie header first"
    out = tmp_path / "out"
    result = run_cli("clean", "-o", out, "--", src)
    assert result.code == 0, result.stderr
    assert_nothing_left(out / src.name, PLANTED_STRINGS)
    reference = _ffmpeg_sei_reference(src, tmp_path / "ref.mp4")
    assert [p for p in packets(out / src.name) if p[0] == 0] == [p for p in reference if p[0] == 0]


def test_mp4_chapter_titles_blanked_marks_kept(tmp_path: Path) -> None:
    chapters = tmp_path / "chapters.txt"
    chapters.write_text(
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=PlantedChapterQx\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=PlantedSecondQx\n"
    )
    src = make_media(tmp_path / "chapters.mp4", *video_source(), "-i", f"file:{chapters}",
                     "-map", "0", "-map_chapters", "1", "-c:v", "libx264")  # fmt: skip
    assert_planted(src, ["PlantedChapterQx", "PlantedSecondQx"])
    assert "QuickTime:ChapterTitle" in {f.field for f in inspect_file(src)}
    dst = _clean(src, tmp_path)
    assert_nothing_left(dst, ["PlantedChapterQx", "PlantedSecondQx"])
    with av.open(str(dst)) as container:
        assert [c["start"] for c in container.chapters()] == [0, 500]


def test_mp4_subtitle_and_opus_entries_survive_intact(tmp_path: Path) -> None:
    srt = tmp_path / "subs.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,900\nHello\n")
    src = make_media(
        tmp_path / "mixed.mp4", *video_source(), *audio_source(), "-i", f"file:{srt}",
        "-map", "0", "-map", "1", "-map", "2",
        "-c:v", "libx264", "-c:a", "libopus", "-c:s", "mov_text",
        "-metadata:s:s", "handler_name=PlantedSubHandlerQx",
    )  # fmt: skip
    dst = _clean(src, tmp_path)
    assert_nothing_left(dst, ["PlantedSubHandlerQx"])
    ours, theirs = packets(dst), packets(src)
    assert [p for p in ours if p[0] != 0] == [p for p in theirs if p[0] != 0], "audio, subtitles"
    assert decoded_audio(dst) == decoded_audio(src)
    with av.open(str(dst)) as container:
        assert [s.codec_context.name for s in container.streams] == ["h264", "opus", "mov_text"]


def test_mov_handler_vendor_code_naming_the_camera_maker_removed(tmp_path: Path) -> None:
    src = make_media(tmp_path / "camera.mov", *video_source(), *audio_source(),
                     "-c:v", "libx264", "-c:a", "aac", "-f", "mov")  # fmt: skip
    data = bytearray(src.read_bytes())
    # Every handler box gets the vendor code a Panasonic camera writes ("pana").
    count = 0
    at = data.find(b"hdlr")
    while at >= 0:
        data[at + 16 : at + 20] = b"pana"
        count += 1
        at = data.find(b"hdlr", at + 4)
    src.write_bytes(bytes(data))
    assert count >= 2
    shown = exiftool_tags(src)
    assert "Handler Vendor ID" in shown and "Panasonic" in shown
    assert "QuickTime:HandlerVendorID" in {f.field for f in inspect_file(src)}
    dst = tmp_path / "clean.mov"
    clean_file(src, dst, CleanOptions())
    assert "Panasonic" not in exiftool_tags(dst)
    assert b"pana" not in dst.read_bytes()
    assert inspect_file(dst) == []
    assert decode_all(dst) == decode_all(src)


def test_media_formats_hint_cleans_the_same_bytes_and_refuses_other_formats(
    tmp_path: Path,
) -> None:
    """prepare checks its output through the media cleaners alone: the same clean copy
    as with every cleaner offered, and a file of another kind is an error, never copied."""
    from sneakernet.clean.registry import MEDIA_FORMATS

    dirty = _dirty_movie(tmp_path / "dirty.mp4", "-c:v", "libx264")
    clean_file(dirty, tmp_path / "all.mp4")
    report = clean_file(dirty, tmp_path / "hinted.mp4", formats=MEDIA_FORMATS)
    assert report.cleaner == "mp4"
    assert (tmp_path / "hinted.mp4").read_bytes() == (tmp_path / "all.mp4").read_bytes()
    assert_nothing_left(tmp_path / "hinted.mp4", PLANTED_STRINGS)
    picture = tmp_path / "photo.png"
    make_media(picture, *video_source(), "-frames:v", "1", "-f", "image2")
    with pytest.raises(CleanError, match="not one of the expected formats"):
        clean_file(picture, tmp_path / "out.png", formats=MEDIA_FORMATS)
    assert not (tmp_path / "out.png").exists()
    assert not list(tmp_path.glob(".sneakernet-*"))


def test_media_formats_hint_loads_no_other_cleaner(tmp_path: Path) -> None:
    """Naming the formats imports only their modules (prepare's fixed cost per item)."""
    import subprocess
    import sys

    dirty = _dirty_movie(tmp_path / "dirty.mp4", "-c:v", "libx264")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sneakernet.clean import clean_file\n"
        "from sneakernet.clean.registry import MEDIA_FORMATS\n"
        f"clean_file(Path({str(dirty)!r}), Path({str(tmp_path / 'out.mp4')!r}), "
        "formats=MEDIA_FORMATS)\n"
        "loaded = {m.rsplit('.', 1)[1] for m in sys.modules "
        "if m.startswith('sneakernet.clean.formats.')}\n"
        "print(' '.join(sorted(loaded)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(proc.stdout.split())
    assert "mp4" in loaded
    assert not loaded & {"pdf", "office", "odf", "epub", "zim", "html", "jpeg", "heif", "svg"}
