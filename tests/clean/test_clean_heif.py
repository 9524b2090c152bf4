"""HEIC/AVIF: Exif and XMP items, thumbnails and what serves them dropped; pictures kept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from clean_checks import exiftool_tags, metadata_left, survivors
from heif_samples import Item, avif_picture, build, children, phone_photo

from conftest import run_cli
from sneakernet.clean import CleanError, clean_file, inspect_file
from sneakernet.media import ffmpeg


def _decoded(path: Path) -> bytes:
    """The primary picture as FFmpeg's HEIF demuxer and decoders draw it."""
    proc = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(path), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    assert proc.stdout
    return proc.stdout


def _items(path: Path) -> dict[int, bytes]:
    """Item id -> type, read back from iinf."""
    meta = dict(children(dict(children(path.read_bytes()))[b"meta"], 4))
    iinf = meta[b"iinf"]
    found = {}
    for _kind, infe in children(iinf, 4 + (2 if iinf[0] == 0 else 4)):
        id_size = 2 if infe[0] == 2 else 4
        found[int.from_bytes(infe[4 : 4 + id_size], "big")] = infe[
            4 + id_size + 2 : 4 + id_size + 6
        ]
    return found


@pytest.mark.parametrize("codec", ["hevc", "av1"])
def test_phone_photo_loses_metadata_and_thumbnails_keeps_the_picture(tmp_path, codec) -> None:
    data, planted = phone_photo(tmp_path, codec, "SNKPLANT")
    src = tmp_path / ("photo.heic" if codec == "hevc" else "photo.avif")
    src.write_bytes(data + b"SNKPLANTTrailer")
    shown = exiftool_tags(src)
    assert shown["IFD0:Artist"] == "SNKPLANTArtist" and "XMP-dc:Creator" in shown
    fields = {f.field for f in inspect_file(src)}
    assert {"HEIF:Exif:IFD0:Artist", "HEIF:application/rdf+xml", "HEIF:thumbnail",
            "HEIF:serves only a dropped item", "HEIF:item name", "HEIF:handler name",
            "HEIF:box uuid", "trailing data"} <= fields, fields  # fmt: skip
    if codec == "hevc":
        assert "HEVC:SEI user data" in fields, "x265's settings in the picture"
    out = tmp_path / "clean" / src.name
    out.parent.mkdir()
    assert clean_file(src, out).cleaner == "heif"
    assert survivors(out, [*planted, "SNKPLANTTrailer", "2019:03:04", "x265"]) == []
    assert metadata_left(out) == []
    after = exiftool_tags(out)
    assert not any(k.startswith(("IFD0", "ExifIFD", "XMP")) for k in after), after
    assert _items(out) == {1: b"hvc1" if codec == "hevc" else b"av01"}
    assert inspect_file(out) == []
    assert _decoded(out) == _decoded(src), "the picture decodes to the same pixels"


def test_avif_from_pillow_with_exif_and_xmp(tmp_path: Path) -> None:
    from clean_corpus import _picture
    from PIL import Image

    src = tmp_path / "p.avif"
    exif = Image.Exif()
    exif[0x013B] = "SNKPLANTPillowArtist"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SNKPLANTPillowXmp</x:xmpmeta>'
    _picture(48, 32, 9).save(src, "AVIF", exif=exif.tobytes(), xmp=xmp)
    out = tmp_path / "out.avif"
    clean_file(src, out)
    assert survivors(out, ["SNKPLANTPillowArtist", "SNKPLANTPillowXmp"]) == []
    with Image.open(src) as a, Image.open(out) as b:
        assert a.convert("RGB").tobytes() == b.convert("RGB").tobytes()
        assert "exif" not in b.info and "xmp" not in b.info
    assert _decoded(out) == _decoded(src)


def test_primary_metadata_and_sequences_refused(tmp_path: Path) -> None:
    picture, props = avif_picture(16, 12, 3)
    items = [
        Item(1, b"av01", picture, props),
        Item(2, b"Exif", bytes(4) + b"MM\x00*\x00\x00\x00\x08\x00\x00"),
    ]
    src = tmp_path / "odd.avif"
    src.write_bytes(build(b"avif", items, [(b"cdsc", 2, [1])], primary=2))
    with pytest.raises(CleanError, match="primary item"):
        clean_file(src, tmp_path / "x.avif")
    cut = tmp_path / "cut.avif"
    cut.write_bytes(build(b"avif", items, [])[:200])
    result = run_cli("clean", "-o", tmp_path / "out", cut)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out" / "cut.avif").exists()
