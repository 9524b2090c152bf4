"""ADTS AAC cleaning: ID3/APE/ID3v1 tags cut, the encoder's fill element cut, frames kept."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import av
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

from conftest import require_tool, run_cli
from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file
from sneakernet.clean.formats import adts
from sneakernet.media import ffmpeg

TAGS = {"title": "PlantedSongQx", "artist": "PlantedSingerQx", "album": "PlantedAlbumQx",
        "comment": "PlantedCommentQx", "date": "2019-04-05", "copyright": "PlantedOwnerQx"}  # fmt: skip
DROPPED = ["PlantedCommentQx", "PlantedOwnerQx", "PlantedApeQx", "PlantedV1Qx", "PlantedJunkQx"]
PLANTED = ["PlantedSongQx", "PlantedSingerQx", "PlantedAlbumQx", *DROPPED]


def _ape_tag(items: dict[str, str]) -> bytes:
    body = b"".join(
        struct.pack("<II", len(v.encode()), 0) + k.encode() + b"\x00" + v.encode()
        for k, v in items.items()
    )
    size = len(body) + 32

    def block(flags: int) -> bytes:
        return b"APETAGEX" + struct.pack("<IIII", 2000, size, len(items), flags) + bytes(8)

    return block(0xA0000000) + body + block(0x80000000)


def _id3v1(comment: str) -> bytes:
    return (
        b"TAG"
        + b"PlantedSongQx".ljust(30, b"\0")
        + bytes(60)
        + b"2019"
        + comment.encode().ljust(30, b"\0")
        + b"\xff"
    )


@pytest.fixture
def dirty_aac(tmp_path: Path) -> Path:
    path = make_media(tmp_path / "song.aac", *audio_source(), "-c:a", "aac",
                      "-write_id3v2", "1", "-write_apetag", "1", *metadata_args(TAGS))  # fmt: skip
    data = path.read_bytes()
    id3_end = 10 + sum((data[6 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
    reference = tmp_path / "reference.aac"
    reference.write_bytes(data[id3_end:])  # frames only, as the encoder wrote them
    ape = _ape_tag({"Comment": "PlantedApeQx"})
    path.write_bytes(
        data[:id3_end] + b"PlantedJunkQx" + data[id3_end:] + ape + _id3v1("PlantedV1Qx")
    )
    return path


def _assert_nothing_left(path: Path, planted: list[str]) -> None:
    """Not in the bytes, not in libavformat's tags, and exiftool finds no tag at all.

    exiftool reads ADTS only through an ID3 tag (it then calls the file MP3):
    a bare ADTS stream is "Unknown file type" to it, which is the clean state.
    """
    data = path.read_bytes()
    for text in [*planted, "Lavf", "Lavc"]:
        assert text.encode() not in data, f"{text!r} still in the bytes"
    tool = require_tool("exiftool")
    proc = subprocess.run([tool, "-a", "-G1", "--", str(path)], capture_output=True, text=True)
    lines = [x for x in proc.stdout.splitlines() if not x.startswith(("[System]", "[ExifTool]"))]
    assert lines == [] and "Unknown file type" in proc.stdout, proc.stdout
    with av.open(str(path)) as container:
        assert dict(container.metadata) == {}
        assert all(dict(s.metadata) == {} for s in container.streams)


def _frames(path: Path) -> list[bytes]:
    data = path.read_bytes()
    start = data.find(b"\xff\xf1")
    frames = []
    while start + 7 <= len(data) and (header := adts.adts_header(data[start : start + 7])):
        frames.append(data[start : start + header.length])
        start += header.length
    return frames


def _samples(path: Path) -> int:
    """Samples FFmpeg's own decoder outputs (it applies the encoder delay it reads)."""
    proc = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    )
    return len(proc.stdout) // 2


def test_adts_tags_and_encoder_fill_removed_audio_identical(
    dirty_aac: Path, tmp_path: Path
) -> None:
    assert_planted(dirty_aac, PLANTED, ("Lavf", "Lavc", "ID3", "APETAGEX", "TAG"))
    fields = {f.field for f in inspect_file(dirty_aac)}
    assert {"ID3v2:TIT2", "APEv2:Comment", "ID3v1:comment", "AAC:encoder string",
            "File:DataBeforeAudio"} <= fields  # fmt: skip
    dst = tmp_path / "clean.aac"
    assert clean_file(dirty_aac, dst, CleanOptions()).cleaner == "aac"
    _assert_nothing_left(dst, PLANTED + ["2019"])
    data = dst.read_bytes()
    assert data[:2] == b"\xff\xf1" and b"APETAGEX" not in data and b"TAG" not in data
    assert inspect_file(dst) == []
    reference = tmp_path / "reference.aac"
    ours, theirs = _frames(dst), _frames(reference)
    assert len(ours) == len(theirs) and ours[1:] == theirs[1:], "only the first frame changes"
    assert len(ours[0]) < len(theirs[0])
    assert decoded_audio(dst) == decoded_audio(reference)
    assert _samples(dst) == _samples(reference)


def test_libfaac_fill_keeps_its_meaning(dirty_aac: Path, tmp_path: Path) -> None:
    """FFmpeg skips libfaac's start-up frame when it reads "libfaac X.Y": keep that."""
    data = dirty_aac.read_bytes()
    name = next(t for t in (b"Lavc6", b"Lavc5") if t in data)
    at = data.find(name)
    end = data.index(b"\x00", at)
    faac = b"\x00" + b"libfaac 1.28"[: end - at - 1].ljust(end - at - 1, b"0")
    src = tmp_path / "faac.aac"
    src.write_bytes(data[:at] + faac + data[end:])
    skipped = _samples(src)
    assert skipped == _samples(dirty_aac) - 1024, "fixture: FFmpeg reads the libfaac fill"
    assert any(f.field == "AAC:encoder string" for f in inspect_file(src))
    dst = tmp_path / "clean.aac"
    clean_file(src, dst, CleanOptions())
    assert _samples(dst) == skipped, "the sound must not start 23 ms early"
    assert b"libfaac 1.28"[: end - at - 1] not in dst.read_bytes()
    assert inspect_file(dst) == []


def test_adts_keep_music_tags(dirty_aac: Path, tmp_path: Path) -> None:
    dst = tmp_path / "kept.aac"
    clean_file(dirty_aac, dst, CleanOptions(keep_music_tags=True))
    shown = exiftool_tags(dst)
    assert all(v in shown for v in ("PlantedSongQx", "PlantedSingerQx", "PlantedAlbumQx"))
    assert_nothing_left(dst, DROPPED)


def test_adts_cli_and_refusals(dirty_aac: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("clean", "-o", out, dirty_aac)
    assert result.code == 0, result.stderr
    _assert_nothing_left(out / "song.aac", PLANTED)
    cut = tmp_path / "cut.aac"
    cut.write_bytes(dirty_aac.read_bytes()[:200])  # inside the ID3 tag
    result = run_cli("clean", "-o", tmp_path / "out2", cut)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out2" / "cut.aac").exists()


def test_crc_frame_with_encoder_name_is_refused(dirty_aac: Path, tmp_path: Path) -> None:
    frames = _frames(dirty_aac)
    first = bytearray(frames[0])
    first[1] &= 0xFE  # protection_absent = 0: a CRC follows the header
    body = bytes(first[:7]) + b"\x00\x00" + bytes(first[7:])
    src = tmp_path / "crc.aac"
    src.write_bytes(adts.with_length(body, len(body)) + b"".join(frames[1:]))
    with pytest.raises(CleanError, match="CRC"):
        clean_file(src, tmp_path / "out.aac", CleanOptions())
    assert not (tmp_path / "out.aac").exists()
