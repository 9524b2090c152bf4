"""FLV cleaning: onMetaData keeps what players need; encoder strings leave the streams."""

from __future__ import annotations

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

TAGS = {"title": "PlantedTitleQx", "artist": "PlantedArtistQx", "comment": "PlantedCommentQx"}
KEPT = ("Duration", "Image Width", "Image Height", "Frame Rate", "Video Codec ID",
        "Audio Codec ID", "Audio Sample Rate")  # fmt: skip


def _script_tag(name: str, text: str, timestamp: int = 0) -> bytes:
    body = b"\x02" + struct.pack(">H", len(name)) + name.encode()
    body += b"\x08" + struct.pack(">I", 1) + struct.pack(">H", 4) + b"text"
    body += b"\x02" + struct.pack(">H", len(text)) + text.encode() + b"\x00\x00\x09"
    head = bytes([18]) + len(body).to_bytes(3, "big") + timestamp.to_bytes(3, "big") + bytes(4)
    return head + body + struct.pack(">I", 11 + len(body))


def _dirty(tmp_path: Path, codecs: list[str]) -> Path:
    path = make_media(tmp_path / "film.flv", *video_source(2), *audio_source(2), *codecs,
                      *metadata_args(TAGS), "-flvflags", "add_keyframe_index")  # fmt: skip
    data = path.read_bytes()
    # An XMP packet and a cue point as other tools add them, after the first tags.
    at = data.index(b"onMetaData") - 13
    first = at + 11 + int.from_bytes(data[at + 1 : at + 4], "big") + 4
    extra = _script_tag("onXMPData", "<x:xmpmeta>PlantedXmpQx</x:xmpmeta>")
    extra += _script_tag("onCuePoint", "PlantedCueQx")
    path.write_bytes(data[:first] + extra + data[first:] + b"PlantedTrailerQx")
    return path


CASES = {
    "h264-aac": ["-c:v", "libx264", "-c:a", "aac"],
    "flv1-mp3": ["-c:v", "flv1", "-c:a", "libmp3lame", "-ar", "44100"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_flv_metadata_and_encoder_strings_removed(tmp_path: Path, case: str) -> None:
    src = _dirty(tmp_path, CASES[case])
    planted = [*TAGS.values(), "PlantedXmpQx", "PlantedCueQx", "PlantedTrailerQx"]
    assert_planted(src, planted, ("Lavf",))
    fields = {f.field for f in inspect_file(src)}
    assert {"FLV:onMetaData title", "FLV:onMetaData encoder", "FLV:onXMPData", "FLV:onCuePoint",
            "trailing data"} <= fields, fields  # fmt: skip
    dst = tmp_path / "clean.flv"
    assert clean_file(src, dst, CleanOptions()).cleaner == "flv"
    assert_nothing_left(dst, planted, ("Lavf", "Lavc", "x264", "LAME"))
    shown = exiftool_tags(dst)
    for tag in ("Title", "Artist", "Comment", "Encoder", "Creator", "Date"):
        assert f"] {tag} " not in shown.replace("[Flash]         ", "] "), shown
    for tag in KEPT:
        assert tag in shown, f"players need {tag}"
    assert inspect_file(dst) == []
    assert decode_all(dst) == decode_all(src)
    assert decoded_audio(dst) == decoded_audio(src)
    # (ffmpeg shows the planted script tags as a data stream: not audio or video.)
    ours = [p for p in packets(dst) if p[0] < 2]
    theirs = [p for p in packets(src) if p[0] < 2]
    assert [p[0] for p in ours] == [p[0] for p in theirs]
    changed = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    if case == "h264-aac":
        assert len(changed) == 2, "only the first video packet (SEI) and first AAC frame (fill)"
    else:
        with av.open(str(dst)) as container:
            audio = container.streams.audio[0].index
        assert changed and all(ours[i][0] == audio for i in changed), "only MP3 ancillary bytes"


def test_flv_keyframe_index_points_at_the_new_tags(tmp_path: Path) -> None:
    src = _dirty(tmp_path, CASES["h264-aac"])
    dst = tmp_path / "clean.flv"
    clean_file(src, dst, CleanOptions())
    shown = exiftool_tags(dst)
    line = next(x for x in shown.splitlines() if "Key Frame Positions" in x)
    data = dst.read_bytes()
    for position in line.split(":", 1)[1].replace(",", " ").split():
        at = int(float(position))
        assert data[at] == 9 and data[at + 11] >> 4 == 1, "a video key frame tag starts there"
    size = next(x for x in shown.splitlines() if "File Size Bytes" in x)
    assert int(size.split(":")[1]) == len(data)


def test_truncated_flv_refused_in_one_line(tmp_path: Path) -> None:
    src = _dirty(tmp_path, CASES["h264-aac"])
    cut = tmp_path / "cut.flv"
    cut.write_bytes(src.read_bytes()[:900])
    with pytest.raises(CleanError, match="truncated FLV"):
        clean_file(cut, tmp_path / "x.flv", CleanOptions())
    result = run_cli("clean", "-o", tmp_path / "out", cut)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out" / "cut.flv").exists()
