"""ASF (WMV, WMA): content descriptions, metadata objects and script commands removed."""

from __future__ import annotations

import struct
import subprocess
import uuid
from pathlib import Path

import pytest
from avclean_media import (
    assert_nothing_left,
    assert_planted,
    audio_source,
    exiftool_tags,
    make_media,
    metadata_args,
    video_source,
)

from conftest import run_cli
from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file
from sneakernet.media import ffmpeg

TAGS = {"title": "PlantedTitleQx", "artist": "PlantedArtistQx", "comment": "PlantedCommentQx",
        "copyright": "PlantedOwnerQx", "album": "PlantedAlbumQx", "genre": "PlantedGenreQx"}  # fmt: skip
SCRIPT = uuid.UUID("1EFB1A30-0B62-11D0-A39B-00A0C90348F6").bytes_le
HEADER = uuid.UUID("75B22630-668E-11CF-A6D9-00AA0062CE6C").bytes_le


def _utf16(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def _script_command() -> bytes:
    kind = _utf16("URL")
    name = _utf16("http://example.org/PlantedUrlQx PlantedScriptQx")
    body = bytes(16) + struct.pack("<HH", 1, 1) + struct.pack("<H", len(kind) // 2) + kind
    body += struct.pack("<IHH", 500, 0, len(name) // 2) + name
    return SCRIPT + struct.pack("<Q", 24 + len(body)) + body


def _metadata_record(name: str, value: str) -> bytes:
    n, v = _utf16(name), _utf16(value)
    return struct.pack("<HHHHI", 0, 0, len(n), 0, len(v)) + n + v


def _plant(path: Path) -> tuple[Path, list[str]]:
    """A script command in the header, a tool name in the Metadata object, data after the end."""
    data = bytearray(path.read_bytes())
    size, count = struct.unpack_from("<QI", data, 16)
    metadata = uuid.UUID("C5F8CBEA-5BAF-4877-8467-AA8C44FA4CCA").bytes_le
    at = data.find(metadata, 0, size)
    if at > 0:  # add a record to ffmpeg's Metadata object
        (length,) = struct.unpack_from("<Q", data, at + 16)
        (records,) = struct.unpack_from("<H", data, at + 24)
        record = _metadata_record("WM/ToolName", "PlantedToolQx")
        data[at + 24 : at + 26] = struct.pack("<H", records + 1)
        data[at + length : at + length] = record
        data[at + 16 : at + 24] = struct.pack("<Q", length + len(record))
        ext = data.rfind(uuid.UUID("5FBF03B5-A92E-11CF-8EE3-00C00C205365").bytes_le, 0, at)
        (ext_size,) = struct.unpack_from("<Q", data, ext + 16)
        data[ext + 16 : ext + 24] = struct.pack("<Q", ext_size + len(record))
        (inner,) = struct.unpack_from("<I", data, ext + 24 + 18)
        data[ext + 42 : ext + 46] = struct.pack("<I", inner + len(record))
        size += len(record)
    script = _script_command()
    data[size:size] = script
    struct.pack_into("<QI", data, 16, size + len(script), count + 1)
    total = len(data)
    props = data.find(uuid.UUID("8CABDCA1-A947-11CF-8EE4-00C00C205365").bytes_le)
    struct.pack_into("<Q", data, props + 24 + 16, total)
    path.write_bytes(bytes(data) + b"PlantedTrailerQx")
    return path, ["PlantedScriptQx", "PlantedUrlQx"] + (["PlantedToolQx"] if at > 0 else [])


def _framemd5(path: Path) -> list[str]:
    proc = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0", "-c", "copy",
         "-f", "framemd5", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [line for line in proc.stdout.splitlines() if not line.startswith("#")]


CASES = {
    "movie.wmv": [*video_source(), *audio_source(), "-c:v", "wmv2", "-c:a", "wmav2"],
    "song.wma": [*audio_source(), "-c:a", "wmav2"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_asf_metadata_objects_removed_packets_identical(tmp_path: Path, name: str) -> None:
    src, added = _plant(
        make_media(tmp_path / name, *CASES[name], *metadata_args(TAGS), "-f", "asf")
    )
    planted = [*TAGS.values(), *added]
    assert_planted(src, planted + ["PlantedTrailerQx"], ("Lavf",))
    shown = exiftool_tags(src)
    assert "PlantedArtistQx" in shown and "Lavf" in shown
    fields = {f.field for f in inspect_file(src)}
    assert {"ASF:Content Description Title", "ASF:Extended Content Description WM/EncodingSettings",
            "ASF:Script Command object", "trailing data"} <= fields, fields  # fmt: skip
    dst = tmp_path / ("clean-" + name)
    assert clean_file(src, dst, CleanOptions()).cleaner == "asf"
    assert_nothing_left(dst, [*planted, "PlantedTrailerQx"])
    after = exiftool_tags(dst)
    for tag in ("Title", "Author", "Copyright", "Description", "Genre", "Album Title",
                "Encoding Settings", "Tool Name"):  # fmt: skip
        assert f" {tag} " not in after, after
    assert "File Length" in after and str(dst.stat().st_size) in after, "the file size is updated"
    assert inspect_file(dst) == []
    assert _framemd5(dst) == _framemd5(src), "every packet byte for byte"


def test_truncated_asf_refused(tmp_path: Path) -> None:
    src = make_media(tmp_path / "a.wma", *audio_source(), "-c:a", "wmav2", "-f", "asf")
    cut = tmp_path / "cut.wma"
    cut.write_bytes(src.read_bytes()[:700])
    with pytest.raises(CleanError, match="ASF"):
        clean_file(cut, tmp_path / "x.wma", CleanOptions())
    result = run_cli("clean", "-o", tmp_path / "out", cut)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out" / "cut.wma").exists()
