"""Outputs carry nothing that names a person, machine, place, date or tool build."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest
from mediagen import PLANTED, Clip, ffmpeg, make_clip, video_packets

from conftest import require_tool, run_cli

# Strings that give away the tools or the source; checked in the raw bytes.
TOOL_MARKS = (b"x264", b"Lavf", b"Lavc", b"libx264", b"XviD", b"LAME", b"HandBrake")

PLANTED_METADATA = (
    "-metadata", f"title={PLANTED}-title",
    "-metadata", f"artist={PLANTED}-artist",
    "-metadata", f"comment={PLANTED}-comment",
    "-metadata", "creation_time=2023-05-01T12:34:56Z",
    "-metadata", "location=+39.0392+125.7625/",
    "-metadata:s:v", f"handler_name={PLANTED}-handler",
    "-metadata:s:a", "language=kor",
)  # fmt: skip


def _identifying_strings() -> list[bytes]:
    marks = [PLANTED.encode(), b"+39.0392", *TOOL_MARKS]
    host = socket.gethostname()
    if len(host) >= 6:  # shorter names occur by chance in compressed data
        marks.append(host.encode())
    return marks


def _assert_clean(path) -> None:
    data = path.read_bytes()
    for mark in _identifying_strings():
        assert mark not in data, (mark, path)
    exiftool = require_tool("exiftool")
    tags = json.loads(
        subprocess.run(
            [exiftool, "-j", "-a", "-G1", "-ee", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )[0]
    for key, value in tags.items():
        if key.startswith(("System:", "ExifTool:", "File:")) or key == "SourceFile":
            continue
        text = str(value)
        assert PLANTED not in text, (key, value)
        assert "2023" not in text, (key, value)  # the planted creation date
        name = key.split(":")[-1]
        assert name not in (
            "Encoder", "Software", "Title", "Artist", "Comment", "GPSCoordinates", "Location",
        ), (key, value)  # fmt: skip
        if name in ("CompressorName", "HandlerDescription"):
            assert text in ("", "VideoHandler", "SoundHandler"), (key, value)
        if "Date" in name:
            assert text.startswith("0000:00:00"), (key, value)


def _assert_audit_finds_nothing(folder) -> None:
    """The project's own inspector (the cleaners' inspect) finds nothing either."""
    audit = run_cli("audit", folder, "--json")
    assert audit.code == 0, (audit.stdout, audit.stderr)


@pytest.mark.parametrize("profile", ["notel", "notel-avi", "music"])
def test_transcoded_outputs_are_anonymous(tmp_path, profile):
    clip = Clip("mkv", "libx264", size="320x240", acodec="ac3", extra=PLANTED_METADATA)
    source = make_clip(tmp_path / "planted.mkv", clip)
    assert PLANTED.encode() in source.read_bytes() and b"x264" in source.read_bytes()
    out = tmp_path / "out"
    result = run_cli(
        "prepare", source, "-o", out, "--profile", profile, "--cache", tmp_path / "cache"
    )
    assert result.code == 0, result.stderr
    (output,) = out.iterdir()
    _assert_clean(output)
    _assert_audit_finds_nothing(out)


def _compliant_source(tmp_path, *, strip_sei: bool):
    """An input that already fits notel: MP4, H.264 Main, AAC stereo, yuv420p."""
    raw = make_clip(
        tmp_path / "raw.mp4",
        Clip("mp4", "libx264", size="320x240", acodec="aac", seconds=2, extra=PLANTED_METADATA),
    )
    source = tmp_path / "compliant.mp4"
    bsf = ["-bsf:v", "filter_units=remove_types=6"] if strip_sei else []
    ffmpeg("-i", str(raw), "-map", "0", "-c", "copy", *bsf, *PLANTED_METADATA, str(source))
    return source


def test_compliant_input_is_remuxed_with_identical_video(tmp_path):
    source = _compliant_source(tmp_path, strip_sei=True)
    out = tmp_path / "out"
    result = run_cli(
        "prepare", source, "-o", out, "--profile", "notel", "--cache", tmp_path / "c", "--json"
    )
    assert result.code == 0, result.stderr
    (item,) = json.loads(result.stdout)
    assert item["status"] == "remuxed"
    output = out / "compliant.mp4"
    assert video_packets(output) == video_packets(source)
    _assert_clean(output)
    _assert_audit_finds_nothing(out)


def test_remux_drops_the_x264_version_string(tmp_path):
    source = _compliant_source(tmp_path, strip_sei=False)
    assert b"x264 - core" in source.read_bytes()
    out = tmp_path / "out"
    result = run_cli(
        "prepare", source, "-o", out, "--profile", "notel", "--cache", tmp_path / "c", "--json"
    )
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)[0]["status"] == "remuxed"
    output = out / "compliant.mp4"
    _assert_clean(output)
    # Only the SEI went: every picture is still there, with the same slices.
    assert len(video_packets(output)) == len(video_packets(source))


def test_compliant_mp3_is_copied_and_only_lame_bits_are_zeroed(tmp_path):
    import subprocess as sp

    from sneakernet.media.ffmpeg import ffmpeg_exe

    song = tmp_path / "song.mp3"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:duration=3:sample_rate=44100", "-ac", "2",
           "-c:a", "libmp3lame", "-b:a", "192k", "-metadata", f"title={PLANTED}", str(song))  # fmt: skip
    assert b"LAME" in song.read_bytes()
    out = tmp_path / "out"
    result = run_cli("prepare", song, "-o", out, "--profile", "music", "--cache", tmp_path / "c",
                     "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)[0]["status"] == "remuxed"
    output = out / "song.mp3"
    _assert_clean(output)

    def decoded(path):
        # Every decoded sample, without the gapless trimming that only the
        # source's LAME header (now gone) asks for.
        return sp.run([ffmpeg_exe(), "-v", "error", "-flags2", "+skip_manual", "-i", str(path),
                       "-f", "md5", "-"], capture_output=True, text=True, check=True).stdout  # fmt: skip

    assert decoded(output) == decoded(song)  # the very same sound: nothing re-encoded
